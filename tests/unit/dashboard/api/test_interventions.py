"""``/api/admin/customer-success/interventions``: queue, filters, create, update with versions, cancel."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from data.models import Intervention
from data.repositories.interventions import intervention_queue
from tests.unit.dashboard.api.conftest import BASE

URL = f"{BASE}/interventions"
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
DESIGN_FIELDS = {
    "id", "client_id", "client_name", "type", "priority", "status", "title", "description",
    "assigned_to", "assigned_to_name", "due_date", "overdue", "source", "created_by", "created_at",
    "updated_at", "started_at", "completed_at", "cancelled_at", "outcome", "client_responded",
    "score_at_creation", "version",
}  # fmt: skip
# The guide's example body; client_id and assigned_to are filled in with ids of the book.
GUIDE_BODY = {
    "client_id": "uuid",
    "type": "call",
    "priority": "high",
    "title": "Client check-in call",
    "description": "Follow up on recent concerns",
    "assigned_to": "admin-uuid",
    "due_date": "2024-01-25T15:00:00Z",
}


def ids(response) -> list[int]:
    return [row["id"] for row in response.get_json()["data"]]


def at(url_id: int) -> str:
    return f"{URL}/{url_id}"


# --------------------------------------------------------------------------- GET list


def test_default_order_is_the_queue(client, book, headers, session):
    response = client.get(URL, headers=headers())

    iv = book.ids
    # urgent first; high: the cancelled one is due sooner than the in-progress one; then medium
    # (the completed one was due earlier), then low.
    assert ids(response) == [
        iv["urgent"],
        iv["cancelled"],
        iv["high"],
        iv["done"],
        iv["medium"],
        iv["low"],
    ]
    # ... the order of the repository's queue, which the Interventions tab shows.
    frame, _ = intervention_queue(session, limit=100)
    assert ids(response) == [int(value) for value in frame["id"]]


def test_list_rows_use_the_design_names(client, book, headers):
    row = client.get(URL, headers=headers()).get_json()["data"][0]

    assert set(row) == DESIGN_FIELDS
    assert row["client_name"] == "Ash Wedding"
    assert row["overdue"] is True
    assert row["source"] == "auto"
    assert row["version"] == 1
    for name in ("due_date", "created_at", "updated_at"):
        assert ISO_Z.match(row[name]), name


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=pending", ["urgent", "medium", "low"]),
        ("status=in_progress", ["high"]),
        ("status=completed", ["done"]),
        ("priority=high", ["cancelled", "high"]),
        ("type=meeting", ["medium"]),
        ("type=account_review", ["low"]),
        ("client_id=c-bay", ["high", "done"]),
        ("overdue=true", ["urgent"]),
        ("overdue=false&priority=medium", ["done", "medium"]),
        ("source=auto", ["urgent"]),
        ("status=pending&priority=low", ["low"]),
        ("client_id=nobody", []),
    ],
)
def test_filters(client, book, headers, query, expected):
    assert ids(client.get(f"{URL}?{query}", headers=headers())) == [
        book.ids[name] for name in expected
    ]


def test_filter_by_assignee(client, book, headers):
    response = client.get(f"{URL}?assigned_to={book.team.manager.id}", headers=headers())
    assert ids(response) == [book.ids["medium"]]
    assert response.get_json()["data"][0]["assigned_to_name"] == "Max Manager"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sort_by=due_date", ["done", "urgent", "cancelled", "high", "medium", "low"]),
        (
            "sort_by=due_date&sort_order=desc",
            ["low", "medium", "high", "cancelled", "urgent", "done"],
        ),
        ("sort_by=queue&sort_order=desc", ["low", "medium", "done", "high", "cancelled", "urgent"]),
        (
            "sort_by=created_at",
            ["urgent", "high", "medium", "low", "done", "cancelled"],
        ),  # same time: by id
    ],
)
def test_sort(client, book, headers, query, expected):
    assert ids(client.get(f"{URL}?{query}", headers=headers())) == [
        book.ids[name] for name in expected
    ]


def test_pages(client, book, headers):
    last = client.get(f"{URL}?limit=4&page=2", headers=headers()).get_json()
    beyond = client.get(f"{URL}?limit=4&page=3", headers=headers()).get_json()

    assert len(last["data"]) == 2
    assert last["pagination"] == {"page": 2, "limit": 4, "total": 6, "has_next": False}
    assert beyond == {
        "data": [],
        "pagination": {"page": 3, "limit": 4, "total": 6, "has_next": False},
    }
    assert client.get(f"{URL}?limit=4", headers=headers()).get_json()["pagination"]["has_next"] is True


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=done", "status"),
        ("priority=critical", "priority"),
        ("type=sms", "type"),
        ("source=robot", "source"),
        ("assigned_to=abc", "assigned_to"),
        ("assigned_to=0", "assigned_to"),
        ("overdue=maybe", "overdue"),
        ("client_id=" + "x" * 65, "client_id"),
        ("sort_by=password", "sort_by"),
        ("sort_order=sideways", "sort_order"),
        ("limit=101", "limit"),
        ("page=abc", "page"),
        ("owner=1", "owner"),
    ],
)
def test_each_bad_parameter_is_400(client, book, headers, query, field):
    response = client.get(f"{URL}?{query}", headers=headers())

    assert response.status_code == 400
    assert [item["field"] for item in response.get_json()["error"]["details"]] == [field]


# --------------------------------------------------------------------------- POST


def test_create_guide_example(client, book, headers):
    body = GUIDE_BODY | {"client_id": "c-cox", "assigned_to": book.team.admin.id}
    response = client.post(URL, json=body, headers=headers("manager"))

    assert response.status_code == 201
    data = response.get_json()["data"]
    assert response.headers["Location"] == f"/api{URL.removeprefix('/api')}/{data['id']}"
    assert set(data) == DESIGN_FIELDS | {"notes"}
    assert data["client_id"] == "c-cox"
    assert data["client_name"] == "Cox Party"
    assert data["type"] == "call"
    assert data["priority"] == "high"
    assert data["status"] == "pending"
    assert data["title"] == "Client check-in call"
    assert data["description"] == "Follow up on recent concerns"
    assert data["assigned_to"] == book.team.admin.id
    assert data["assigned_to_name"] == "Ann Admin"
    assert data["due_date"] == "2024-01-25T15:00:00Z"
    assert data["overdue"] is True  # that date has passed
    assert data["source"] == "manual"
    assert data["created_by"] == book.team.manager.id
    assert data["score_at_creation"] == 64
    assert data["version"] == 1
    assert data["notes"] == []
    assert (
        client.get(at(data["id"]), headers=headers()).get_json()["data"]["title"]
        == "Client check-in call"
    )


def test_create_guide_example_verbatim_names_the_bad_ids(client, book, headers):
    response = client.post(URL, json=GUIDE_BODY, headers=headers())

    assert response.status_code == 400
    assert [item["field"] for item in response.get_json()["error"]["details"]] == ["assigned_to"]


@pytest.mark.parametrize(
    ("priority", "hours"), [("urgent", 24), ("high", 48), ("medium", 7 * 24), ("low", 30 * 24)]
)
def test_default_due_date_by_priority(client, book, headers, priority, hours):
    body = {"client_id": "c-ash", "type": "email", "priority": priority, "title": "Check in"}
    data = client.post(URL, json=body, headers=headers()).get_json()["data"]

    created = dt.datetime.fromisoformat(data["created_at"])
    due = dt.datetime.fromisoformat(data["due_date"])
    assert abs((due - created) - dt.timedelta(hours=hours)) <= dt.timedelta(seconds=1)
    assert data["overdue"] is False


def test_create_defaults_and_first_note(client, book, headers):
    body = {
        "client_id": "c-elm",
        "type": "meeting",
        "title": "  Plan the review  ",
        "note": "Booked the room",
    }
    data = client.post(URL, json=body, headers=headers()).get_json()["data"]

    assert data["priority"] == "medium"
    assert data["title"] == "Plan the review"
    assert data["description"] == ""
    assert data["assigned_to"] is None
    assert data["assigned_to_name"] is None
    assert [(note["author_name"], note["body"]) for note in data["notes"]] == [
        ("Ann Admin", "Booked the room")
    ]


def test_create_with_an_offset_is_stored_in_utc(client, book, headers):
    body = {
        "client_id": "c-ash",
        "type": "call",
        "title": "Call",
        "due_date": "2030-06-01T10:00:00+02:00",
    }
    assert (
        client.post(URL, json=body, headers=headers()).get_json()["data"]["due_date"]
        == "2030-06-01T08:00:00Z"
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"client_id": "nobody"}, "client_id"),
        ({"client_id": None}, "client_id"),
        ({"type": "sms"}, "type"),
        ({"priority": "critical"}, "priority"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": 5}, "title"),
        ({"description": "a\x00b"}, "description"),
        ({"assigned_to": "admin-uuid"}, "assigned_to"),
        ({"assigned_to": True}, "assigned_to"),
        ({"assigned_to": 999}, "assigned_to"),
        ({"due_date": "tomorrow"}, "due_date"),
        ({"due_date": "1999-12-31T23:00:00Z"}, "due_date"),
        ({"due_date": "9999-12-31T23:59:59-14:00"}, "due_date"),
        ({"status": "completed"}, "status"),
        ({"version": 1}, "version"),
    ],
)
def test_create_bad_field_is_400_naming_it(client, book, headers, change, field):
    body = {"client_id": "c-ash", "type": "call", "title": "Call"} | change
    response = client.post(URL, json=body, headers=headers())

    assert response.status_code == 400, response.get_json()
    assert [item["field"] for item in response.get_json()["error"]["details"]] == [field]


@pytest.mark.parametrize("member", ["viewer", "inactive"])
def test_assignee_must_be_an_active_writer(client, book, headers, member):
    body = {
        "client_id": "c-ash",
        "type": "call",
        "title": "Call",
        "assigned_to": getattr(book.team, member).id,
    }
    response = client.post(URL, json=body, headers=headers())
    assert response.status_code == 400
    assert response.get_json()["error"]["details"][0]["field"] == "assigned_to"


@pytest.mark.parametrize("missing", ["client_id", "type", "title"])
def test_create_missing_field_is_400(client, book, headers, missing):
    body = {"client_id": "c-ash", "type": "call", "title": "Call"}
    del body[missing]
    response = client.post(URL, json=body, headers=headers())
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == [{"field": missing, "message": "is required"}]


def test_create_without_a_body_is_400(client, book, headers):
    response = client.post(URL, headers=headers())
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == [{"field": "body", "message": "is required"}]


# --------------------------------------------------------------------------- GET one


def test_get_one_with_notes(client, book, headers):
    client.put(
        at(book.ids["urgent"]), json={"version": 1, "note": "Left a voicemail"}, headers=headers()
    )

    response = client.get(at(book.ids["urgent"]), headers=headers("viewer"))

    assert response.status_code == 200
    data = response.get_json()["data"]
    assert data["id"] == book.ids["urgent"]
    assert [note["body"] for note in data["notes"]] == ["Left a voicemail"]
    note = data["notes"][0]
    assert set(note) == {"id", "author", "author_id", "author_name", "body", "created_at"}
    assert note["author"] == book.team.admin.name
    assert note["author_id"] == book.team.admin.id
    assert ISO_Z.match(note["created_at"])


@pytest.mark.parametrize("path_id", ["999", "2147483648", "99999999999999999999"])
def test_unknown_id_is_404(client, book, headers, path_id):
    for method, body in (("GET", None), ("PUT", {"version": 1, "note": "x"}), ("DELETE", None)):
        response = client.open(f"{URL}/{path_id}", method=method, json=body, headers=headers())
        assert response.status_code == 404, (method, path_id)
        assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path_id", ["abc", "-1", "1.5"])
def test_non_numeric_id_is_404(client, book, headers, path_id):
    response = client.get(f"{URL}/{path_id}", headers=headers())
    assert response.status_code == 404


# --------------------------------------------------------------------------- PUT


def test_start_then_complete(client, book, headers, session):
    url = at(book.ids["urgent"])
    started = client.put(
        url, json={"version": 1, "status": "in_progress", "note": "Calling now"}, headers=headers()
    )

    assert started.status_code == 200
    data = started.get_json()["data"]
    assert data["status"] == "in_progress"
    assert data["version"] == 2
    assert ISO_Z.match(data["started_at"])
    assert [note["body"] for note in data["notes"]] == [
        "Status pending → in progress.",
        "Calling now",
    ]

    done = client.put(
        url,
        json={"version": 2, "status": "completed", "outcome": "resolved", "client_responded": True},
        headers=headers("manager"),
    )

    assert done.status_code == 200
    data = done.get_json()["data"]
    assert (data["status"], data["outcome"], data["client_responded"], data["version"]) == (
        "completed",
        "resolved",
        True,
        3,
    )
    assert data["overdue"] is False
    assert ISO_Z.match(data["completed_at"])
    stored = session.get(Intervention, book.ids["urgent"])
    session.refresh(stored)
    assert stored.version == 3


def test_update_fields_and_unassign(client, book, headers):
    url = at(book.ids["medium"])
    body = {
        "version": 1,
        "priority": "urgent",
        "due_date": "2031-01-02T03:04:05Z",
        "title": "New title",
        "description": "More context",
    }
    data = client.put(url, json=body, headers=headers()).get_json()["data"]
    assert (data["priority"], data["due_date"], data["title"], data["description"]) == (
        "urgent",
        "2031-01-02T03:04:05Z",
        "New title",
        "More context",
    )
    assert data["notes"][-1]["body"].startswith("Priority medium → urgent; due ")

    data = client.put(url, json={"version": 2, "assigned_to": None}, headers=headers()).get_json()[
        "data"
    ]
    assert data["assigned_to"] is None
    assert data["notes"][-1]["body"] == "Assignee Max Manager → nobody."

    data = client.put(
        url, json={"version": 3, "assigned_to": book.team.admin.id}, headers=headers()
    ).get_json()["data"]
    assert data["assigned_to_name"] == "Ann Admin"


def test_sending_back_the_record_as_read_changes_nothing(client, book, headers):
    url = at(book.ids["medium"])
    read = client.get(url, headers=headers()).get_json()["data"]
    body = {
        name: read[name]
        for name in ("version", "status", "priority", "title", "description", "due_date")
    }

    response = client.put(url, json=body, headers=headers())

    assert response.status_code == 200
    assert response.get_json()["data"]["version"] == 1
    assert response.get_json()["data"]["notes"] == []


def test_a_note_alone_moves_the_version_on(client, book, headers):
    data = client.put(
        at(book.ids["low"]), json={"version": 1, "note": "Emailed"}, headers=headers()
    ).get_json()["data"]
    assert data["version"] == 2
    assert [note["body"] for note in data["notes"]] == ["Emailed"]


def test_stale_version_is_409(client, book, headers):
    url = at(book.ids["urgent"])
    assert client.put(url, json={"version": 1, "note": "first"}, headers=headers()).status_code == 200

    response = client.put(url, json={"version": 1, "priority": "low"}, headers=headers("manager"))

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "version_conflict"
    assert error["details"] == {"current_version": 2}
    assert client.get(url, headers=headers()).get_json()["data"]["priority"] == "urgent"


@pytest.mark.parametrize(
    ("name", "version", "status"),
    [
        ("urgent", 1, "completed"),  # pending cannot skip in_progress
        ("high", 1, "pending"),  # no way back
        ("done", 1, "in_progress"),  # completed is final
        ("cancelled", 1, "pending"),  # cancelled is final
    ],
)
def test_forbidden_move_is_409(client, book, headers, name, version, status):
    body = {"version": version, "status": status, "outcome": "resolved"}
    response = client.put(at(book.ids[name]), json=body, headers=headers())

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "invalid_transition"


def test_completing_needs_an_outcome(client, book, headers):
    response = client.put(
        at(book.ids["high"]), json={"version": 1, "status": "completed"}, headers=headers()
    )

    assert response.status_code == 400
    assert response.get_json()["error"]["details"][0]["field"] == "outcome"


def test_closed_intervention_takes_notes_and_outcome_only(client, book, headers):
    url = at(book.ids["done"])
    ok = client.put(
        url,
        json={
            "version": 1,
            "outcome": "unresolved",
            "client_responded": False,
            "note": "Reopened?",
        },
        headers=headers(),
    )
    assert ok.status_code == 200
    assert ok.get_json()["data"]["outcome"] == "unresolved"

    refused = client.put(url, json={"version": 2, "priority": "urgent"}, headers=headers())
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "intervention_closed"

    cleared = client.put(url, json={"version": 2, "outcome": None}, headers=headers())
    assert cleared.status_code == 400
    assert cleared.get_json()["error"]["details"][0]["field"] == "outcome"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"note": "no version"}, "version"),
        ({"version": "1"}, "version"),
        ({"version": 0}, "version"),
        ({"version": 1, "status": None}, "status"),
        ({"version": 1, "status": "done"}, "status"),
        ({"version": 1, "priority": None}, "priority"),
        ({"version": 1, "title": None}, "title"),
        ({"version": 1, "due_date": None}, "due_date"),
        ({"version": 1, "outcome": "great"}, "outcome"),
        ({"version": 1, "client_responded": "yes"}, "client_responded"),
        ({"version": 1, "note": ""}, "note"),
        ({"version": 1, "client_id": "c-bay"}, "client_id"),
        ({"version": 1, "created_by": 1}, "created_by"),
    ],
)
def test_update_bad_field_is_400(client, book, headers, body, field):
    response = client.put(at(book.ids["urgent"]), json=body, headers=headers())

    assert response.status_code == 400
    assert [item["field"] for item in response.get_json()["error"]["details"]] == [field]


def test_update_malformed_json_is_400(client, book, headers):
    response = client.put(
        at(book.ids["urgent"]),
        data="{'version': 1}",
        content_type="application/json",
        headers=headers(),
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


# --------------------------------------------------------------------------- DELETE


def test_delete_cancels_and_keeps_the_record(client, book, headers):
    url = at(book.ids["medium"])
    response = client.delete(url, headers=headers())

    assert response.status_code == 200
    data = response.get_json()["data"]
    assert data["status"] == "cancelled"
    assert ISO_Z.match(data["cancelled_at"])
    assert data["version"] == 2
    assert data["notes"][-1]["body"] == "Status pending → cancelled."
    assert client.get(url, headers=headers()).get_json()["data"]["status"] == "cancelled"
    assert book.ids["medium"] in ids(client.get(f"{URL}?status=cancelled", headers=headers()))


@pytest.mark.parametrize("name", ["done", "cancelled"])
def test_delete_a_closed_one_is_409(client, book, headers, name):
    response = client.delete(at(book.ids[name]), headers=headers())
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "intervention_closed"


def test_delete_with_a_stale_version_is_409(client, book, headers):
    url = at(book.ids["low"])
    assert client.delete(f"{url}?version=7", headers=headers()).status_code == 409
    assert client.delete(f"{url}?version=1", headers=headers()).status_code == 200


def test_delete_bad_version_is_400(client, book, headers):
    response = client.delete(f"{at(book.ids['low'])}?version=latest", headers=headers())
    assert response.status_code == 400
    assert response.get_json()["error"]["details"][0]["field"] == "version"


def test_patch_is_405(client, book, headers):
    response = client.patch(at(book.ids["low"]), json={"version": 1}, headers=headers())
    assert response.status_code == 405
    assert response.headers["Allow"] == "DELETE, GET, PUT"  # what the spec documents
