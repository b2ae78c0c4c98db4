"""``/api/admin/customer-success/health-scores``: the guide's format, filters, sort, pages and errors."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dashboard.api import health_scores as handlers
from dashboard.api.schemas import RecalculateResult
from tests.unit.dashboard.api.conftest import BASE, TODAY

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


def test_empty_value_counts_as_absent(client, book, headers):
    body = client.get(f"{URL}?risk_level=&search=&page=", headers=headers()).get_json()
    assert body["pagination"]["total"] == 5


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
def scoring_calls(monkeypatch) -> list[dict]:
    """Replace the scoring job with a recorder; returns the calls made."""
    calls: list[dict] = []

    def fake(database_url, *, client_ids, force):
        calls.append({"client_ids": client_ids, "force": force})
        scored = len(client_ids) if client_ids is not None else 5
        return RecalculateResult(
            as_of=TODAY,
            clients_scored=0 if not force else scored,
            clients_skipped=0 if force else scored,
            interventions_created=1,
            alerts_created=2,
        )

    monkeypatch.setattr(handlers, "run_scoring_job", fake)
    return calls


def test_recalculate_guide_example(client, book, headers, scoring_calls):
    # The guide's body, with two ids of the book.
    response = client.post(
        URL, json={"client_ids": ["c-ash", "c-bay"], "force_recalculate": True}, headers=headers()
    )

    assert response.status_code == 200
    assert response.get_json() == {
        "data": {
            "as_of": TODAY.isoformat(),
            "clients_scored": 2,
            "clients_skipped": 0,
            "interventions_created": 1,
            "alerts_created": 2,
        }
    }
    assert scoring_calls == [{"client_ids": ["c-ash", "c-bay"], "force": True}]


def test_recalculate_everyone_without_a_body(client, book, headers, scoring_calls):
    response = client.post(URL, headers=headers())

    assert response.status_code == 200
    assert response.get_json()["data"]["clients_skipped"] == 5
    assert scoring_calls == [{"client_ids": None, "force": False}]


def test_recalculate_with_an_empty_object(client, book, headers, scoring_calls):
    assert client.post(URL, json={}, headers=headers("manager")).status_code == 200
    assert scoring_calls == [{"client_ids": None, "force": False}]


def test_recalculate_drops_repeated_ids(client, book, headers, scoring_calls):
    client.post(URL, json={"client_ids": ["c-ash", "c-ash"]}, headers=headers())
    assert scoring_calls == [{"client_ids": ["c-ash"], "force": False}]


def test_recalculate_unknown_client_is_400(client, book, headers, scoring_calls):
    response = client.post(URL, json={"client_ids": ["c-ash", "uuid1"]}, headers=headers())

    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == [
        {"field": "client_ids[1]", "message": "no client with this id"}
    ]
    assert scoring_calls == []


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
def test_recalculate_bad_body_is_400_naming_the_field(
    client, book, headers, scoring_calls, body, field
):
    response = client.post(URL, json=body, headers=headers())

    assert response.status_code == 400
    assert [item["field"] for item in response.get_json()["error"]["details"]] == [field]
    assert scoring_calls == []


def test_recalculate_malformed_json_is_400(client, book, headers, scoring_calls):
    response = client.post(
        URL, data="{client_ids: [", content_type="application/json", headers=headers()
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_recalculate_runs_the_scoring_job(client, book, headers, session, add_events):
    # Ash logged in today; the others are already scored today and are skipped.
    add_events("logins", [{"client_id": "c-ash", "ts": dt.datetime.now(dt.UTC)}])
    session.commit()

    skipped = client.post(URL, json={"client_ids": ["c-ash", "c-bay"]}, headers=headers()).get_json()[
        "data"
    ]
    forced = client.post(
        URL, json={"client_ids": ["c-ash"], "force_recalculate": True}, headers=headers()
    )

    assert skipped["as_of"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert (skipped["clients_scored"], skipped["clients_skipped"]) == (0, 2)
    assert forced.status_code == 200
    assert (
        forced.get_json()["data"]["clients_scored"],
        forced.get_json()["data"]["clients_skipped"],
    ) == (1, 0)
    rows = client.get(f"{URL}?search=ash", headers=headers()).get_json()["data"]
    assert rows[0]["overall"] != 35.4  # rescored from its events


def test_failed_scoring_run_is_500_without_details(client, book, headers, monkeypatch):
    import data.scoring_job as job

    def failing(*args, **kwargs):
        raise job.ScoringFailed("scoring failed: disk full at /var/secret")

    monkeypatch.setattr(job, "run_scoring", failing)
    response = client.post(URL, json={"client_ids": ["c-ash"]}, headers=headers())

    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "scoring_failed"
    assert b"secret" not in response.data
