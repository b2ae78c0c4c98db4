"""A small, known book in a throwaway SQLite database, for the dashboard's browser tests.

``build_book(url)`` writes a team, twelve hand-made clients with their
events, 45 days of score history computed by the real engine
(``scoring.history.health_history``, with trends from ``scoring.trend`` and
primary factors from ``scoring.explain``), a few interventions with notes,
unread alerts and a finished scoring run. Every date is relative to today
(UTC), so the book looks the same whatever day the tests run; the numbers a
test checks are read back through the repositories or follow from the
profiles below.

Import it from a test module (``from tests.browser.conftest_data import
book``) to get the ``book`` fixture.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd
import pytest

from data.db import dispose_engines, session_scope, upgrade_database
from data.models import Client, Intervention, InterventionNote
from data.repositories.alerts import add_alerts
from data.repositories.clients import clients_frame
from data.repositories.events import insert_events, load_events
from data.repositories.runs import finish_run, start_run
from data.repositories.scores import upsert_scores
from data.repositories.summaries import refresh_score_summaries
from data.repositories.users import create_user
from scoring.columns import CLIENT_ID, DAY, PRIMARY_FACTOR, SCORE_INT, TREND
from scoring.enums import (
    ClientStatus,
    InterventionStatus,
    InterventionType,
    Outcome,
    Priority,
    Role,
    Source,
)
from scoring.explain import primary_risk_factor
from scoring.history import health_history
from scoring.trend import trend_for

HISTORY_DAYS = 45
PASSWORD = "correct horse battery staple"
MANAGER_EMAIL = "morgan@example.com"
VIEWER_EMAIL = "screen@example.com"


@dataclass(frozen=True)
class Profile:
    """How a client behaves: activity, progress and satisfaction, in days before today."""

    login_every: int | None  # days between logins while active; None = never logs in
    quiet_for: int  # no logins or interactions in the last ``quiet_for`` days
    interaction_every: int | None
    response_hours: float | None
    tasks_done: int  # of six tasks due in the last 60 days, completed on time
    rating: float | None
    sentiment: float | None
    tickets: int = 0
    active_for: int | None = None  # active only in the last ``active_for`` days (a recovery)


@dataclass(frozen=True)
class BookClient:
    id: str
    name: str
    partner_names: str
    venue: str
    wedding_in_days: int
    profile: Profile
    created_days_ago: int = 200
    status: ClientStatus = ClientStatus.ACTIVE
    churned_days_ago: int | None = None


CHAMPION = Profile(2, 0, 2, 2.0, 6, 5, 0.8)
STEADY = Profile(3, 1, 4, 8.0, 5, 4, 0.4)
COOLING = Profile(4, 9, 6, 30.0, 4, 4, 0.0)
DRIFTING = Profile(5, 16, 8, 48.0, 3, 3, -0.2, tickets=1)
GHOSTING = Profile(9, 26, 12, 70.0, 1, 2, -0.6, tickets=2)
VANISHED = Profile(None, 60, None, None, 0, 1, -0.9, tickets=3)
RECOVERING = Profile(2, 0, 2, 6.0, 4, 4, 0.3, active_for=8)

CLIENTS: tuple[BookClient, ...] = (
    BookClient("c-hart", "Amelia Hart", "Amelia & Tom Hart", "Kew Gardens", 20, CHAMPION),
    BookClient(
        "c-okafor",
        "Chidi Okafor",
        "Chidi & Ada Okafor",
        "Leeds Town Hall",
        90,
        Profile(3, 1, 3, 3.0, 6, 5, 0.6),
    ),
    BookClient("c-brown", "Olivia Brown", "Olivia & Jack Brown", "The Shard", 140, STEADY),
    BookClient(
        "c-nguyen",
        "Linh Nguyen",
        "Linh & Sam Nguyen",
        "Bristol Harbourside",
        60,
        Profile(3, 2, 4, 12.0, 5, 4, 0.2),
    ),
    BookClient("c-evans", "Megan Evans", "Megan & Rhys Evans", "Cardiff Castle", 45, COOLING),
    BookClient(
        "c-kowalski",
        "Zofia Kowalski",
        "Zofia & Piotr Kowalski",
        "York Minster",
        75,
        Profile(4, 11, 6, 36.0, 4, 4, -0.1),
    ),
    BookClient("c-lee", "Grace Lee", "Grace & Mei Lee", "Kensington Roof Gardens", 50, RECOVERING),
    BookClient(
        "c-turner", "Sophie Turner", "Sophie & Dan Turner", "Chatsworth House", 25, DRIFTING
    ),
    BookClient(
        "c-murphy",
        "Aoife Murphy",
        "Aoife & Conor Murphy",
        "Belfast City Hall",
        120,
        Profile(6, 18, 9, 52.0, 3, 3, -0.3),
    ),
    BookClient("c-shah", "Priya Shah", "Priya & Arjun Shah", "Babington House", 12, GHOSTING),
    BookClient(
        "c-campbell", "Isla Campbell", "Isla & Fraser Campbell", "Edinburgh Castle", 200, VANISHED
    ),
    BookClient(
        "c-new",
        "Ruby Clarke",
        "Ruby & Leo Clarke",
        "Brighton Pier",
        300,
        STEADY,
        created_days_ago=5,
    ),
    BookClient(
        "c-gone",
        "Hannah Moss",
        "Hannah & Ben Moss",
        "Bath Assembly Rooms",
        30,
        DRIFTING,
        status=ClientStatus.CHURNED,
        churned_days_ago=20,
    ),  # fmt: skip
)

CHURNED_ID = "c-gone"
SEARCH_VENUE = "Kew Gardens"
SEARCH_VENUE_CLIENT = "Amelia Hart"
PROXIMITY_CLIENT = "Priya Shah"  # wedding in 12 days while at high or critical risk


@dataclass
class Book:
    """What ``build_book`` wrote: the day scored, ids and the score frame as stored."""

    url: str
    today: dt.date
    scores: pd.DataFrame
    manager_id: int
    viewer_id: int
    client_names: dict[str, str] = field(default_factory=dict)

    def scores_on(self, day: dt.date) -> pd.DataFrame:
        return self.scores[self.scores[DAY] == day]

    @property
    def latest(self) -> pd.DataFrame:
        return self.scores_on(self.today)


def _at(day: dt.date, hour: int = 12) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC))


def _events(client: BookClient, today: dt.date) -> dict[str, pd.DataFrame]:
    p = client.profile
    created = today - dt.timedelta(days=client.created_days_ago)
    last_day = (
        today
        if client.churned_days_ago is None
        else today - dt.timedelta(days=client.churned_days_ago)
    )
    active_until = last_day - dt.timedelta(days=p.quiet_for)
    start = max(created, today - dt.timedelta(days=120 if p.active_for is None else p.active_for))

    def days_every(step: int | None) -> list[dt.date]:
        if step is None:
            return []
        out, day = [], active_until
        while day >= start:
            out.append(day)
            day -= dt.timedelta(days=step)
        return out

    logins = pd.DataFrame(
        {CLIENT_ID: client.id, "ts": [_at(d, 9) for d in days_every(p.login_every)]}
    )
    interaction_days = days_every(p.interaction_every)
    interactions = pd.DataFrame(
        {
            CLIENT_ID: client.id,
            "ts": [_at(d, 14) for d in interaction_days],
            "channel": "email",
            "response_hours": p.response_hours,
        }
    )
    tasks = []
    for i in range(6):
        due = today - dt.timedelta(days=8 + 9 * i)
        if due < created:
            continue
        done = _at(due - dt.timedelta(days=1), 10) if i < p.tasks_done else pd.NaT
        tasks.append({CLIENT_ID: client.id, "title": f"Planning task {i + 1}", "kind": "task",
                      "due_date": due, "completed_at": done})  # fmt: skip
    milestone_due = today - dt.timedelta(days=30)
    if milestone_due >= created:
        tasks.append({CLIENT_ID: client.id, "title": "Venue confirmed", "kind": "milestone",
                      "due_date": milestone_due,
                      "completed_at": _at(milestone_due, 10) if p.tasks_done >= 3 else pd.NaT})  # fmt: skip
    feedback = pd.DataFrame(
        [
            {CLIENT_ID: client.id, "ts": _at(max(created, today - dt.timedelta(days=days)), 16),
             "rating": p.rating, "sentiment": p.sentiment, "comment": None}
            for days in (3, 24)
            if p.rating is not None
        ]
    )  # fmt: skip
    tickets = pd.DataFrame(
        [
            {CLIENT_ID: client.id, "opened_at": _at(today - dt.timedelta(days=4 + 6 * i), 11),
             "resolved_at": _at(today - dt.timedelta(days=2 + 6 * i), 11), "resolution_rating": 2}
            for i in range(p.tickets)
        ]
    )  # fmt: skip
    return {
        "logins": logins,
        "interactions": interactions,
        "tasks": pd.DataFrame(tasks),
        "feedback": feedback,
        "tickets": tickets,
    }


def _scores(session, today: dt.date) -> pd.DataFrame:
    """Every day's scores of the book by the engine, with trend and primary factor as the daily job sets them."""
    clients = clients_frame(session)
    events = load_events(session)
    history = health_history(clients, events, today - dt.timedelta(days=HISTORY_DAYS - 1), today)
    history[DAY] = pd.to_datetime(history[DAY]).dt.date
    history[PRIMARY_FACTOR] = primary_risk_factor(history).to_numpy()
    trends = []
    for day, rows in history.groupby(DAY, sort=True):
        earlier = history.loc[history[DAY] < day, [CLIENT_ID, DAY, SCORE_INT]]
        trends.append(
            pd.Series(
                trend_for(rows[[CLIENT_ID, SCORE_INT]], earlier, day).to_numpy(), index=rows.index
            )
        )
    history[TREND] = pd.concat(trends).reindex(history.index).astype(str)
    return history


