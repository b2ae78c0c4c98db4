"""Fixtures of the API tests: an app on a throwaway database, team members, tokens and a small book.

``client`` (``tests/conftest.py``) is the Flask test client of an app built with
``create_app`` on the ``migrated_url`` database (SQLite, and PostgreSQL when ``TEST_POSTGRES_URL``
is set). ``book`` commits a book small enough to work out every answer by
hand:

| client | name | partners | venue | wedding | score today (7 days before) | risk | days idle |
|---|---|---|---|---|---|---|---|
| c-ash | Ash Wedding | Ash & Rowan | Kew Gardens | +20 d | 35.4 (50) | critical | 40 |
| c-bay | bay Family | Bay & Kit | Old Mill | +90 d | 52.5 (48) | high | 10 |
| c-cox | Cox Party | Sam & Alex Cox | Kew Palace | +200 d | 64.0 (64) | medium | 2 |
| c-dee | Dee Couple | Dee & Lee | Harbour Hall | none | 91.2 (80) | low | 0 |
| c-elm | Elm Pair | Elm & Oak | Barn | +400 d | 79.6 (none): shown 80 | low | never |

Interventions (``book.iv``): ``urgent`` (c-ash, urgent, due yesterday:
overdue), ``high`` (c-bay, high, in progress, due in 2 days), ``medium``
(c-cox, medium, due in 5 days, assigned to the manager), ``low`` (c-dee, low,
due in 20 days), ``done`` (c-bay, medium, completed), ``cancelled`` (c-elm,
high, cancelled).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import pytest

from dashboard.auth.tokens import issue_token
from data.models import User
from scoring.enums import InterventionStatus, InterventionType, Outcome, Priority, Role, Source
from tests.conftest import SECRET

BASE = "/api/admin/customer-success"
TODAY = dt.datetime.now(dt.UTC).date()
NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def team(session, make_user) -> SimpleNamespace:
    """An admin, a manager, a viewer and an inactive manager, committed."""
    members = SimpleNamespace(
        admin=make_user("ann@example.com", name="Ann Admin", role=Role.ADMIN),
        manager=make_user("max@example.com", name="Max Manager", role=Role.MANAGER),
        viewer=make_user("vic@example.com", name="Vic Viewer", role=Role.VIEWER),
        inactive=make_user("ivy@example.com", name="Ivy Inactive", role=Role.MANAGER, active=False),
    )
    session.commit()
    return members


@pytest.fixture
def token_for() -> Callable[..., str]:
    """``token_for(user, hours=1, now=None)``: a bearer token signed with the app's key."""

    def make(user: User, hours: float = 1, now: dt.datetime | None = None) -> str:
        return issue_token(user, hours, secret_key=SECRET, now=now).access_token

    return make


@pytest.fixture
def headers(team, token_for) -> Callable[[str], dict[str, str]]:
    """``headers("admin")``: the Authorization header of that team member."""

    def make(role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(getattr(team, role))}"}

    return make


CLIENTS = (
    # id, name, partners, venue, wedding in days, score, score 7 days before, days idle
    ("c-ash", "Ash Wedding", "Ash & Rowan", "Kew Gardens", 20, 35.4, 50.0, 40.0),
    ("c-bay", "bay Family", "Bay & Kit", "Old Mill", 90, 52.5, 48.0, 10.0),
    ("c-cox", "Cox Party", "Sam & Alex Cox", "Kew Palace", 200, 64.0, 64.0, 2.0),
    ("c-dee", "Dee Couple", "Dee & Lee", "Harbour Hall", None, 91.2, 80.0, 0.0),
    ("c-elm", "Elm Pair", "Elm & Oak", "Barn", 400, 79.6, None, None),
)


@pytest.fixture
def book(session, team, make_client, make_score, make_intervention) -> SimpleNamespace:
    """The book of the module docstring, committed."""
    created = NOW - dt.timedelta(days=120)
    for client_id, name, partners, venue, wedding_in, score, before, idle in CLIENTS:
        make_client(
            client_id,
            name=name,
            partner_names=partners,
            venue=venue,
            wedding_date=TODAY + dt.timedelta(days=wedding_in) if wedding_in is not None else None,
            created_at=created,
            owner_id=team.manager.id,
            contract_value=250_000,
        )
        make_score(
            client_id,
            TODAY,
            score,
            engagement=score,
            progress=score,
            satisfaction=score,
            c_logins=score,
            coverage=0.8,
            days_since_activity=idle,
            trend="declining"
            if before and score - before <= -5
            else "improving"
            if before and score - before >= 5
            else "stable",
        )
        if before is not None:
            make_score(
                client_id, TODAY - dt.timedelta(days=7), before, c_logins=before, coverage=0.8
            )

    def intervention(client_id: str, priority: Priority, due_in_hours: float, **fields):
        return make_intervention(
            client_id,
            priority=priority,
            type=fields.pop("type", InterventionType.CALL),
            due_date=NOW + dt.timedelta(hours=due_in_hours),
            created_at=NOW - dt.timedelta(days=3),
            updated_at=NOW - dt.timedelta(days=3),
            created_by=team.admin.id,
            source=fields.pop("source", Source.MANUAL),
            **fields,
        )

    iv = SimpleNamespace(
        urgent=intervention(
            "c-ash", Priority.URGENT, -24, title="Call Ash now", source=Source.AUTO
        ),
        high=intervention(
            "c-bay",
            Priority.HIGH,
            48,
            status=InterventionStatus.IN_PROGRESS,
            started_at=NOW - dt.timedelta(days=1),
            type=InterventionType.EMAIL,
        ),
        medium=intervention(
            "c-cox",
            Priority.MEDIUM,
            120,
            assigned_to=team.manager.id,
            type=InterventionType.MEETING,
        ),
        low=intervention("c-dee", Priority.LOW, 480, type=InterventionType.ACCOUNT_REVIEW),
        done=intervention(
            "c-bay",
            Priority.MEDIUM,
            -48,
            status=InterventionStatus.COMPLETED,
            started_at=NOW - dt.timedelta(days=2),
            completed_at=NOW - dt.timedelta(days=1),
            outcome=Outcome.RESOLVED,
            client_responded=True,
        ),
        cancelled=intervention(
            "c-elm",
            Priority.HIGH,
            10,
            status=InterventionStatus.CANCELLED,
            cancelled_at=NOW - dt.timedelta(days=1),
        ),
    )
    session.commit()
    return SimpleNamespace(team=team, iv=iv, ids={name: getattr(iv, name).id for name in vars(iv)})

