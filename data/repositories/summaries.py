"""The score summaries the views read, and their upkeep: ``refresh_score_summaries``.

``score_day_summaries`` holds, per (day, risk level, UTC creation day of the
client), the number of score rows, of them the rows with an overall score, and
the sum of their integer scores (rounded half up, as shown). Every figure of
the views that is a count or a mean of one day's scores (the daily average and
risk counts, the latest day's scored clients, clients at risk and average
score) is a sum over these rows, so a view reads a few hundred rows per day of
its period instead of one row per client and day. The figures that compare
each client's scores on two days (health improvement, top risk factors) have
summaries of their own, kept by ``data.repositories.comparisons``.

Decisions:

- The summaries are derived data: ``refresh_score_summaries`` recomputes whole
  days from ``health_scores`` in the caller's transaction, reading each day's
  rows once: its day summary rows and its day vector are worked out from them
  with numpy (a single ``INSERT ... SELECT ... GROUP BY`` over 12.4M rows took
  134 s on SQLite, and the day vectors need the rows anyway), then the
  comparisons those days touch. The scoring run refreshes the day it scored;
  code that writes scores another way (the demo, a backfill) refreshes the days
  it wrote, a range in one call, after writing the interventions too.
  Migration 0005 fills the summaries for the scores stored before it.
- Keying by creation day keeps the segments of any period exact: new clients
  of ``[start, end]`` are the rows with ``start <= created_day <= end``,
  existing ones those with ``created_day < start`` (``scoring.kpis.segment_clients``).
- A client whose ``created_at`` changes after its scores were summarised (a
  re-import with another creation time) needs its days refreshed again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
from sqlalchemy import (
    Date,
    String,
    and_,
    bindparam,
    column,
    delete,
    func,
    insert,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from data.models import (
    HealthScore,
    Intervention,
    InterventionScoreCheck,
    ScoreDaySummary,
    ScoreDayVector,
)
from data.repositories import comparisons
from data.repositories._day_sql import integer_score, plus_days, utc_day
from data.repositories._frames import read_frame
from data.repositories.bulk import insert_frame
from scoring.columns import CLIENT_ID, OVERALL
from scoring.enums import InterventionStatus, RiskLevel
from scoring.health import round_half_up
from scoring.kpis import SCORE_CHECK_DAYS

DAY = "day"
RISK_LEVEL = "risk_level"
CREATED_DAY = "created_day"
CLIENTS = "clients"  # score rows
SCORED = "scored"  # rows with an overall score
SCORE_SUM = "score_sum"  # sum of their integer scores
COUNT_COLUMNS = (CLIENTS, SCORED, SCORE_SUM)
UPTO_COLUMNS = tuple(f"{name}_upto" for name in COUNT_COLUMNS)


def _day_condition(
    column: ColumnElement,
    days: Iterable[dt.date] | None,
    start: dt.date | None,
    end: dt.date | None,
) -> ColumnElement[bool]:
    """``column`` in ``days``, or within ``[start, end]``: exactly one of the two forms."""
    if days is not None:
        if start is not None or end is not None:
            raise ValueError("give either days or start and end, not both")
        chosen = sorted(set(days))
        for day in chosen:
            if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
                raise TypeError(f"days must be dates, not {type(day).__name__}: {day!r}")
        return column.in_(chosen)
    if start is None or end is None:
        raise ValueError("give the days to refresh, or both start and end")
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    return and_(column >= start, column <= end)


def refresh_score_summaries(
    session: Session,
    days: Iterable[dt.date] | None = None,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    day_rows: Callable[[dt.date], pd.DataFrame] | None = None,
) -> int:
    """Recompute every score summary of ``days`` (or of every day from ``start`` to ``end``).

    In the session's transaction (the caller commits): reads each day's
    scores once, rewrites its day summary rows and its day vector, the score
    checks of interventions completed 14 days before, then forgets the
    comparisons that read those days and summarises the standard periods of
    the latest scored day again (``data.repositories.comparisons``). Days
    without scores end up without rows. Returns the number of day summary rows
    written. Call it after writing the days' scores and interventions.

    ``day_rows(day)`` gives a day's score rows (``client_id``, ``risk_level``
    and ``comparisons.VECTOR_COLUMNS``) when the caller holds exactly what it
    wrote (the demo seed keeps every score in memory); by default they are read
    from ``health_scores``.
    """
    days = list(days) if days is not None else None
    chosen = _chosen_days(days, start, end)
    if not chosen:
        return 0
    first, last = chosen[0], chosen[-1]
    summary, vectors = ScoreDaySummary.__table__, ScoreDayVector.__table__
    within = _day_condition(summary.c.day, days, start, end)
    session.execute(delete(summary).where(within))
    session.execute(delete(vectors).where(_day_condition(vectors.c.day, days, start, end)))
    positions = comparisons.assign_positions(session)
    size = int(positions["position"].max()) + 1 if len(positions) else 0
    written = 0
    for day in chosen:
        rows = _day_rows(session, day) if day_rows is None else day_rows(day)
        if rows.empty:
            continue
        located = positions.reindex(rows[CLIENT_ID])
        totals = _day_totals(rows, located[CREATED_DAY].to_numpy(dtype="datetime64[D]"))
        written += insert_frame(session, summary, totals.assign(**{DAY: day}))
        where = located["position"].to_numpy(dtype=np.int64)
        comparisons.write_day_vector(session, day, rows, where, size)
    _refresh_score_checks(session, days, start, end)
    comparisons.forget(session, first, last)
    comparisons.summarise_standard_periods(session, positions)
    return written


def _chosen_days(
    days: list[dt.date] | None, start: dt.date | None, end: dt.date | None
) -> list[dt.date]:
    """The days to refresh, checked (``_day_condition`` says what is wrong), in order."""
    if days is not None:
        _day_condition(ScoreDaySummary.__table__.c.day, days, start, end)
        return sorted(set(days))
    _day_condition(ScoreDaySummary.__table__.c.day, None, start, end)
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def _day_rows(session: Session, day: dt.date) -> pd.DataFrame:
    """Every score row of ``day``: ``client_id``, ``risk_level``, ``overall`` and the components."""
    scores = HealthScore.__table__
    stmt = select(
        scores.c.client_id,
        scores.c.risk_level,
        *(scores.c[name] for name in comparisons.VECTOR_COLUMNS),
    ).where(scores.c.day == day)
    return read_frame(session, stmt)


def _day_totals(rows: pd.DataFrame, created_day: np.ndarray) -> pd.DataFrame:
    """The day summary rows of one day's score rows: per risk level and creation day, the
    counts and their running totals over the creation days."""
    overall = rows[OVERALL].to_numpy(dtype=float, na_value=np.nan)
    frame = pd.DataFrame(
        {
            RISK_LEVEL: rows[RISK_LEVEL].to_numpy(dtype=object),
            CREATED_DAY: created_day,
            CLIENTS: 1,
            SCORED: (~np.isnan(overall)).astype(np.int64),
            SCORE_SUM: np.nan_to_num(round_half_up(overall)).astype(np.int64),
        }
    )
    grouped = frame.groupby([RISK_LEVEL, CREATED_DAY], sort=True)[list(COUNT_COLUMNS)].sum()
    running = grouped.groupby(level=RISK_LEVEL).cumsum()
    grouped[list(UPTO_COLUMNS)] = running.to_numpy()
    return grouped.reset_index()


def _refresh_score_checks(
    session: Session,
    days: list[dt.date] | None,
    start: dt.date | None,
    end: dt.date | None,
) -> None:
    """Rewrite ``intervention_score_checks`` of the refreshed days: for every completed
    intervention whose completion day plus 14 is one of them, its client's integer score then."""
    checks = InterventionScoreCheck.__table__
    interventions = Intervention.__table__
    scores = HealthScore.__table__
    session.execute(delete(checks).where(_day_condition(checks.c.check_day, days, start, end)))
    check_day = plus_days(utc_day(interventions.c.completed_at), SCORE_CHECK_DAYS)
    source = (
        select(
            interventions.c.id,
            interventions.c.completed_at,
            check_day,
            integer_score(scores.c.overall),
        )
        .select_from(
            interventions.outerjoin(
                scores,
                and_(scores.c.client_id == interventions.c.client_id, scores.c.day == check_day),
            )
        )
        .where(
            interventions.c.status == InterventionStatus.COMPLETED,
            interventions.c.completed_at.is_not(None),
            _day_condition(check_day, days, start, end),
        )
    )
    session.execute(
        insert(checks).from_select(
            ["intervention_id", "completed_at", "check_day", "score"], source
        )
    )