def build_book(url: str, *, today: dt.date | None = None) -> Book:
    """Write the book into the empty database at ``url``; returns what a test needs to know."""
    today = today or dt.datetime.now(dt.UTC).date()
    now = pd.Timestamp.now(tz="UTC")
    upgrade_database(url)
    with session_scope(url) as session:
        manager = create_user(
            session, MANAGER_EMAIL, name="Morgan Lee", role=Role.MANAGER, password=PASSWORD
        )
        viewer = create_user(
            session, VIEWER_EMAIL, name="Meeting Room", role=Role.VIEWER, password=PASSWORD
        )
        for client in CLIENTS:
            churned = (
                _at(today - dt.timedelta(days=client.churned_days_ago), 8)
                if client.churned_days_ago is not None
                else None
            )
            session.add(
                Client(
                    id=client.id,
                    name=client.name,
                    email=f"{client.id}@example.com",
                    partner_names=client.partner_names,
                    venue=client.venue,
                    wedding_date=today + dt.timedelta(days=client.wedding_in_days),
                    package="Full planning",
                    contract_value=450_000,
                    status=client.status,
                    owner_id=manager.id,
                    created_at=_at(
                        today - dt.timedelta(days=client.created_days_ago), 8
                    ).to_pydatetime(),
                    churned_at=churned.to_pydatetime() if churned is not None else None,
                )
            )
        session.flush()
        for client in CLIENTS:
            for kind, frame in _events(client, today).items():
                if not frame.empty:
                    insert_events(session, kind, frame)
        session.flush()

        scores = _scores(session, today)
        upsert_scores(session, scores)
        refresh_score_summaries(session, scores[DAY].unique().tolist())

        _interventions(session, today=today, now=now, manager_id=manager.id, scores=scores)
        add_alerts(
            session,
            pd.DataFrame(
                {
                    CLIENT_ID: ["c-shah", "c-turner"],
                    "kind": ["score_drop", "risk_worsened"],
                    "day": [today, today],
                    "message": [
                        "Health score fell 12 points in 7 days",
                        "Risk level worsened from medium to high",
                    ],
                    "assignee_id": [manager.id, manager.id],
                }
            ),
        )
        run = start_run(session, today, at=_at(today, 7).to_pydatetime())
        finish_run(session, run.id, clients_scored=int((scores[DAY] == today).sum()),
                   at=(_at(today, 7) + pd.Timedelta(minutes=2)).to_pydatetime())  # fmt: skip
        manager_id, viewer_id = manager.id, viewer.id
    return Book(
        url=url,
        today=today,
        scores=scores,
        manager_id=manager_id,
        viewer_id=viewer_id,
        client_names={client.id: client.name for client in CLIENTS},
    )


