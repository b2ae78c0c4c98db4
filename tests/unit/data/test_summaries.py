"""The score summaries the views read, worked out by hand on a small book.

Today is 31 Mar 2026; the 7-day period is 25-31 Mar. Clients (created 1 Jan
2025 unless said):

- a: 60.4 on 25 Mar (shown 60, medium), 70.5 on 31 Mar (71, medium): up 11.
- b: 40.0 on 25 Mar (high), 35.0 on 28 Mar (critical); not scored on 31 Mar.
- c: 80.0 on 25 Mar and 50.0 on 31 Mar (high), its only component logins
  (80 then 50, weight 1): down 30, all of it logins.
- n (created 27 Mar, a new client): 90.0 on 27 Mar (low), 84.6 on 31 Mar (85, low).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import select

from data.models import ScoreDaySummary, ScoreFactorSummary
from data.repositories import comparisons
from data.repositories.summaries import day_summaries, refresh_score_summaries
from scoring.enums import RiskLevel

CREATED = dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC)
OLD = dt.date(2025, 1, 1)


def day(n: int) -> dt.date:
    return dt.date(2026, 3, n)


@pytest.fixture
def book(session, make_client, make_score):
    for client_id in ("a", "b", "c"):
        make_client(client_id, name=client_id.upper(), created_at=CREATED)
    make_client("n", name="N", created_at=dt.datetime(2026, 3, 27, 10, tzinfo=dt.UTC))
    make_score("a", day(25), 60.4)
    make_score("a", day(31), 70.5)
    make_score("b", day(25), 40.0)
    make_score("b", day(28), 35.0)
    make_score("c", day(25), 80.0, c_logins=80.0)
    make_score("c", day(31), 50.0, c_logins=50.0)
    make_score("n", day(27), 90.0)
    make_score("n", day(31), 84.6)
    refresh_score_summaries(session, start=day(25), end=day(31))
    return session


def test_day_summary_rows_count_and_add_up_per_creation_day(book):
    rows = book.execute(
        select(ScoreDaySummary).order_by(
            ScoreDaySummary.day, ScoreDaySummary.created_day, ScoreDaySummary.risk_level
        )
    ).scalars()
    got = [
        (r.day, str(r.risk_level), r.created_day, r.clients, r.scored, r.score_sum, r.clients_upto)
        for r in rows
    ]
    assert got == [
        (day(25), "high", OLD, 1, 1, 40, 1),
        (day(25), "low", OLD, 1, 1, 80, 1),
        (day(25), "medium", OLD, 1, 1, 60, 1),
        (day(27), "low", day(27), 1, 1, 90, 1),
        (day(28), "critical", OLD, 1, 1, 35, 1),
        (day(31), "high", OLD, 1, 1, 50, 1),
        (day(31), "medium", OLD, 1, 1, 71, 1),  # 70.5 is shown as 71
        (day(31), "low", day(27), 1, 1, 85, 1),  # 84.6 as 85
    ]


def test_day_summaries_of_a_segment(book):
    def rows(**segment):
        frame = day_summaries(book, start=day(25), end=day(31), **segment)
        return sorted(
            (d.date(), level, clients, total)
            for d, level, clients, total in frame[
                ["day", "risk_level", "clients", "score_sum"]
            ].itertuples(index=False)
        )

    assert rows(created_from=day(25), created_to=day(31)) == [  # new clients: n
        (day(27), "low", 1, 90),
        (day(31), "low", 1, 85),
    ]
    assert rows(created_to=day(24)) == [  # existing clients: a, b, c
        (day(25), "high", 1, 40),
        (day(25), "low", 1, 80),
        (day(25), "medium", 1, 60),
        (day(28), "critical", 1, 35),
        (day(31), "high", 1, 50),
        (day(31), "medium", 1, 71),
    ]
    everyone = rows()
    assert [r for r in everyone if r[0] == day(31)] == [
        (day(31), "high", 1, 50),
        (day(31), "low", 1, 85),
        (day(31), "medium", 1, 71),
    ]


def test_health_improvement_is_summarised_for_the_standard_periods(book, monkeypatch):
    def not_summarised(*args):
        raise AssertionError("read from health_scores")

    monkeypatch.setattr(comparisons, "_health_improvement_from_scores", not_summarised)
    # a +11 (improved), b -5, c -30, n -5: four compared, one improved
    assert comparisons.health_improvement(book, start=day(25), end=day(31)) == (4, 1)
    assert comparisons.health_improvement(
        book, start=day(25), end=day(31), created_from=day(25), created_to=day(31)
    ) == (1, 0)
    assert comparisons.health_improvement(book, start=day(25), end=day(31), created_to=day(24)) == (
        3,
        1,
    )
    # Tomorrow's period (26 Mar - 1 Apr), before its scores: a, c, n have one day; b 28 Mar only
    assert comparisons.health_improvement(book, start=day(26), end=dt.date(2026, 4, 1)) == (1, 0)


def test_a_period_that_is_not_summarised_is_computed_the_same_way(book):
    summarised = comparisons.health_improvement(book, start=day(25), end=day(31))
    assert comparisons._health_improvement_from_scores(book, day(25), day(31), None, None) == (
        summarised
    )
    # 27-31 Mar is no standard period: a and c have one day, n 90 -> 85
    assert comparisons.health_improvement(book, start=day(27), end=day(31)) == (1, 0)


def test_clients_at_risk_in_a_period(book):
    # positions follow the client ids: a 0, b 1, c 2, n 3; b was high then critical, c high
    at_risk = comparisons.at_risk_positions(book, day(25), day(31))
    assert at_risk[:4].tolist() == [False, True, True, False]
    assert comparisons.at_risk_positions(book, day(27), day(31)) is None


def test_top_risk_factors_between_the_first_and_last_day(book, monkeypatch):
    def not_summarised(*args, **kwargs):
        raise AssertionError("read from health_scores")

    monkeypatch.setattr(comparisons, "_day_scores", not_summarised)
    factors = comparisons.top_risk_factors(book, day(25), day(31))
    assert factors[["factor", "clients_affected"]].to_dict("records") == [
        {"factor": "logins", "clients_affected": 1}
    ]
    assert factors["total_points_lost"].tolist() == pytest.approx([30.0])
    assert factors["mean_points_lost"].tolist() == pytest.approx([30.0])
    # the new clients: only n is scored on both days, and it has no components
    assert comparisons.top_risk_factors(
        book, day(25), day(31), created_from=day(25), created_to=day(31)
    ).empty
    marker = book.execute(
        select(ScoreFactorSummary.clients).where(
            ScoreFactorSummary.first_day == day(25), ScoreFactorSummary.factor == ""
        )
    ).scalars()
    assert sorted(marker) == [2]  # a and c, both created 1 Jan 2025


def test_refreshing_a_day_forgets_what_read_it(book):
    from data.models import HealthScore

    row = book.scalars(
        select(HealthScore).where(HealthScore.client_id == "c", HealthScore.day == day(31))
    ).one()
    row.overall, row.c_logins, row.risk_level = 90.0, 90.0, RiskLevel.LOW
    book.flush()
    refresh_score_summaries(book, iter([day(31)]))  # any iterable of days

    assert comparisons.health_improvement(book, start=day(25), end=day(31)) == (4, 2)
    assert comparisons.top_risk_factors(book, day(25), day(31)).empty
    assert comparisons.at_risk_positions(book, day(25), day(31))[:4].tolist() == [
        False, True, False, False,
    ]  # fmt: skip
    summary = day_summaries(book, start=day(31), end=day(31))
    assert summary.set_index("risk_level")["score_sum"].to_dict() == {"low": 175, "medium": 71}


def test_refresh_refuses_unclear_days(session):
    with pytest.raises(ValueError, match="either days or start and end"):
        refresh_score_summaries(session, [day(1)], start=day(1), end=day(2))
    with pytest.raises(ValueError, match="start 2026-03-02 is after end 2026-03-01"):
        refresh_score_summaries(session, start=day(2), end=day(1))
    with pytest.raises(TypeError, match="days must be dates"):
        refresh_score_summaries(session, ["2026-03-01"])
    assert refresh_score_summaries(session, []) == 0


def test_vectors_pack_scores_and_risk(book):
    from data.models import ScoreDayVector

    row = book.execute(select(ScoreDayVector).where(ScoreDayVector.day == day(31))).scalar_one()
    # risk code (low 0, medium 1, high 2, critical 3) x 256 + score: a 71 medium; b no row;
    # c 50 high; n 85 low
    assert np.frombuffer(row.scores, dtype="<i2").tolist() == [256 + 71, -1, 512 + 50, 85]
    assert row.tenths
    components = np.frombuffer(row.components, dtype="<i2").reshape(13, 4)
    assert components[0].tolist() == [705, -32768, 500, 846]  # overall in tenths
    assert components[1].tolist() == [-32768, -32768, 500, -32768]  # logins: c only
