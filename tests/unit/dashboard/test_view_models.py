"""The view models behind the Overview, Risk Segments and client detail, and the URL's view state.

Tiny hand-made books; every expected value is worked out by hand beside the test.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from dashboard.ids import Tab
from dashboard.tabs.client_detail import view_model as detail_view
from dashboard.tabs.client_detail.layout import change_note
from dashboard.tabs.overview import view_model as overview_view
from dashboard.tabs.risk_segments import view_model as segments_view
from dashboard.tabs.risk_segments.callbacks import control_values, state_from_controls
from dashboard.tabs.risk_segments.layout import ANY_ACTIVITY, column_defs, filters_text
from dashboard.view_state import ViewState
from scoring.enums import InterventionStatus, Outcome, RiskLevel, Trend
from scoring.model import COMPONENTS

LONDON = ZoneInfo("Europe/London")
D = dt.date(2026, 3, 10)


def day_scores(*pairs: tuple[int, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"score": [score for score, _ in pairs], "risk_level": [level for _, level in pairs]}
    )


# -- Overview: stat cards ------------------------------------------------------------------


def test_stat_cards_compare_two_days_by_hand():
    current = day_scores((85, "low"), (72, "medium"), (45, "high"), (20, "critical"))
    previous = day_scores((80, "low"), (55, "high"), (30, "critical"))
    cards = {
        card.key: card
        for card in overview_view.stat_cards(current, previous, open_now=3, open_before=5, since="3 Mar")
    }

    # 4 clients against 3: one more, and a larger book is better.
    assert (cards["active"].value_text, cards["active"].delta_text) == ("4", "▲ 1 since 3 Mar")
    assert (cards["active"].tone, cards["active"].arrow) == ("better", "up")
    # High + critical: 45 and 20 now, 55 and 30 before: 2 against 2.
    assert (cards["at_risk"].value_text, cards["at_risk"].delta_text) == (
        "2",
        "no change since 3 Mar",
    )
    assert (cards["at_risk"].tone, cards["at_risk"].arrow) == ("neutral", "flat")
    # (85 + 72 + 45 + 20) / 4 = 55.5 against (80 + 55 + 30) / 3 = 55.0.
    assert (cards["average"].value_text, cards["average"].delta_text) == (
        "55.5",
        "▲ 0.5 since 3 Mar",
    )
    assert cards["average"].tone == "better"
    # 3 open against 5: fewer, but neither better nor worse.
    assert (cards["interventions"].value_text, cards["interventions"].delta_text) == (
        "3",
        "▼ 2 since 3 Mar",
    )
    assert (cards["interventions"].tone, cards["interventions"].arrow) == ("neutral", "down")


def test_more_clients_at_risk_is_worse_and_a_lower_average_is_worse():
    current = day_scores((50, "high"), (30, "critical"))
    previous = day_scores((90, "low"), (30, "critical"))
    cards = {
        c.key: c
        for c in overview_view.stat_cards(current, previous, open_now=0, open_before=0, since="3 Mar")
    }
    assert (cards["at_risk"].delta_text, cards["at_risk"].tone) == ("▲ 1 since 3 Mar", "worse")
    # 40.0 against 60.0.
    assert (cards["average"].delta_text, cards["average"].tone) == ("▼ 20.0 since 3 Mar", "worse")
    assert cards["active"].delta_text == "no change since 3 Mar"


def test_stat_cards_without_an_earlier_day_say_so():
    cards = overview_view.stat_cards(
        day_scores((1234, "low")), None, open_now=1, open_before=None, since="3 Mar"
    )
    assert [card.delta_text for card in cards] == ["no earlier data"] * 4
    assert {card.tone for card in cards} == {"none"}
    assert cards[2].value_text == "1,234.0"  # thousands separators


def test_stat_cards_of_an_empty_book():
    empty = day_scores()
    cards = overview_view.stat_cards(empty, empty, open_now=0, open_before=0, since="3 Mar")
    assert [card.value_text for card in cards] == ["0", "0", "–", "0"]
    assert cards[2].delta_text == "no earlier data"


def test_open_at_counts_interventions_open_at_an_instant():
    t = pd.Timestamp("2026-03-10 12:00", tz="UTC")
    frame = pd.DataFrame(
        {
            "created_at": [
                t - pd.Timedelta(days=10),
                t - pd.Timedelta(days=2),
                t - pd.Timedelta(days=9),
            ],
            "completed_at": [t - pd.Timedelta(days=3), pd.NaT, pd.NaT],
            "cancelled_at": [pd.NaT, pd.NaT, t - pd.Timedelta(days=8)],
        }
    )
    # Now: only the second (the first was completed 3 days ago, the third cancelled).
    assert overview_view.open_at(frame, t) == 1
    # 7 days ago: the first was open; the second not created yet; the third already cancelled.
    assert overview_view.open_at(frame, t - pd.Timedelta(days=7)) == 1
    # 8.5 days ago: the first and the third.
    assert overview_view.open_at(frame, t - pd.Timedelta(days=8, hours=12)) == 2
    assert overview_view.open_at(frame.iloc[0:0], t) == 0


def test_reference_day_is_the_latest_7_to_10_days_before():
    days = [D - dt.timedelta(days=n) for n in (11, 10, 8, 6)]
    assert overview_view.reference_day(days, D) == D - dt.timedelta(days=8)
    assert overview_view.reference_day([D - dt.timedelta(days=11), D], D) is None


def test_recent_scores_newest_first_then_lowest_score():
    t = pd.Timestamp("2026-03-10 07:00", tz="UTC")
    scores = pd.DataFrame(
        {
            "client_id": ["a", "b", "c", "d"],
            "score": [90, 40, 60, 10],
            "risk_level": ["low", "high", "medium", "critical"],
            "trend": ["stable", "declining", "improving", None],
            "updated_at": [t, t, t, t - pd.Timedelta(hours=1)],
        }
    )
    rows = overview_view.recent_scores(scores, {"a": "Ann", "b": "Bea", "c": "Cat"}, limit=3)
    assert [(r.name, r.score, r.risk_level, r.trend) for r in rows] == [
        ("Bea", 40, RiskLevel.HIGH, Trend.DECLINING),
        ("Cat", 60, RiskLevel.MEDIUM, Trend.IMPROVING),
        ("Ann", 90, RiskLevel.LOW, Trend.STABLE),
    ]
    assert overview_view.recent_scores(scores.iloc[0:0], {}) == []


# -- Risk Segments ---------------------------------------------------------------------


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
    assert segments_view.ClientPage(None, [], 0, 1, 1, 10).summary.startswith("No health scores yet")


def test_column_defs_hide_the_last_interaction_time_on_the_projector():
    normal = {c["field"]: c for c in column_defs(False)}
    shown = {c["field"]: c for c in column_defs(True)}
    assert not normal["last_interaction"].get("hide")
    assert shown["last_interaction"]["hide"] is True
    assert shown["risk_label"]["width"] > normal["risk_label"]["width"]


# -- client detail: why the score changed ---------------------------------------------------


def _history_row(day: dt.date, recency: float) -> dict:
    """Every component at 100 but recency; recency's effective weight is 0.40 x 0.25 = 0.10."""
    row = {"client_id": "c1", "day": pd.Timestamp(day), **{c.column: 100.0 for c in COMPONENTS}}
    row["c_recency"] = recency
    row["overall"] = 100.0 - 0.10 * (100.0 - recency)
    return row


