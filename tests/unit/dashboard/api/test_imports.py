"""``POST .../import/{kind}``: CSV or JSON rows in, as ``csd import`` takes them, and API keys.

Worked example of the score after an import (DESIGN 5), client ``n-1``
created 20 days before today D, with 6 logins (D-1 to D-6) and 3 interactions
(D-1 to D-3, each answered in 2 hours), nothing else:

- engagement: logins 6/12 -> 50 (0.30), interactions 3/3 -> 100 (0.25),
  recency d=1 -> 100 * 0.5^(1/7) = 90.5724 (0.25), responsiveness 2 h -> 100
  (0.20): 15 + 25 + 22.6431 + 20 = 82.6431;
- progress: no task due -> no data;
- satisfaction: only tickets, 0 in 30 days -> 100;
- overall: (0.40 * 82.6431 + 0.25 * 100) / 0.65 = 89.3188, stored 89.3.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from dashboard.api import imports as import_api
from data.db import make_engine, session_scope, upgrade_database
from data.importer import import_csv
from data.models import ApiKey, AuditEvent, DataImport, HealthScore, Login
from data.repositories.api_keys import create_api_key, revoke_api_key
from data.scoring_job import run_scoring
from scoring.enums import Role
from tests.unit.dashboard.api.conftest import BASE, TODAY

IMPORT = f"{BASE}/import"
D = TODAY


def _day(days_before: int, hour: int = 10) -> str:
    return f"{D - dt.timedelta(days=days_before)}T{hour:02d}:00:00Z"


CLIENTS_CSV = f"id,name,created_at\nn-1,New Couple,{_day(20)}\n"
LOGINS_CSV = "client_id,ts\n" + "".join(f"n-1,{_day(days)}\n" for days in range(1, 7))
INTERACTIONS_CSV = "client_id,ts,channel,response_hours\n" + "".join(
    f"n-1,{_day(days)},email,2\n" for days in range(1, 4)
)
FILES = {"clients": CLIENTS_CSV, "logins": LOGINS_CSV, "interactions": INTERACTIONS_CSV}


def post_csv(client, kind: str, text: str, headers: dict[str, str]):
    return client.post(
        f"{IMPORT}/{kind}",
        data=text.encode(),
        headers={**headers, "Content-Type": "text/csv"},
    )


def _logins(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Login))


def _score(url: str, client_id: str) -> float:
    with session_scope(url) as db:
        return db.scalar(
            select(HealthScore.overall).where(
                HealthScore.client_id == client_id, HealthScore.day == D
            )
        )


def test_posted_csv_scores_exactly_as_csd_import_does(
    client, team, headers, migrated_url, tmp_path
):
    for kind, text in FILES.items():
        response = post_csv(client, kind, text, headers("manager"))
        assert response.status_code == 200, response.get_json()
    run_scoring(sessionmaker(make_engine(migrated_url)), as_of=D)

    # The same files through csd import's function, into a second database.
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    upgrade_database(other)
    for kind, text in FILES.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        with session_scope(other) as db:
            import_csv(db, kind, path)
    run_scoring(sessionmaker(make_engine(other)), as_of=D)

    assert _score(migrated_url, "n-1") == 89.3
    assert _score(other, "n-1") == 89.3


def test_answer_counts_added_and_already_present_rows(client, book, headers, session):
    admin = headers("admin")
    text = "client_id,ts\nc-ash,2026-01-01T10:00:00Z\nc-bay,2026-01-02T10:00:00Z\n"
    before = _logins(session)

    first = post_csv(client, "logins", text, admin)
    again = post_csv(client, "logins", text, admin)

    assert first.status_code == again.status_code == 200
    assert first.get_json() == {
        "data": {"kind": "logins", "rows_added": 2, "rows_already_present": 0}
    }
    assert again.get_json()["data"] == {
        "kind": "logins",
        "rows_added": 0,
        "rows_already_present": 2,
    }
    assert _logins(session) == before + 2


def test_clients_already_present_are_updated(client, book, headers, session):
    response = post_csv(
        client, "clients", "id,name\nc-ash,Ash Renamed\nn-9,Brand New\n", headers("admin")
    )

    assert response.get_json()["data"] == {
        "kind": "clients",
        "rows_added": 1,
        "rows_already_present": 1,
    }


def test_bad_rows_write_nothing_and_name_every_line(client, book, headers, session):
    before = _logins(session)
    text = (
        "client_id,ts\n"
        "c-ash,2026-01-01T10:00:00Z\n"
        "nobody,2026-01-01T10:00:00Z\n"
        "c-bay,yesterday\n"
        "c-cox,2026-01-03T10:00:00Z\n"
    )

    response = post_csv(client, "logins", text, headers("admin"))

    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_rows"
    assert error["message"] == "2 problems in the logins rows; nothing was imported."
    assert error["details"] == [
        {"line": 3, "column": "client_id", "message": "no client with this id"},
        {
            "line": 4,
            "column": "ts",
            "message": "not an ISO 8601 timestamp (e.g. 2024-05-01T14:30:00Z)",
        },
    ]
    assert _logins(session) == before
    recorded = session.scalars(select(DataImport)).all()
    assert [(r.kind, r.via, r.actor, r.problems, r.rows_added) for r in recorded] == [
        ("logins", "api", "ann@example.com", 2, 0)
    ]


def test_extra_column_is_refused_on_the_header_line(client, book, headers):
    response = post_csv(client, "logins", "client_id,ts,device\nc-ash,2026-01-01\n", headers())

    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == [
        {"line": 1, "column": "device", "message": "unknown column (expected client_id, ts)"}
    ]


def test_json_rows_import_like_csv_rows(client, book, headers, session):
    rows = [
        {"client_id": "c-ash", "ts": "2026-02-01T09:00:00Z", "response_hours": 1.5},
        {"client_id": "c-bay", "ts": "2026-02-01T09:00:00+01:00", "channel": None},
    ]

    response = client.post(f"{IMPORT}/interactions", json=rows, headers=headers())

    assert response.status_code == 200
    assert response.get_json()["data"]["rows_added"] == 2


def test_json_problems_count_rows_from_one(client, book, headers):
    rows = [
        {"client_id": "c-ash", "ts": "2026-02-01T09:00:00Z"},
        {"client_id": "c-ash", "ts": "2026-02-01T09:00:00Z", "device": "phone"},
        {"client_id": "c-ash"},
        "c-ash",
        {"client_id": "c-ash", "ts": ["2026"]},
    ]

    response = client.post(f"{IMPORT}/logins", json=rows, headers=headers())

    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == [
        {"line": 2, "column": "device", "message": "unknown field (expected client_id, ts)"},
        {"line": 3, "column": "ts", "message": "required, but empty"},
        {"line": 4, "column": None, "message": "must be an object of fields"},
        {"line": 5, "column": "ts", "message": "must be text, a number or null"},
    ]


def test_json_body_that_is_not_an_array(client, book, headers):
    response = client.post(f"{IMPORT}/logins", json={"client_id": "c-ash"}, headers=headers())

    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == [
        {"line": None, "column": None, "message": "expected a JSON array of row objects"}
    ]


def test_viewers_may_not_import_and_managers_may(client, book, headers):
    text = "client_id,ts\nc-ash,2026-03-01T10:00:00Z\n"

    assert post_csv(client, "logins", text, headers("viewer")).status_code == 403
    assert post_csv(client, "logins", text, headers("manager")).status_code == 200


def test_other_media_types_unknown_kinds_and_large_bodies(client, book, headers, monkeypatch):
    admin = headers()
    plain = client.post(
        f"{IMPORT}/logins", data=b"x", headers={**admin, "Content-Type": "text/plain"}
    )
    unknown = post_csv(client, "payments", "id\n1\n", admin)
    monkeypatch.setattr(import_api, "MAX_IMPORT_BYTES", 100)
    large = post_csv(client, "logins", "client_id,ts\n" + "c-ash,2026-01-01\n" * 10, admin)

    assert plain.status_code == 415
    assert unknown.status_code == 404
    assert (
        "clients, logins, interactions, tasks, feedback, tickets"
        in unknown.get_json()["error"]["message"]
    )
    assert large.status_code == 413
    assert large.get_json()["error"]["message"] == (
        "The request body is over the limit of 100 bytes."
    )


def test_imports_are_in_the_audit_log(client, book, headers, session):
    post_csv(client, "logins", "client_id,ts\nc-ash,2026-03-01T10:00:00Z\n", headers("manager"))

    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert [(e.actor, e.subject, e.detail) for e in events] == [
        ("max@example.com", "logins (API)", "logins: 1 added, 0 already present")
    ]


# --- API keys ----------------------------------------------------------------------------


def _key(session, role=Role.MANAGER, **options) -> tuple[ApiKey, str]:
    stored, key = create_api_key(session, "Booking system", role, created_by=None, **options)
    session.commit()
    return stored, key


def test_an_api_key_imports_with_its_role_and_is_recorded_by_name(client, book, session):
    _stored, key = _key(session)

    response = post_csv(
        client,
        "logins",
        "client_id,ts\nc-ash,2026-03-01T10:00:00Z\n",
        {"Authorization": f"Bearer {key}"},
    )

    assert response.status_code == 200
    session.expire_all()
    assert session.scalars(select(DataImport.actor)).all() == ["API key: Booking system"]
    assert session.scalars(select(ApiKey.last_used_at)).one() is not None


def test_a_revoked_key_gets_401_on_its_next_request(client, book, session):
    stored, key = _key(session)
    bearer = {"Authorization": f"Bearer {key}"}
    assert client.get(f"{BASE}/health-scores", headers=bearer).status_code == 200

    revoke_api_key(session, stored.id)
    session.commit()
    response = client.get(f"{BASE}/health-scores", headers=bearer)

    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == (
        "The API key is not valid: it is unknown, revoked or expired."
    )


def test_expired_unknown_and_viewer_keys(client, book, session):
    now = dt.datetime.now(dt.UTC)
    expired_key, expired = _key(session, expires_at=now + dt.timedelta(seconds=1))
    session.query(ApiKey).filter_by(id=expired_key.id).update(
        {"expires_at": now - dt.timedelta(seconds=1)}
    )
    session.commit()
    _viewer, viewer = _key(session, role=Role.VIEWER)
    text = "client_id,ts\nc-ash,2026-03-01T10:00:00Z\n"

    assert (
        client.get(f"{BASE}/metrics", headers={"Authorization": f"Bearer {expired}"}).status_code
        == 401
    )
    assert (
        client.get(f"{BASE}/metrics", headers={"Authorization": "Bearer csd_not-a-key"}).status_code
        == 401
    )
    assert (
        post_csv(client, "logins", text, {"Authorization": f"Bearer {viewer}"}).status_code == 403
    )


@pytest.mark.parametrize(
    ("name", "role", "message"),
    [
        ("  ", "manager", "Give the key a name"),
        ("x" * 101, "manager", "longer than 100 characters"),
        ("Line\nbreak", "manager", "control characters"),
        ("Booking", "owner", "Unknown role 'owner'"),
    ],
)
def test_keys_refuse_bad_names_and_roles(session, name, role, message):
    with pytest.raises(ValueError, match=message):
        create_api_key(session, name, role, created_by=None)


def test_only_the_digest_of_a_key_is_stored(session):
    stored, key = _key(session)

    assert key.startswith("csd_") and len(key) == 47
    assert stored.prefix == key[:12]
    assert key not in (stored.key_hash, stored.name)
