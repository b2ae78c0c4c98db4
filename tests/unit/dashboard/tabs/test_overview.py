"""The Overview's view model: stat cards, open interventions, the reference day, recent scores.

Tiny hand-made books; every expected value is worked out by hand beside the test."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.tabs.overview import view_model as overview_view
from scoring.enums import InterventionStatus, Outcome, RiskLevel, Trend

LONDON = ZoneInfo("Europe/London")


D = dt.date(2026, 3, 10)


def day_scores(*pairs: tuple[int, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"score": [score for score, _ in pairs], "risk_level": [level for _, level in pairs]}
    )


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
