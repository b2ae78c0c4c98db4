"""``metrics_for`` reads aggregates; on random books its figures are exactly the definitions'.

The oracle below is the former way: every client, every stored score of the
period and every intervention read into frames and handed to the definitions
in ``scoring.kpis`` and ``scoring.explain``. ``metrics_for`` works the same
figures out from the daily score summary and from sums and counts the
database computes; both must agree on any book, on both backends.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from dashboard.services.metrics import metrics_for
from data.models import (
    Client,
    HealthScore,
    Intervention,
    ScoreClientPosition,
    ScoreDaySummary,
    ScoreDayVector,
    ScoreFactorSummary,
    ScorePeriod,
    ScorePeriodSummary,
)
from data.repositories.clients import clients_frame
from data.repositories.interventions import interventions_frame
from data.repositories.scores import score_history, scores_on
from data.repositories.summaries import refresh_score_summaries
from scoring import explain, kpis
from scoring.columns import CLIENT_ID, DAY, OVERALL, RISK_LEVEL, SCORE_INT
from scoring.enums import (
    ClientStatus,
    InterventionStatus,
    InterventionType,
    Outcome,
    Period,
    Priority,
    RiskLevel,
    Segment,
)
from scoring.health import round_half_up
from scoring.model import COMPONENT_COLUMNS
from scoring.rules import ASSIGNED_TO, DUE_AT, TYPE

TODAY = dt.date(2026, 3, 31)
NOW = pd.Timestamp("2026-03-31 15:00", tz="UTC")


def oracle(session, period: Period, segment: Segment, today: dt.date) -> dict:
    """The figures of ``metrics_for`` from whole frames (the definitions)."""
    start, end = kpis.period_bounds(period, today)
    clients = clients_frame(session)
    ids = kpis.segment_clients(clients, segment, start, end)
    history = score_history(session, start=start, end=end, columns=[OVERALL, RISK_LEVEL])
    history[SCORE_INT] = round_half_up(history[OVERALL].to_numpy(dtype=float))
    interventions = interventions_frame(session, now=NOW.to_pydatetime()).rename(
        columns={"due_date": DUE_AT}
    )
    interventions = interventions[interventions[CLIENT_ID].isin(ids)]
    mine = history[history[CLIENT_ID].isin(ids)]
    days = pd.to_datetime(mine[DAY]).dt.date
    score_date = days.max() if len(days) else None
    first_day = days.min() if len(days) else None
    latest = mine[days == score_date] if score_date else mine.iloc[0:0]
    factors = None
    if first_day is not None and first_day != score_date:
        before = scores_on(session, first_day)
        after = scores_on(session, score_date)
        factors = explain.top_risk_factors(
            before[before[CLIENT_ID].isin(ids)].set_index(CLIENT_ID),
            after[after[CLIENT_ID].isin(ids)].set_index(CLIENT_ID),
        )
    return {
        "score_date": score_date,
        "scored_clients": len(latest),
        "at_risk": int(latest[RISK_LEVEL].isin(["high", "critical"]).sum()),
        "average": float(latest[SCORE_INT].mean()) if len(latest) else None,
        "total_clients": int(
            clients[clients[CLIENT_ID].isin(ids)]["status"].eq(ClientStatus.ACTIVE.value).sum()
        ),
        "retention": kpis.retention(
            clients, history, interventions, start=start, end=end, segment=segment, today=today
        ),
        "measures": kpis.intervention_kpis(interventions, history, now=NOW, start=start, end=end),
        "by_type": kpis.intervention_kpis_by(
            interventions, history, TYPE, now=NOW, start=start, end=end
        ),
        "by_member": kpis.intervention_kpis_by(
            interventions, history, ASSIGNED_TO, now=NOW, start=start, end=end
        ),
        "daily": kpis.daily_average_score(history, start=start, end=end, clients=ids),
        "risk": kpis.daily_risk_counts(history, start=start, end=end, clients=ids),
        "activity": kpis.interventions_over_time(
            interventions, start=start, end=end, freq="D" if period.days <= 30 else "W"
        ),
        "factors": factors,
    }


def assert_same_dict(got: dict, want: dict) -> None:
    assert got.keys() == want.keys()
    for key, value in want.items():
        if isinstance(value, dict):
            assert_same_dict(got[key], value)
        elif isinstance(value, float):
            assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-9), key
        else:
            assert got[key] == value, key


def assert_same_frame(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False, rtol=1e-12
    )


# -- random books ---------------------------------------------------------------------------

offsets = st.integers(min_value=0, max_value=400) | st.integers(min_value=0, max_value=40)
scores = st.integers(min_value=0, max_value=1000).map(lambda tenths: tenths / 10)
component = st.none() | scores


@st.composite
def books(draw) -> dict:
    n = draw(st.integers(min_value=1, max_value=6))
    clients, score_rows, interventions = [], [], []
    for i in range(n):
        created = TODAY - dt.timedelta(days=draw(offsets))
        status = draw(st.sampled_from(list(ClientStatus)))
        ended = (
            None
            if status is ClientStatus.ACTIVE or draw(st.booleans())
            else TODAY - dt.timedelta(days=draw(offsets))
        )
        clients.append(
            {
                "id": f"c{i}",
                "name": f"Client {i}",
                "created_at": dt.datetime.combine(
                    created, dt.time(draw(st.integers(0, 23))), dt.UTC
                ),
                "status": status,
                "churned_at": _at(ended) if status is ClientStatus.CHURNED and ended else None,
                "completed_at": _at(ended) if status is ClientStatus.COMPLETED and ended else None,
                "contract_value": draw(st.none() | st.integers(min_value=0, max_value=500_000)),
            }
        )
        for offset in draw(st.sets(offsets, max_size=6)):
            overall = draw(scores)
            row = {
                "client_id": f"c{i}",
                "day": TODAY - dt.timedelta(days=offset),
                "overall": overall,
                "risk_level": draw(st.sampled_from(list(RiskLevel)) | st.just(_band(overall))),
            }
            row |= {name: draw(component) for name in COMPONENT_COLUMNS}
            score_rows.append(row)
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        status = draw(st.sampled_from(list(InterventionStatus)))
        created = _at(TODAY - dt.timedelta(days=draw(offsets)), draw(st.integers(0, 23)))
        created += dt.timedelta(microseconds=draw(st.integers(0, 3_599_999_999)))
        closed = created + dt.timedelta(seconds=draw(st.floats(min_value=1, max_value=3e6)))
        started = draw(st.none() | st.integers(min_value=0, max_value=300))
        interventions.append(
            {
                "client_id": f"c{draw(st.integers(min_value=0, max_value=n - 1))}",
                "type": draw(st.sampled_from(list(InterventionType))),
                "priority": Priority.HIGH,
                "status": status,
                "title": "t",
                "assigned_to": draw(st.none() | st.sampled_from([1, 2])),
                "due_date": created + dt.timedelta(days=draw(st.integers(-5, 10))),
                "created_at": created,
                "started_at": None if started is None else created + dt.timedelta(hours=started),
                "completed_at": closed if status is InterventionStatus.COMPLETED else None,
                "cancelled_at": closed if status is InterventionStatus.CANCELLED else None,
                "outcome": (
                    draw(st.sampled_from(list(Outcome)))
                    if status is InterventionStatus.COMPLETED
                    else None
                ),
                "client_responded": draw(st.none() | st.booleans()),
                "score_at_creation": draw(st.none() | scores),
            }
        )
    return {"clients": clients, "scores": score_rows, "interventions": interventions}


def _ids(index: pd.Index) -> list:
    return [None if pd.isna(value) else int(value) for value in index]


def _at(day: dt.date, hour: int = 11) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


def _band(overall: float) -> RiskLevel:
    score = int(round_half_up(overall))
    return next(level for level in RiskLevel if level.band[0] <= score <= level.band[1])


def _store(session, book: dict) -> None:
    for table in (
        Intervention, ScoreDaySummary, ScoreDayVector, ScorePeriod, ScorePeriodSummary,
        ScoreFactorSummary, ScoreClientPosition, HealthScore, Client,
    ):  # fmt: skip
        session.execute(delete(table))
    session.add_all(Client(**row) for row in book["clients"])
    session.flush()
    session.add_all(HealthScore(**row) for row in book["scores"])
    session.add_all(Intervention(**row) for row in book["interventions"])
    session.flush()
    days = [row["day"] for row in book["scores"]]
    if days:
        refresh_score_summaries(session, start=min(days), end=max(days))


@pytest.fixture
def team(make_user):
    first, second = make_user(name="One"), make_user(name="Two")
    assert (first.id, second.id) == (1, 2)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    book=books(),
    period=st.sampled_from(list(Period)),
    segment=st.sampled_from(list(Segment)),
)
def test_metrics_equal_the_definitions_on_random_books(session, team, book, period, segment):
    _store(session, book)
    got = metrics_for(session, period, segment, today=TODAY, now=NOW)
    want = oracle(session, period, segment, TODAY)

    assert got.score_date == want["score_date"]
    overview = got.overview
    assert (overview["scored_clients"], overview["at_risk"], overview["total_clients"]) == (
        want["scored_clients"], want["at_risk"], want["total_clients"],
    )  # fmt: skip
    assert overview["average_health_score"] == pytest.approx(want["average"], nan_ok=True)
    assert_same_dict(got.retention, want["retention"])
    assert_same_dict(got.interventions, want["measures"])
    assert_same_frame(got.interventions_by_type, want["by_type"])
    assert_same_frame(got.interventions_by_member.drop(columns="member"), want["by_member"])
    assert _ids(got.interventions_by_member.index) == _ids(want["by_member"].index)
    assert_same_frame(got.daily_scores, want["daily"])
    assert_same_frame(got.daily_risk_counts, want["risk"])
    assert_same_frame(got.intervention_activity, want["activity"])
    if want["factors"] is None:
        assert got.top_risk_factors.empty
    else:
        assert_same_frame(got.top_risk_factors, want["factors"])
    assert overview["active_interventions"] == want["measures"]["open"]
    assert np.isfinite(overview["overdue_interventions"])