def segment_condition(
    created_day: ColumnElement, created_from: dt.date | None, created_to: dt.date | None
) -> list[ColumnElement[bool]]:
    """Conditions on a creation-day column for ``created_from <= created_day <= created_to``."""
    conditions: list[ColumnElement[bool]] = []
    if created_from is not None:
        conditions.append(created_day >= created_from)
    if created_to is not None:
        conditions.append(created_day <= created_to)
    return conditions


def day_summaries(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
) -> pd.DataFrame:
    """Per scored day and risk level from ``start`` to ``end``: ``clients``, ``scored``, ``score_sum``.

    Only clients created from ``created_from`` to ``created_to`` (UTC days,
    None: open) count; ordered by day, then risk level. Days and levels
    without such clients are absent. Reads two rows per day and risk level at
    most, whatever the number of creation days: the running totals up to
    ``created_to``, less those up to the day before ``created_from``.
    """
    vectors = ScoreDayVector.__table__
    days = list(
        session.scalars(select(vectors.c.day).where(vectors.c.day >= start, vectors.c.day <= end))
    )
    if not days:
        return pd.DataFrame(
            {DAY: pd.Series([], dtype="datetime64[us]"), RISK_LEVEL: pd.Series([], dtype=str)}
            | {name: pd.Series([], dtype="int64") for name in COUNT_COLUMNS}
        )
    upper = _totals_upto(session, days, created_to)
    if created_from is not None and not upper.empty:
        lower = _totals_upto(session, days, created_from - dt.timedelta(days=1))
        keys = [DAY, RISK_LEVEL]
        merged = upper.merge(lower, on=keys, how="left", suffixes=("", "_before")).fillna(0)
        for name in COUNT_COLUMNS:
            merged[name] = merged[name] - merged[f"{name}_before"]
        upper = merged[[*keys, *COUNT_COLUMNS]]
    frame = upper.astype({name: "int64" for name in COUNT_COLUMNS})
    return frame[frame[CLIENTS] > 0].reset_index(drop=True)


