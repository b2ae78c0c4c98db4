"""Figures that compare each client's scores on two days: health improvement and top risk factors.

Both need every client's scores on two days, so a view cannot read them as a
count per day. They are summarised when scores are written (``summaries.refresh_score_summaries``
calls ``write_day_vector``, ``forget`` and ``summarise_standard_periods``), per
client creation day so that any segment is a sum of rows:

- ``score_day_vectors``: every client's scores of a day, packed by client
  position (``score_client_positions``): integer score and risk level, and the
  overall and component scores. Health improvement needs each client's first
  and last scored day of a period, which may be any day of it; top risk
  factors need two days' component scores. The vectors give both without
  reading ``health_scores`` (a 100k-client day is 0.2 MB of scores and 2.6 MB
  of components, against 45 MB of rows).
- ``score_periods``: the periods summarised, each with the set of clients at
  high or critical risk on a day of it (churn prevention reads it with the
  interventions of the moment).
- ``score_period_summaries``: health improvement of a period ``[start_day,
  end_day]``: clients scored, compared (scored on two days or more) and improved.
- ``score_factor_summaries``: ``scoring.explain.risk_factor_losses`` between two
  days, added up per component.

Decisions:

- Which periods are summarised: those the views ask for around the latest
  scored day L, for each period length P: ``[L-P+1, L]`` (today), ``[L-P+2,
  L+1]`` (tomorrow, before its scoring run) and the two periods before those,
  with their pairs of first and last scored days. Refreshing days forgets every
  summary that reads them, then summarises the missing ones of that list.
- A view asking for anything else (another pair of days, say a segment whose
  first scored day differs) gets it computed from ``health_scores`` by the same
  definitions: exact, but slower on a large book (``health_improvement``,
  ``top_risk_factors``).
- Summaries are per client creation day, like ``score_day_summaries``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.orm import Session, aliased

from data.models import (
    Client,
    HealthScore,
    ScoreClientPosition,
    ScoreDaySummary,
    ScoreDayVector,
    ScoreFactorSummary,
    ScorePeriod,
    ScorePeriodSummary,
)
from data.repositories._day_sql import integer_score, utc_day
from data.repositories._frames import day_end_exclusive, day_start, read_frame
from data.repositories.bulk import insert_frame
from scoring import explain, kpis
from scoring.columns import CLIENT_ID, OVERALL, RISK_LEVEL
from scoring.enums import AT_RISK_LEVELS, Period, RiskLevel
from scoring.health import round_half_up
from scoring.model import COMPONENT_COLUMNS

CREATED_DAY = "created_day"
# A day vector holds per client position: NO_ROW, or risk code x RISK_STEP + the integer score
# (NO_SCORE when the row has no overall score).
VECTOR_DTYPE = np.dtype("<i2")
NO_ROW = -1
NO_SCORE = 255
RISK_STEP = 256
RISK_CODES = {level.value: code for code, level in enumerate(RiskLevel)}
# Whether a risk code is at risk; NO_ROW // RISK_STEP is -1, the last entry: not at risk.
AT_RISK_BY_CODE = np.array([level in AT_RISK_LEVELS for level in RiskLevel] + [False])
# Its components: overall and the component scores, in tenths (MISSING_TENTHS without one)
# when every stored value is a whole number of tenths, else as 64-bit floats (NaN without one).
VECTOR_COLUMNS = (OVERALL, *COMPONENT_COLUMNS)
MISSING_TENTHS = -32768
POSITION_CHUNK = 250_000  # clients per block when a period's vectors are stacked
MARKER = ""  # the factor of the row counting the clients scored on both days


# -- segments -------------------------------------------------------------------------------


def _created_in(column, created_from: dt.date | None, created_to: dt.date | None) -> list:
    conditions = []
    if created_from is not None:
        conditions.append(column >= created_from)
    if created_to is not None:
        conditions.append(column <= created_to)
    return conditions


def _clients_created_in(created_from: dt.date | None, created_to: dt.date | None) -> list:
    clients = Client.__table__
    conditions = []
    if created_from is not None:
        conditions.append(clients.c.created_at >= day_start(created_from))
    if created_to is not None:
        conditions.append(clients.c.created_at < day_end_exclusive(created_to))
    return conditions


# -- reading, with the exact fallback -------------------------------------------------------


def health_improvement(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
) -> tuple[int, int]:
    """(compared, improved) of ``scoring.kpis.retention`` for the period and segment.

    From ``score_period_summaries`` when the period is summarised, else
    computed from ``health_scores``.
    """
    table = ScorePeriodSummary.__table__
    window = [table.c.start_day == start, table.c.end_day == end]
    if _period_known(session, start, end):
        row = session.execute(
            select(
                func.coalesce(func.sum(table.c.compared), 0),
                func.coalesce(func.sum(table.c.improved), 0),
            ).where(*window, *_created_in(table.c.created_day, created_from, created_to))
        ).one()
        return int(row[0]), int(row[1])
    return _health_improvement_from_scores(session, start, end, created_from, created_to)


def _health_improvement_from_scores(
    session: Session,
    start: dt.date,
    end: dt.date,
    created_from: dt.date | None,
    created_to: dt.date | None,
) -> tuple[int, int]:
    scores = HealthScore.__table__
    clients = Client.__table__
    bounds = (
        select(
            scores.c.client_id,
            func.min(scores.c.day).label("first_day"),
            func.max(scores.c.day).label("last_day"),
        )
        .select_from(scores.join(clients, clients.c.id == scores.c.client_id))
        .where(
            scores.c.day >= start,
            scores.c.day <= end,
            scores.c.overall.is_not(None),
            *_clients_created_in(created_from, created_to),
        )
        .group_by(scores.c.client_id)
        .subquery()
    )
    first, last = aliased(scores), aliased(scores)
    compared = bounds.c.last_day > bounds.c.first_day
    rise = integer_score(last.c.overall) - integer_score(first.c.overall)
    stmt = select(
        func.count().filter(compared),
        func.count().filter(and_(compared, rise >= kpis.HEALTH_IMPROVEMENT_POINTS)),
    ).select_from(
        bounds.join(
            first, and_(first.c.client_id == bounds.c.client_id, first.c.day == bounds.c.first_day)
        ).join(last, and_(last.c.client_id == bounds.c.client_id, last.c.day == bounds.c.last_day))
    )
    row = session.execute(stmt).one()
    return int(row[0] or 0), int(row[1] or 0)


def at_risk_positions(session: Session, start: dt.date, end: dt.date) -> np.ndarray | None:
    """Per client position, whether the client had a stored high or critical risk level (with a
    score) on a day of ``[start, end]``; None when the period is not summarised."""
    table = ScorePeriod.__table__
    blob = session.scalar(
        select(table.c.at_risk).where(table.c.start_day == start, table.c.end_day == end)
    )
    if blob is None:
        return None
    return np.unpackbits(np.frombuffer(blob, dtype=np.uint8), bitorder="little").astype(bool)


def top_risk_factors(
    session: Session,
    first_day: dt.date,
    last_day: dt.date,
    *,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
) -> pd.DataFrame:
    """``scoring.explain.top_risk_factors`` between two days for the segment's clients.

    From ``score_factor_summaries`` when the pair of days is summarised, else
    computed from the two days' ``health_scores``.
    """
    table = ScoreFactorSummary.__table__
    pair = [table.c.first_day == first_day, table.c.last_day == last_day]
    known = session.scalar(select(func.count()).select_from(table).where(*pair))
    if not known:
        before = _day_scores(session, first_day, created_from, created_to)
        after = _day_scores(session, last_day, created_from, created_to)
        return explain.top_risk_factors(before, after)
    stmt = (
        select(
            table.c.factor.label(explain.FACTOR),
            func.sum(table.c.clients).label(explain.CLIENTS_AFFECTED),
            func.sum(table.c.points_lost).label(explain.TOTAL_POINTS_LOST),
        )
        .where(
            *pair,
            table.c.factor != MARKER,
            *_created_in(table.c.created_day, created_from, created_to),
        )
        .group_by(table.c.factor)
    )
    return explain.top_risk_factors_from_sums(read_frame(session, stmt))


def _day_scores(
    session: Session,
    day: dt.date,
    created_from: dt.date | None,
    created_to: dt.date | None,
    *,
    with_created_day: bool = False,
) -> pd.DataFrame:
    """The overall and component scores of ``day`` of the segment's clients, indexed by client."""
    scores = HealthScore.__table__
    clients = Client.__table__
    extra = [utc_day(clients.c.created_at).label(CREATED_DAY)] if with_created_day else []
    stmt = (
        select(
            scores.c.client_id,
            *extra,
            scores.c.overall,
            *(scores.c[name] for name in COMPONENT_COLUMNS),
        )
        .select_from(scores.join(clients, clients.c.id == scores.c.client_id))
        .where(scores.c.day == day, *_clients_created_in(created_from, created_to))
        .order_by(scores.c.client_id)
    )
    return read_frame(session, stmt).set_index(CLIENT_ID)