def _interventions(
    session, *, today: dt.date, now: pd.Timestamp, manager_id: int, scores: pd.DataFrame
) -> None:
    """An open urgent call with a note, an open high-priority one, and one completed a fortnight ago."""

    def score_of(client_id: str, days_ago: int) -> float | None:
        day = today - dt.timedelta(days=days_ago)
        row = scores[(scores[CLIENT_ID] == client_id) & (scores[DAY] == day)]
        return float(row["overall"].iloc[0]) if len(row) else None

    specs = [
        ("c-shah", InterventionType.CALL, Priority.URGENT, InterventionStatus.PENDING, 2, None,
         "Call Priya about the missed planning tasks"),
        ("c-turner", InterventionType.MEETING, Priority.HIGH, InterventionStatus.IN_PROGRESS, 10, None,
         "Review the timeline with Sophie and Dan"),
        ("c-evans", InterventionType.EMAIL, Priority.MEDIUM, InterventionStatus.COMPLETED, 20, 14,
         "Check in on the menu tasting"),
    ]  # fmt: skip
    for client_id, kind, priority, status, created_ago, completed_ago, title in specs:
        created = now - pd.Timedelta(days=created_ago)
        intervention = Intervention(
            client_id=client_id,
            type=kind,
            priority=priority,
            status=status,
            title=title,
            description="Opened from the risk review.",
            assigned_to=manager_id,
            due_date=(created + pd.Timedelta(days=3)).to_pydatetime(),
            source=Source.MANUAL,
            created_by=manager_id,
            created_at=created.to_pydatetime(),
            started_at=(created + pd.Timedelta(hours=4)).to_pydatetime()
            if status != InterventionStatus.PENDING else None,
            completed_at=(now - pd.Timedelta(days=completed_ago)).to_pydatetime() if completed_ago else None,
            outcome=Outcome.RESOLVED if status == InterventionStatus.COMPLETED else None,
            client_responded=True if status == InterventionStatus.COMPLETED else None,
            score_at_creation=score_of(client_id, created_ago),
        )  # fmt: skip
        session.add(intervention)
        session.flush()
        session.add(
            InterventionNote(
                intervention_id=intervention.id,
                author_id=manager_id,
                body=f"Left a voicemail for {client_id.removeprefix('c-').title()}.",
                created_at=(created + pd.Timedelta(hours=5)).to_pydatetime(),
            )
        )
    session.flush()


