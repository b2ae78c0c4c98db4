"""``/api/admin/customer-success/health-scores``: the guide's format, filters, sort, pages and errors."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import subprocess
import sys
import time

import pytest

from dashboard.api import health_scores as handlers
from dashboard.api.runs import FAILED_FOR_NON_ADMINS
from dashboard.services.jobs import Started
from data.repositories.runs import INTERRUPTED_ERROR, fail_run, start_run
from tests.unit.dashboard.api.conftest import BASE, NOW, TODAY


def exited_pid() -> int:
    """The pid of a process of this host that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


URL = f"{BASE}/health-scores"
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
GUIDE_ROW_KEYS = {
    "id",
    "client_id",
    "client_name",
    "current_score",
    "risk_level",
    "last_updated",
    "trend_direction",
}


def names(response) -> list[str]:
    return [row["client_name"] for row in response.get_json()["data"]]


def test_response_has_the_guides_format(client, book, headers):
    response = client.get(URL, headers=headers())

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"data", "pagination"}
    assert body["pagination"] == {"page": 1, "limit": 20, "total": 5, "has_next": False}
    ash = body["data"][0]
    assert set(ash) >= GUIDE_ROW_KEYS
    assert ash["client_id"] == "c-ash"
    assert ash["client_name"] == "Ash Wedding"
    assert ash["current_score"] == 35  # 35.4 shown as an integer
    assert ash["risk_level"] == "critical"
    assert ash["trend_direction"] == "declining"  # 35 against 50 a week before
    assert ISO_Z.match(ash["last_updated"])
    # More than the guide: sub-scores, coverage, wedding date.
    assert ash["overall"] == 35.4
    assert ash["engagement"] == 35.4
    assert ash["coverage"] == 0.8
    assert ash["wedding_date"] == (TODAY + dt.timedelta(days=20)).isoformat()
    assert ash["score_date"] == TODAY.isoformat()


def test_guide_request_example(client, book, headers):
    # The parameters exactly as the guide lists them.
    query = "page=1&limit=20&risk_level=high&search=bay&sort_by=score&sort_order=desc"
    response = client.get(f"{URL}?{query}", headers=headers())

    assert response.status_code == 200
    assert names(response) == ["bay Family"]


def test_default_order_is_lowest_score_first(client, book, headers):
    response = client.get(URL, headers=headers())
    assert [row["current_score"] for row in response.get_json()["data"]] == [35, 53, 64, 80, 91]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "sort_by=score&sort_order=desc",
            ["Dee Couple", "Elm Pair", "Cox Party", "bay Family", "Ash Wedding"],
        ),
        (
            "sort_by=client_name",
            ["Ash Wedding", "bay Family", "Cox Party", "Dee Couple", "Elm Pair"],
        ),
        (
            "sort_by=client_name&sort_order=desc",
            ["Elm Pair", "Dee Couple", "Cox Party", "bay Family", "Ash Wedding"],
        ),
    ],
)
def test_sort(client, book, headers, query, expected):
    assert names(client.get(f"{URL}?{query}", headers=headers())) == expected


def test_sort_by_last_updated(client, book, headers, session):
    from data.models import HealthScore

    row = session.query(HealthScore).filter_by(client_id="c-cox", day=TODAY).one()
    row.updated_at = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    session.commit()

    response = client.get(f"{URL}?sort_by=last_updated&sort_order=desc", headers=headers())
    assert names(response)[0] == "Cox Party"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("risk_level=medium", ["Cox Party"]),
        ("risk_level=low", ["Elm Pair", "Dee Couple"]),  # 79.6 is shown as 80: low
        ("search=KEW", ["Ash Wedding", "Cox Party"]),  # venue, any case
        ("search=rowan", ["Ash Wedding"]),  # partner names
        ("search=BAY", ["bay Family"]),
        ("search=nobody", []),
        ("search=%25", []),  # a literal percent sign, not a wildcard
        ("risk_level=low&search=elm", ["Elm Pair"]),
        ("risk_level=medium&search=elm", []),
    ],
)
def test_filters(client, book, headers, query, expected):
    assert names(client.get(f"{URL}?{query}", headers=headers())) == expected


def test_pages(client, book, headers):
    first = client.get(f"{URL}?limit=2", headers=headers()).get_json()
    last = client.get(f"{URL}?limit=2&page=3", headers=headers()).get_json()
    beyond = client.get(f"{URL}?limit=2&page=4", headers=headers()).get_json()

    assert [row["client_id"] for row in first["data"]] == ["c-ash", "c-bay"]
    assert first["pagination"] == {"page": 1, "limit": 2, "total": 5, "has_next": True}
    assert [row["client_id"] for row in last["data"]] == ["c-dee"]
    assert last["pagination"] == {"page": 3, "limit": 2, "total": 5, "has_next": False}
    assert beyond["data"] == []
    assert beyond["pagination"] == {"page": 4, "limit": 2, "total": 5, "has_next": False}