# -- upkeep ---------------------------------------------------------------------------------


def assign_positions(session: Session) -> pd.DataFrame:
    """Give every client without a position the next ones (in client id order), and return
    ``position`` and ``created_day`` (UTC) of every client, indexed by client id."""
    table = ScoreClientPosition.__table__
    clients = Client.__table__
    top = session.scalar(select(func.max(table.c.position)))
    base = -1 if top is None else int(top)
    missing = select(
        clients.c.id,
        (func.row_number().over(order_by=clients.c.id) + base).label("position"),
    ).where(~select(table.c.client_id).where(table.c.client_id == clients.c.id).exists())
    session.execute(insert(table).from_select(["client_id", "position"], missing))
    stmt = select(
        table.c.client_id, table.c.position, utc_day(clients.c.created_at).label(CREATED_DAY)
    ).join(clients, clients.c.id == table.c.client_id)
    return read_frame(session, stmt).set_index(CLIENT_ID)


def write_day_vector(
    session: Session, day: dt.date, rows: pd.DataFrame, where: np.ndarray, size: int
) -> None:
    """Store the day vector of ``day`` from its score rows (``client_id``, ``overall``,
    ``risk_level`` and the component columns) at client positions ``where``."""
    scores = np.full(size, NO_ROW, dtype=VECTOR_DTYPE)
    overall = rows[OVERALL].to_numpy(dtype=float, na_value=np.nan)
    score = np.where(np.isnan(overall), NO_SCORE, round_half_up(np.nan_to_num(overall)))
    risk = rows[RISK_LEVEL].map(RISK_CODES).to_numpy(dtype=np.int64)
    scores[where] = (risk * RISK_STEP + score).astype(VECTOR_DTYPE)
    values = np.full((len(VECTOR_COLUMNS), size), np.nan)
    values[:, where] = rows[list(VECTOR_COLUMNS)].to_numpy(dtype=float, na_value=np.nan).T
    known = ~np.isnan(values)
    tenths = np.rint(values[known] * 10)
    exact = bool(np.all(tenths / 10 == values[known]) and np.all(np.abs(tenths) < -MISSING_TENTHS))
    if exact:
        packed = np.full(values.shape, MISSING_TENTHS, dtype=VECTOR_DTYPE)
        packed[known] = tenths.astype(VECTOR_DTYPE)
        components = packed.tobytes()
    else:
        components = values.astype("<f8").tobytes()
    session.execute(
        insert(ScoreDayVector.__table__).values(
            day=day, scores=scores.tobytes(), components=components, tenths=exact
        )
    )