@pytest.fixture
def book(tmp_path) -> Iterator[Book]:
    """The known book in a fresh SQLite database under ``tmp_path``."""
    url = f"sqlite:///{tmp_path / 'book.sqlite3'}"
    try:
        yield build_book(url)
    finally:
        dispose_engines()


def dashboard_app(book: Book, **config: object):
    """The application on the book's database; sign-in is switched off unless ``config`` says otherwise."""
    from app import create_app

    settings = {
        "TESTING": True,
        "LOGIN_DISABLED": True,
        "DATABASE_URL": book.url,
        "CSD_TIMEZONE": "Europe/London",
    }
    settings.update(config)
    return create_app(settings)


def open_page(dash_duo, book: Book, query: str = "", **config: object) -> None:
    """Start the dashboard on the book and open ``/`` with ``query`` (``"?tab=risk-segments"``)."""
    dash_duo.start_server(dashboard_app(book, **config))
    if query:
        dash_duo.driver.get(f"{dash_duo.server_url}/{query}")
    dash_duo.wait_for_element("#shell-tabs")


def sign_in(dash_duo, app, email: str, query: str = "") -> None:
    """Serve ``app`` (sign-in on) and sign in as ``email`` (password ``PASSWORD``) to ``/{query}``."""
    dash_duo.server(app)  # not start_server: the page it waits for is behind the sign-in
    dash_duo.driver.get(f"{dash_duo.server.url}/{query}")
    dash_duo.wait_for_element("#login-form")
    dash_duo.find_element("#email").send_keys(email)
    dash_duo.find_element("#password").send_keys(PASSWORD)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#shell-tabs")


def click(dash_duo, element) -> None:
    """Scroll ``element`` to the middle of the window and click it, as a person would."""
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    element.click()


def current_query(dash_duo) -> dict[str, str]:
    """The address bar's query parameters."""
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(dash_duo.driver.current_url).query))


def wait_for_query(dash_duo, expected: dict[str, str], timeout: float = 10) -> None:
    """Wait until the address bar's query parameters are ``expected``."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(dash_duo.driver, timeout).until(
        lambda _driver: current_query(dash_duo) == expected,
        message=lambda: f"query {current_query(dash_duo)} != {expected}",
    )


def grid_row_ids(dash_duo) -> list[str]:
    """The client ids of the rows the client grid shows, top to bottom."""
    script = """
    const rows = [...document.querySelectorAll('#rs-grid .ag-center-cols-container .ag-row')];
    rows.sort((a, b) => Number(a.getAttribute('row-index')) - Number(b.getAttribute('row-index')));
    return rows.map((row) => row.getAttribute('row-id'));
    """
    return dash_duo.driver.execute_script(script)


def figure_data(dash_duo, graph_id: str) -> list[dict]:
    """The traces plotly drew in the graph ``graph_id`` (x, y, measure, type of each)."""
    script = """
    const plot = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
    if (!plot || !plot.data) { return null; }
    return plot.data.map((t) => ({type: t.type, x: t.x, y: t.y, measure: t.measure || null}));
    """
    return dash_duo.driver.execute_script(script, graph_id)


def levels_of(frame: pd.DataFrame) -> dict[str, int]:
    """Clients per risk level value in a score frame."""
    counts = frame["risk_level"].value_counts()
    return {level: int(counts.get(level, 0)) for level in ("low", "medium", "high", "critical")}


__all__ = [
    "Book",
    "book",
    "build_book",
    "click",
    "current_query",
    "dashboard_app",
    "figure_data",
    "grid_row_ids",
    "levels_of",
    "open_page",
    "wait_for_query",
]