def test_change_explanation_splits_the_change_by_component():
    history = pd.DataFrame(
        [
            _history_row(D - dt.timedelta(days=9), 80.0),  # overall 98.0
            _history_row(D - dt.timedelta(days=7), 50.0),  # overall 95.0
            _history_row(D - dt.timedelta(days=3), 20.0),
            _history_row(D, 0.0),  # overall 90.0
        ]
    )
    change = detail_view.change_explanation(history, end_day=D, window=7)
    assert (change.start_day, change.end_day) == (D - dt.timedelta(days=7), D)
    assert (change.start_score, change.end_score, change.change) == (95.0, 90.0, -5.0)
    parts = change.parts.set_index("component")["contribution_shown"]
    # Only recency moved: 0.10 x (0 - 50) = -5.0 points; the bars add up to the change.
    assert parts["recency"] == pytest.approx(-5.0)
    assert parts.drop("recency").abs().sum() == 0
    assert parts.sum() == pytest.approx(change.change)
    assert change.parts.set_index("component").loc["recency", "label"] == "Recency"

    # 30 days back there is no score: the change since the first one (D - 9, overall 98.0).
    month = detail_view.change_explanation(history, end_day=D, window=30)
    assert (month.start_day, month.start_score, month.change) == (
        D - dt.timedelta(days=9),
        98.0,
        -8.0,
    )
    assert month.parts["contribution_shown"].sum() == pytest.approx(-8.0)
    assert "scored for 9 days" in change_note(month, 30)