def test_exact_last_page_has_no_next(client, book, headers):
    body = client.get(f"{URL}?limit=5", headers=headers()).get_json()
    assert body["pagination"]["has_next"] is False
    assert len(body["data"]) == 5


def test_limits_1_and_100_are_accepted(client, book, headers):
    assert len(client.get(f"{URL}?limit=1", headers=headers()).get_json()["data"]) == 1
    assert client.get(f"{URL}?limit=100", headers=headers()).status_code == 200


def test_an_empty_value_is_refused_unless_the_parameter_is_text(client, book, headers):
    # An empty search is text: it matches everyone.
    body = client.get(f"{URL}?search=", headers=headers()).get_json()
    assert body["pagination"]["total"] == 5
    # An empty level or page is not one: 400 naming each, as the spec says.
    response = client.get(f"{URL}?risk_level=&search=&page=", headers=headers())
    assert response.status_code == 400
    fields = [item["field"] for item in response.get_json()["error"]["details"]]
    assert sorted(fields) == ["page", "risk_level"]


def test_no_scores_yet_is_an_empty_page(client, team, headers):
    body = client.get(URL, headers=headers()).get_json()
    assert body == {
        "data": [],
        "pagination": {"page": 1, "limit": 20, "total": 0, "has_next": False},
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("limit=-5", "limit"),
        ("limit=ten", "limit"),
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=1.5", "page"),
        ("page=99999999999", "page"),
        ("risk_level=severe", "risk_level"),
        ("risk_level=HIGH", "risk_level"),
        ("sort_by=password", "sort_by"),
        ("sort_by=wedding_date", "sort_by"),
        ("sort_order=up", "sort_order"),
        ("search=" + "x" * 201, "search"),
        ("search=a%00b", "search"),
        ("color=red", "color"),
        ("page=1&page=2", "page"),
    ],
)
def test_each_bad_parameter_is_400_naming_it(client, book, headers, query, field):
    response = client.get(f"{URL}?{query}", headers=headers())

    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter"
    assert [item["field"] for item in error["details"]] == [field]
    assert f"parameter {field}" in error["message"]


def test_several_bad_parameters_are_all_named(client, book, headers):
    response = client.get(
        f"{URL}?limit=101&page=abc&risk_level=severe&sort_by=password", headers=headers()
    )

    error = response.get_json()["error"]
    assert response.status_code == 400
    assert sorted(item["field"] for item in error["details"]) == [
        "limit",
        "page",
        "risk_level",
        "sort_by",
    ]
    assert "(and 3 more)" in error["message"]


# --------------------------------------------------------------------------- POST: recalculate


@pytest.fixture
def started(monkeypatch) -> list[dict]:
    """Replace the background start with a recorder (run 7 started); returns the calls made."""
    calls: list[dict] = []

    def record(url, *, now, zone, client_ids, force):
        calls.append({"client_ids": client_ids, "force": force})
        return Started(True, "Recalculation started.", run_id=7)

    monkeypatch.setattr(handlers, "start_recalculation", record)
    return calls