def _day_level_keys(days: list[dt.date], dialect: str):
    """Every (day, risk level) of ``days`` as a subquery (a ``VALUES`` list: its columns are
    ``column1`` and ``column2`` on both backends)."""
    pairs = [(day, level.value) for day in days for level in RiskLevel]
    # PostgreSQL types a VALUES list from its literals: the days are cast (SQLite keeps the text).
    day = "CAST(:d{i} AS DATE)" if dialect == "postgresql" else ":d{i}"
    rows = ", ".join(f"({day.format(i=i)}, :l{i})" for i in range(len(pairs)))
    stmt = text(f"SELECT column1 AS day, column2 AS risk_level FROM (VALUES {rows}) AS day_levels")
    stmt = stmt.bindparams(
        *(bindparam(f"d{i}", day, type_=Date()) for i, (day, _) in enumerate(pairs)),
        *(bindparam(f"l{i}", level, type_=String()) for i, (_, level) in enumerate(pairs)),
    )
    return stmt.columns(column(DAY, Date), column(RISK_LEVEL, String)).subquery("summary_keys")


def _totals_upto(session: Session, days: list[dt.date], created_to: dt.date | None) -> pd.DataFrame:
    """Per day of ``days`` and risk level: the running totals of the clients created up to
    ``created_to`` (None: all), one index probe each.

    PostgreSQL probes with a ``LATERAL`` subquery; SQLite, which has none, finds
    the creation day of the row in a correlated subquery (one index seek) and
    joins the row on its key.
    """
    summary = ScoreDaySummary.__table__
    inner = summary.alias("inner_summary")
    dialect = session.get_bind().dialect.name
    keys = _day_level_keys(days, dialect)
    bound = [inner.c.created_day <= created_to] if created_to is not None else []
    same_key = [inner.c.day == keys.c.day, inner.c.risk_level == keys.c.risk_level, *bound]
    renamed = [
        inner.c[upto].label(name) for name, upto in zip(COUNT_COLUMNS, UPTO_COLUMNS, strict=True)
    ]
    if dialect == "postgresql":
        probe = (
            select(*renamed)
            .where(*same_key)
            .order_by(inner.c.created_day.desc())
            .limit(1)
            .lateral("probe")
        )
        stmt = select(
            keys.c.day, keys.c.risk_level, *(probe.c[name] for name in COUNT_COLUMNS)
        ).select_from(keys.join(probe, true()))
    else:
        latest = select(func.max(inner.c.created_day)).where(*same_key).scalar_subquery()
        picked = select(keys.c.day, keys.c.risk_level, latest.label(CREATED_DAY)).subquery()
        stmt = select(
            picked.c.day,
            picked.c.risk_level,
            *(
                summary.c[upto].label(name)
                for name, upto in zip(COUNT_COLUMNS, UPTO_COLUMNS, strict=True)
            ),
        ).select_from(
            picked.join(
                summary,
                and_(
                    summary.c.day == picked.c.day,
                    summary.c.risk_level == picked.c.risk_level,
                    summary.c.created_day == picked.c.created_day,
                ),
            )
        )
    frame = read_frame(session, stmt).dropna(subset=[CLIENTS])
    frame = frame.astype({name: "int64" for name in COUNT_COLUMNS})
    return frame.sort_values([DAY, RISK_LEVEL], kind="stable").reset_index(drop=True)