def test_no_change_explanation_without_two_days():
    one_day = pd.DataFrame([_history_row(D, 0.0)])
    assert detail_view.change_explanation(one_day, end_day=D, window=7) is None
    assert detail_view.change_explanation(one_day.iloc[0:0], end_day=D, window=7) is None
    assert "Not enough score history" in change_note(None, 7)


# -- the URL's view state ---------------------------------------------------------------


def test_the_default_state_is_the_plain_address():
    assert ViewState.from_search("") == ViewState()
    assert ViewState().to_search() == ""


def test_a_state_survives_the_round_trip_through_the_url():
    state = ViewState(
        tab=Tab.RISK_SEGMENTS,
        presentation=True,
        risk=(RiskLevel.HIGH, RiskLevel.CRITICAL),
        search="Kew & co",
        wedding_from=dt.date(2026, 12, 1),
        wedding_to=dt.date(2026, 12, 31),
        activity="idle",
        sort="wedding_date",
        order="asc",
        page=3,
        client="c-1",
        window=30,
        extra=(("status", "pending"),),
    )
    search = state.to_search()
    assert search.startswith("?tab=risk-segments&present=1&risk=high,critical&q=Kew+%26+co")
    assert search.endswith("&status=pending")
    assert ViewState.from_search(search) == state


def test_nonsense_in_the_url_falls_back_to_defaults():
    state = ViewState.from_search(
        "?tab=nope&risk=severe,High&page=-2&window=12&activity=asleep&sort=colour&order=up"
        "&wedding_from=2026-13-01&client="
    )
    assert state == ViewState(risk=(RiskLevel.HIGH,))


def test_a_reversed_wedding_range_is_put_right():
    state = ViewState.from_search("?wedding_from=2026-12-31&wedding_to=2026-12-01")
    assert (state.wedding_from, state.wedding_to) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


def test_a_sort_key_alone_takes_its_first_order():
    assert (
        ViewState.from_search("?sort=last_interaction").sort,
        ViewState.from_search("?sort=last_interaction").order,
    ) == ("last_interaction", "desc")


# -- Risk Segments controls -> state --------------------------------------------------


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


# -- against a database ----------------------------------------------------------------


def test_overview_model_reads_the_book_by_hand(session, make_client, make_score, make_intervention):
    for client_id, name in (("a", "Ann"), ("b", "Bea"), ("c", "Cat")):
        make_client(client_id, name=name)
    week_before = D - dt.timedelta(days=7)
    make_score("a", D, 85.0)
    make_score("b", D, 58.4)  # shown as 58: high risk
    make_score("c", D, 30.0)
    make_score("a", week_before, 80.0)
    make_score("b", week_before, 62.0)
    now = pd.Timestamp(dt.datetime.combine(D, dt.time(12), tzinfo=dt.UTC))
    make_intervention("b", created_at=(now - pd.Timedelta(days=2)).to_pydatetime())
    make_intervention(
        "c",
        created_at=(now - pd.Timedelta(days=10)).to_pydatetime(),
        status=InterventionStatus.COMPLETED,
        completed_at=(now - pd.Timedelta(days=3)).to_pydatetime(),
        outcome=Outcome.RESOLVED,
    )

    model = overview_view.overview_model(session, now=now, zone=LONDON)

    assert (model.day, model.reference) == (D, week_before)
    cards = {card.key: (card.value_text, card.delta_text) for card in model.cards}
    assert cards == {
        "active": ("3", "▲ 1 since 3 Mar"),
        "at_risk": ("2", "▲ 2 since 3 Mar"),  # 58 and 30 now; 80 and 62 were not at risk
        "average": ("57.7", "▼ 13.3 since 3 Mar"),  # (85 + 58 + 30) / 3 against (80 + 62) / 2 = 71
        "interventions": ("1", "no change since 3 Mar"),  # b's now; c's a week ago
    }
    assert model.risk_counts == {"low": 1, "medium": 0, "high": 1, "critical": 1}
    assert [row.name for row in model.recent] == ["Cat", "Bea", "Ann"]
    assert sorted(model.scores["score"].tolist()) == [30, 58, 85]


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
    assert segments_view.segment_counts(session) == {"low": 5, "medium": 5, "high": 5, "critical": 10}


def test_client_detail_model_of_an_unknown_client(session):
    assert (
        detail_view.client_detail_model(session, "nobody", window=7, now=pd.Timestamp.now(tz="UTC"))
        is None
    )


def test_a_huge_page_in_the_url_is_capped():
    from dashboard.view_state import MAX_PAGE

    assert ViewState.from_search("?tab=risk-segments&page=99999999999999999999").page == MAX_PAGE
