"""A book small enough to write every line of the reports by hand, and a local SMTP server.

Period 30d ending 31 Mar 2024: 2 Mar - 31 Mar; the previous one: 1 Feb - 1 Mar.

| client | created | owner | status | contract | scores (25 Feb; 24 Mar; 31 Mar) |
|---|---|---|---|---|---|
| c-ash Ash Wedding | 1 Jan | Ann | active | 5,000.00 | 70; 50; 35.4 critical, declining, factor logins |
| c-bay Bay Family | 1 Jan | Ben | active | 3,000.00 | 65; 48; 52.5 high, improving |
| c-new New Couple | 20 Mar | none | active | – | –; –; 82.0 low |
| c-gone Gone Pair | 1 Jan | Ann | churned 10 Mar | 2,000.00 | 55 high; –; – |

Interventions: ``urgent`` (c-ash, call, urgent, pending, created 28 Mar, due 30 Mar:
overdue at noon on 31 Mar, Ann), ``done`` (c-bay, email, medium, completed 22 Mar,
resolved, client responded, Ben), ``old`` (c-gone, call, high, cancelled 25 Feb:
before the period).
"""

from __future__ import annotations

import datetime as dt
import socket
from types import SimpleNamespace

import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import sessionmaker

from dashboard.services.mail import SmtpSettings
from data.db import make_engine
from scoring.enums import (
    ClientStatus,
    InterventionStatus,
    InterventionType,
    Outcome,
    Priority,
    Role,
    Source,
    Trend,
)

TODAY = dt.date(2024, 3, 31)
NOW = dt.datetime(2024, 3, 31, 12, 0, tzinfo=dt.UTC)
NOW_TS = pd.Timestamp(NOW)
JAN_1 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


@pytest.fixture
def book(session, make_user, make_client, make_score, make_intervention) -> SimpleNamespace:
    ann = make_user("ann@example.com", name="Ann Owner", role=Role.MANAGER)
    ben = make_user("ben@example.com", name="Ben Member", role=Role.MANAGER)
    make_client(
        "c-ash", name="Ash Wedding", partner_names="Ash & Rowan", venue="Kew Gardens",
        wedding_date=dt.date(2024, 5, 1), created_at=JAN_1, owner_id=ann.id,
        contract_value=500_000,
    )  # fmt: skip
    make_client(
        "c-bay", name="Bay Family", partner_names="Bay & Kit", venue="Old Mill",
        wedding_date=dt.date(2024, 8, 10), created_at=JAN_1, owner_id=ben.id,
        contract_value=300_000,
    )  # fmt: skip
    make_client("c-new", name="New Couple", created_at=at(dt.date(2024, 3, 20)))
    make_client(
        "c-gone", name="Gone Pair", created_at=JAN_1, owner_id=ann.id, contract_value=200_000,
        status=ClientStatus.CHURNED, churned_at=at(dt.date(2024, 3, 10)),
    )  # fmt: skip
    feb_25, mar_24 = dt.date(2024, 2, 25), dt.date(2024, 3, 24)
    make_score("c-ash", feb_25, 70.0)
    make_score("c-bay", feb_25, 65.0)
    make_score("c-gone", feb_25, 55.0)
    make_score("c-ash", mar_24, 50.0)
    make_score("c-bay", mar_24, 48.0)
    make_score(
        "c-ash", TODAY, 35.4, engagement=10.0, progress=60.0, satisfaction=50.0, coverage=0.9,
        trend=Trend.DECLINING, primary_factor="logins",
    )  # fmt: skip
    make_score("c-bay", TODAY, 52.5, trend=Trend.IMPROVING)
    make_score("c-new", TODAY, 82.0)
    urgent = make_intervention(
        "c-ash", type=InterventionType.CALL, priority=Priority.URGENT, title="Call Ash",
        created_at=at(dt.date(2024, 3, 28), 10), due_date=at(dt.date(2024, 3, 30), 10),
        assigned_to=ann.id, source=Source.AUTO, score_at_creation=40.0,
    )  # fmt: skip
    done = make_intervention(
        "c-bay", type=InterventionType.EMAIL, priority=Priority.MEDIUM, title="Email Bay",
        status=InterventionStatus.COMPLETED, outcome=Outcome.RESOLVED, client_responded=True,
        created_at=at(dt.date(2024, 3, 21)), started_at=at(dt.date(2024, 3, 21), 12),
        completed_at=at(dt.date(2024, 3, 22)), due_date=at(dt.date(2024, 3, 28)),
        assigned_to=ben.id, score_at_creation=48.0,
    )  # fmt: skip
    old = make_intervention(
        "c-gone", type=InterventionType.CALL, priority=Priority.HIGH, title="Call Gone",
        status=InterventionStatus.CANCELLED, created_at=at(dt.date(2024, 2, 20)),
        cancelled_at=at(dt.date(2024, 2, 25)), due_date=at(dt.date(2024, 2, 22)),
        assigned_to=ann.id,
    )  # fmt: skip
    session.commit()
    return SimpleNamespace(ann=ann, ben=ben, iv=SimpleNamespace(urgent=urgent, done=done, old=old))


def sessions_for(url: str) -> sessionmaker:
    """A session factory on its own engine: one "app instance"."""
    return sessionmaker(make_engine(url), expire_on_commit=False)


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[SimpleNamespace] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(
            SimpleNamespace(
                sender=envelope.mail_from, recipients=list(envelope.rcpt_tos), data=envelope.content
            )
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A local SMTP server: ``.inbox.messages`` and ``.settings`` (SmtpSettings pointing at it)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SimpleNamespace(
            inbox=inbox,
            # aiosmtpd offers no STARTTLS: sending without encryption is chosen on purpose.
            settings=SmtpSettings("127.0.0.1", port, None, None, "reports@example.com", tls=False),
        )
    finally:
        controller.stop()