def finished(client, headers, url: str) -> dict:
    """The run at ``url`` once it is no longer running (read as the API's clients read it)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = client.get(url, headers=headers()).get_json()["data"]
        if state["status"] != "running":
            return state
        time.sleep(0.1)
    raise AssertionError(f"the run at {url} did not finish")


def test_recalculate_guide_example_answers_202_with_the_runs_url(client, book, headers, started):
    # The guide's body, with two ids of the book.
    response = client.post(
        URL, json={"client_ids": ["c-ash", "c-bay"], "force_recalculate": True}, headers=headers()
    )

    assert response.status_code == 202
    run_url = f"{BASE}/runs/7"
    assert response.get_json() == {"data": {"run_id": 7, "status": "running", "url": run_url}}
    assert response.headers["Location"] == run_url
    assert started == [{"client_ids": ["c-ash", "c-bay"], "force": True}]


def test_recalculate_everyone_without_a_body(client, book, headers, started):
    assert client.post(URL, headers=headers()).status_code == 202
    assert started == [{"client_ids": None, "force": False}]


def test_recalculate_with_an_empty_object(client, book, headers, started):
    assert client.post(URL, json={}, headers=headers("manager")).status_code == 202
    assert started == [{"client_ids": None, "force": False}]


def test_recalculate_drops_repeated_ids(client, book, headers, started):
    client.post(URL, json={"client_ids": ["c-ash", "c-ash"]}, headers=headers())
    assert started == [{"client_ids": ["c-ash"], "force": False}]


def test_recalculate_unknown_client_is_400(client, book, headers, started):
    response = client.post(URL, json={"client_ids": ["c-ash", "uuid1"]}, headers=headers())

    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == [
        {"field": "client_ids[1]", "message": "no client with this id"}
    ]
    assert started == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client_ids": "c-ash"}, "client_ids"),
        ({"client_ids": []}, "client_ids"),
        ({"client_ids": [1]}, "client_ids[0]"),
        ({"client_ids": [""]}, "client_ids[0]"),
        ({"client_ids": ["x" * 65]}, "client_ids[0]"),
        ({"force_recalculate": "yes"}, "force_recalculate"),
        ({"force_recalculate": 1}, "force_recalculate"),
        ({"force": True}, "force"),
    ],
)
def test_recalculate_bad_body_is_400_naming_the_field(client, book, headers, started, body, field):
    response = client.post(URL, json=body, headers=headers())

    assert response.status_code == 400
    assert [item["field"] for item in response.get_json()["error"]["details"]] == [field]
    assert started == []


def test_recalculate_malformed_json_is_400(client, book, headers, started):
    response = client.post(
        URL, data="{client_ids: [", content_type="application/json", headers=headers()
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_recalculate_runs_the_scoring_job_in_the_background(
    client, book, headers, session, add_events
):
    # Ash logged in today; the others are already scored today and are skipped.
    add_events("logins", [{"client_id": "c-ash", "ts": dt.datetime.now(dt.UTC)}])
    session.commit()

    accepted = client.post(URL, json={"client_ids": ["c-ash", "c-bay"]}, headers=headers())
    assert accepted.status_code == 202
    skipped = finished(client, headers, accepted.headers["Location"])
    forced_url = client.post(
        URL, json={"client_ids": ["c-ash"], "force_recalculate": True}, headers=headers()
    ).headers["Location"]
    forced = finished(client, headers, forced_url)

    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert (skipped["status"], skipped["as_of"], skipped["all_clients"]) == (
        "succeeded",
        today,
        False,
    )
    assert (skipped["clients_scored"], skipped["clients_skipped"]) == (0, 2)
    assert (forced["status"], forced["clients_scored"], forced["clients_skipped"]) == (
        "succeeded",
        1,
        0,
    )
    assert forced["error"] is None and forced["duration_seconds"] >= 0
    rows = client.get(f"{URL}?search=ash", headers=headers()).get_json()["data"]
    assert rows[0]["overall"] != 35.4  # rescored from its events


def test_a_second_recalculation_while_one_runs_is_409_with_that_run(client, book, headers, session):
    going = start_run(session, TODAY, at=NOW)  # a run of this (live) process, still going
    session.commit()

    response = client.post(URL, json={"client_ids": ["c-ash"]}, headers=headers("manager"))

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "run_going"
    assert error["details"] == {"run_id": going.id, "url": f"{BASE}/runs/{going.id}"}
    assert error["message"].startswith("A scoring run is already going (started ")


def test_a_viewer_may_read_a_run_but_not_start_one(client, book, headers, session):
    run = start_run(session, TODAY, at=NOW)
    session.commit()
    assert client.post(URL, json={}, headers=headers("viewer")).status_code == 403
    state = client.get(f"{BASE}/runs/{run.id}", headers=headers("viewer")).get_json()["data"]
    assert (state["id"], state["status"], state["finished_at"]) == (run.id, "running", None)


def test_a_failed_runs_error_is_shown_to_admins_only(client, book, headers, session):
    run = start_run(session, TODAY, at=NOW)
    fail_run(session, run.id, "OperationalError: SELECT secret FROM users WHERE password = 'x'")
    session.commit()
    url = f"{BASE}/runs/{run.id}"

    admin = client.get(url, headers=headers("admin")).get_json()["data"]
    manager = client.get(url, headers=headers("manager")).get_json()["data"]

    assert admin["status"] == manager["status"] == "failed"
    assert admin["error"].startswith("OperationalError: SELECT secret")
    assert manager["error"] == FAILED_FOR_NON_ADMINS


def test_a_run_whose_process_died_reads_interrupted(client, book, headers, session):
    run = start_run(session, TODAY, at=NOW)
    run.holder = f"{socket.gethostname()}:{exited_pid()}"
    session.commit()

    state = client.get(f"{BASE}/runs/{run.id}", headers=headers()).get_json()["data"]

    assert (state["status"], state["error"]) == ("interrupted", INTERRUPTED_ERROR)


def test_an_unknown_run_is_404(client, book, headers):
    response = client.get(f"{BASE}/runs/999", headers=headers())
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "There is no scoring run 999."
    # Past any integer the database holds: 404 as well, not a database error.
    assert client.get(f"{BASE}/runs/55474196779572584775680", headers=headers()).status_code == 404


def test_a_run_that_fails_is_failed_at_its_url_and_writes_nothing(
    client, book, headers, monkeypatch
):
    import data.scoring_job as job

    def failing(*args, **kwargs):
        raise RuntimeError("disk full at /var/secret")

    monkeypatch.setattr(job, "health_scores_for", failing)
    accepted = client.post(
        URL, json={"client_ids": ["c-ash"], "force_recalculate": True}, headers=headers("manager")
    )

    assert accepted.status_code == 202
    state = finished(client, headers, accepted.headers["Location"])
    assert (state["status"], state["clients_scored"]) == ("failed", 0)
    manager = client.get(accepted.headers["Location"], headers=headers("manager")).get_json()
    assert b"secret" not in json.dumps(manager).encode()