def score_counts_on(session: Session, day: dt.date) -> pd.DataFrame:
    """Clients per integer score stored on ``day``: ``score`` and ``clients``, lowest score first.

    Grouped in the database on the ``(day, overall)`` index; scores without an
    overall score are left out.
    """
    scores = HealthScore.__table__
    score = integer_score(scores.c.overall)
    stmt = (
        select(score.label("score"), func.count().label(CLIENTS))
        .where(scores.c.day == day, scores.c.overall.is_not(None))
        .group_by(score)
        .order_by(score)
    )
    return read_frame(session, stmt).astype({"score": "int64", CLIENTS: "int64"})


def latest_written_scores(session: Session, day: dt.date, *, limit: int) -> pd.DataFrame:
    """The ``limit`` scores of ``day`` written most recently, lowest integer score first among
    those written together, then by client: ``client_id``, ``overall``, ``risk_level``,
    ``trend``, ``updated_at`` and the integer ``score``."""
    scores = HealthScore.__table__
    score = integer_score(scores.c.overall)
    stmt = (
        select(
            scores.c.client_id,
            scores.c.overall,
            scores.c.risk_level,
            scores.c.trend,
            scores.c.updated_at,
            score.label("score"),
        )
        .where(scores.c.day == day)
        .order_by(scores.c.updated_at.desc(), score.asc().nulls_last(), scores.c.client_id)
        .limit(limit)
    )
    frame = read_frame(session, stmt)
    return frame.assign(score=frame["score"].astype("Int64"))