def forget(session: Session, first: dt.date, last: dt.date) -> None:
    """Forget the comparisons that read a day from ``first`` to ``last``."""
    factors = ScoreFactorSummary.__table__
    for periods in (ScorePeriod.__table__, ScorePeriodSummary.__table__):
        session.execute(
            delete(periods).where(periods.c.start_day <= last, periods.c.end_day >= first)
        )
    session.execute(
        delete(factors).where(
            or_(
                and_(factors.c.first_day >= first, factors.c.first_day <= last),
                and_(factors.c.last_day >= first, factors.c.last_day <= last),
            )
        )
    )


def _scored_days(session: Session) -> list[dt.date]:
    """Days with any stored score row, from the day summaries."""
    table = ScoreDaySummary.__table__
    return list(session.scalars(select(table.c.day).distinct().order_by(table.c.day)))


def standard_periods(latest: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The periods the views ask for around the latest scored day (module docstring)."""
    periods = []
    for period in Period:
        for end in (latest, latest + dt.timedelta(days=1)):
            current = kpis.period_bounds(period, end)
            before = kpis.period_bounds(period, current[0] - dt.timedelta(days=1))
            periods.extend([current, before])
    return list(dict.fromkeys(periods))


class _Vectors:
    """The day vectors of one refresh, read and decoded once each, with the clients' creation
    days (as codes for ``numpy.bincount``)."""

    def __init__(self, session: Session, positions: pd.DataFrame) -> None:
        self.session = session
        self.size = int(positions["position"].max()) + 1 if len(positions) else 0
        created = np.full(self.size, np.datetime64("NaT"), dtype="datetime64[D]")
        created[positions["position"].to_numpy(dtype=np.int64)] = positions[CREATED_DAY].to_numpy(
            dtype="datetime64[D]"
        )
        codes, self.created_days = pd.factorize(created, sort=True)
        self.codes = codes  # -1 for positions without a client
        self._scores: dict[dt.date, np.ndarray | None] = {}
        self._terms: dict[dt.date, tuple | None] = {}

    def scores(self, day: dt.date) -> np.ndarray | None:
        """The encoded scores of ``day`` by position (``NO_ROW`` beyond the vector)."""
        if day not in self._scores:
            table = ScoreDayVector.__table__
            blob = self.session.scalar(select(table.c.scores).where(table.c.day == day))
            self._scores[day] = None if blob is None else self._padded(blob)
        return self._scores[day]

    def load_scores(self, days: list[dt.date]) -> None:
        """Read the encoded scores of ``days`` not read yet, in one query."""
        wanted = [day for day in days if day not in self._scores]
        table = ScoreDayVector.__table__
        for chunk in range(0, len(wanted), 500):
            rows = self.session.execute(
                select(table.c.day, table.c.scores).where(
                    table.c.day.in_(wanted[chunk : chunk + 500])
                )
            )
            for day, blob in rows:
                self._scores[day] = self._padded(blob)
        for day in wanted:
            self._scores.setdefault(day, None)

    def _padded(self, blob: bytes) -> np.ndarray:
        stored = np.frombuffer(blob, VECTOR_DTYPE)[: self.size]
        vector = np.full(self.size, NO_ROW, dtype=VECTOR_DTYPE)
        vector[: len(stored)] = stored
        return vector

    def terms(self, day: dt.date) -> tuple | None:
        """``scoring.explain.day_terms`` of every position on ``day``, from its components."""
        if day not in self._terms:
            table = ScoreDayVector.__table__
            row = self.session.execute(
                select(table.c.components, table.c.tenths).where(table.c.day == day)
            ).one_or_none()
            terms = None
            if row is not None:
                blob, tenths = row
                if tenths:
                    packed = np.frombuffer(blob, VECTOR_DTYPE).reshape(len(VECTOR_COLUMNS), -1)
                    values = np.where(packed == MISSING_TENTHS, np.nan, packed / 10)
                else:
                    values = np.frombuffer(blob, "<f8").reshape(len(VECTOR_COLUMNS), -1)
                full = np.full((len(VECTOR_COLUMNS), self.size), np.nan)
                full[:, : values.shape[1]] = values[:, : self.size]
                terms = explain.day_terms(pd.DataFrame(full.T, columns=list(VECTOR_COLUMNS)))
            self._terms[day] = terms
        return self._terms[day]

    def sums(self, where: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Per creation day (``created_days``), the sums of ``values`` (positions ``where``;
        columns of a 2-D array separately)."""
        codes = self.codes[where]
        keep = codes >= 0
        size = len(self.created_days)
        if values.ndim == 1:
            return np.bincount(codes[keep], weights=values[keep], minlength=size)
        return np.stack(
            [np.bincount(codes[keep], weights=column[keep], minlength=size) for column in values.T],
            axis=1,
        )


def summarise_standard_periods(session: Session, positions: pd.DataFrame) -> None:
    """Summarise health improvement and top risk factors of the standard periods of the
    latest scored day that are not summarised yet."""
    days = _scored_days(session)
    if not days:
        return
    vectors = _Vectors(session, positions)
    day_set = np.array(days, dtype="datetime64[D]")
    by_last: dict[dt.date, list[tuple[dt.date, dt.date, list[dt.date]]]] = {}
    for start, end in standard_periods(days[-1]):
        inside = day_set[(day_set >= np.datetime64(start)) & (day_set <= np.datetime64(end))]
        if not len(inside):
            continue
        scored = inside.astype(dt.date).tolist()
        if not _period_known(session, start, end):
            by_last.setdefault(scored[-1], []).append((start, end, scored))
        if scored[0] != scored[-1] and not _pair_known(session, scored[0], scored[-1]):
            _summarise_pair(session, scored[0], scored[-1], vectors)
    for periods in by_last.values():
        _summarise_periods(session, periods, vectors)


def _period_known(session: Session, start: dt.date, end: dt.date) -> bool:
    table = ScorePeriod.__table__
    return bool(
        session.scalar(
            select(func.count())
            .select_from(table)
            .where(table.c.start_day == start, table.c.end_day == end)
        )
    )


def _pair_known(session: Session, first: dt.date, last: dt.date) -> bool:
    table = ScoreFactorSummary.__table__
    return bool(
        session.scalar(
            select(func.count())
            .select_from(table)
            .where(table.c.first_day == first, table.c.last_day == last)
        )
    )


def _summarise_periods(
    session: Session, periods: list[tuple[dt.date, dt.date, list[dt.date]]], vectors: _Vectors
) -> None:
    """Write the health improvement per creation day and the clients at risk of periods whose
    last scored day is the same, from the day vectors of the longest of them."""
    days = max((scored for _, _, scored in periods), key=len)
    row_of = {day: row for row, day in enumerate(days)}
    numbers = np.array(days, dtype="datetime64[D]").astype(np.int64)
    vectors.load_scores(days)
    day_vectors = [vectors.scores(day) for day in days]
    summaries, risky = {}, {}
    for low in range(0, vectors.size, POSITION_CHUNK):
        high = min(vectors.size, low + POSITION_CHUNK)
        block = np.stack([vector[low:high] for vector in day_vectors])
        score = block % RISK_STEP
        scored = (block != NO_ROW) & (score != NO_SCORE)
        at_risk = scored & AT_RISK_BY_CODE[block // RISK_STEP]
        # For each row, the first row at or after it with a score / at risk (len(days): none).
        rows = np.arange(len(days), dtype=np.int16 if len(days) < 2**15 else np.int32)[:, None]
        after = np.where(scored, rows, len(days))[::-1]
        next_scored = np.minimum.accumulate(after, axis=0)[::-1]
        after = np.where(at_risk, rows, len(days))[::-1]
        next_risky = np.minimum.accumulate(after, axis=0)[::-1]
        last_row = len(days) - 1 - scored[::-1].argmax(axis=0)
        columns = np.arange(high - low)
        where = np.arange(low, high)
        for start, end, scored_days in periods:
            first_row = next_scored[row_of[scored_days[0]]]
            anyone = first_row < len(days)
            first = np.minimum(first_row, len(days) - 1)
            compared, improved = kpis.improvement_by_client(
                numbers[first], score[first, columns], numbers[last_row], score[last_row, columns]
            )
            counts = vectors.sums(
                where,
                np.stack([anyone, compared & anyone, improved & anyone], axis=1).astype(float),
            )
            key = (start, end)
            summaries[key] = summaries.get(key, 0) + counts
            flags = next_risky[row_of[scored_days[0]]] < len(days)
            risky.setdefault(key, np.zeros(vectors.size, dtype=bool))[low:high] = flags
    for start, end, _ in periods:
        key = (start, end)
        session.execute(
            insert(ScorePeriod.__table__).values(
                start_day=start,
                end_day=end,
                at_risk=np.packbits(risky[key], bitorder="little").tobytes(),
            )
        )
        counts = summaries[key]
        kept = counts[:, 0] > 0
        frame = pd.DataFrame(
            {
                "start_day": start,
                "end_day": end,
                CREATED_DAY: vectors.created_days[kept],
                "clients": counts[kept, 0].astype(np.int64),
                "compared": counts[kept, 1].astype(np.int64),
                "improved": counts[kept, 2].astype(np.int64),
            }
        )
        insert_frame(session, ScorePeriodSummary.__table__, frame)


def _summarise_pair(session: Session, first: dt.date, last: dt.date, vectors: _Vectors) -> None:
    """Write the risk factor losses between two days per creation day and component."""
    rows0, rows1 = vectors.scores(first), vectors.scores(last)
    before, after = vectors.terms(first), vectors.terms(last)
    if rows0 is None or rows1 is None or before is None or after is None:
        return
    both = np.flatnonzero((rows0 != NO_ROW) & (rows1 != NO_ROW))
    if not len(both):
        return

    def take(terms: tuple) -> tuple:
        scores, weights, overall = terms
        return scores[both], weights[both], None if overall is None else overall[both]

    points = explain.factor_losses(take(before), take(after))
    clients = vectors.sums(both, np.ones(len(both)))
    affected = vectors.sums(both, (points > 0).astype(float))
    lost = vectors.sums(both, points)
    names = np.array([MARKER, *explain.COMPONENT_NAMES], dtype=object)
    counts = np.column_stack([clients, affected]).astype(np.int64)  # created days x factors
    totals = np.column_stack([np.zeros(len(clients)), lost])
    keep = (counts > 0) & (clients > 0)[:, None]
    day_index, factor_index = np.nonzero(keep)
    frame = pd.DataFrame(
        {
            "first_day": first,
            "last_day": last,
            CREATED_DAY: vectors.created_days[day_index],
            "factor": names[factor_index],
            "clients": counts[day_index, factor_index],
            "points_lost": totals[day_index, factor_index],
        }
    )
    insert_frame(session, ScoreFactorSummary.__table__, frame)
