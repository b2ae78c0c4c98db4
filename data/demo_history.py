"""The demo's score history: every client's scores on every day, held compactly, day by day.

The scores come from the engine's whole-range path (:func:`scoring.history.health_history`);
this module computes them for runs of clients and holds them in a :class:`ScoreStore`
that the replay reads one day at a time and the seed writes in chunks of days.

Decisions:

- Rows are ordered by day, then client. Clients are numbered by the rank of their id
  (their *code*), so ordering by code is ordering by id, as the replay has always
  ordered a day's rows. Each day's rows are one contiguous run (``offsets``), so a
  day, or the ten days before it, is a slice and never a filter of the whole history.
- Memory: 100,000 clients x 190 days are 14 million rows, so a row is held in about
  100 bytes. Scores rounded to one decimal (overall, sub-scores, components) or three
  (coverage) are held as int16 in tenths or thousandths, and the features that count
  something as int16; ``k / 10`` gives back the float64 the engine computed, bit for
  bit, and :meth:`ScoreStore.from_history` checks that every value does. Means
  (ratings, sentiment, reply hours) stay float64. Integer score, risk level, trend and
  primary factor are int8 codes.
- A day's decision looks back ten days, but reads of them only each client's latest
  score 7 to 10 days back (the trend and the score-drop alert) and its worst risk level
  of the 7 days before (the risk alert). :meth:`ScoreStore.decision_window` hands it
  just those rows (at most two per client) instead of all ten days: the decision
  reads the same values from them, which a test checks day by day against the
  whole history.
- The engine scores a run of ``SLICE_CLIENTS`` clients at a time, so its client x day
  grid stays small: a client's scores depend on its own events only, so scoring the
  book in runs gives the same scores as scoring it at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from scoring import columns as col
from scoring.enums import RiskLevel, Trend
from scoring.events import EventFrames, day_date, day_number
from scoring.history import health_history
from scoring.model import COMPONENT_COLUMNS, COMPONENTS, TREND_LOOKBACK_MAX, TREND_LOOKBACK_MIN

SLICE_CLIENTS = 5_000

# column -> decimals it is rounded to (held as int16 in units of 10**-decimals)
ROUNDED: dict[str, int] = {
    col.OVERALL: 1,
    **{
        name: 1
        for name in col.SCORE_COLUMNS
        if name not in (col.OVERALL, col.COVERAGE, col.RISK_LEVEL)
    },
    col.COVERAGE: 3,
}
# features that count days or events: whole numbers (or NaN), held as int16
WHOLE: tuple[str, ...] = tuple(
    name
    for name in col.FEATURE_COLUMNS
    if name
    not in (
        col.F_MEDIAN_RESPONSE_HOURS,
        col.F_MEAN_RATING,
        col.F_MEAN_SENTIMENT,
        col.F_MEAN_RESOLUTION,
    )
)
MEANS: tuple[str, ...] = tuple(name for name in col.FEATURE_COLUMNS if name not in WHOLE)
NUMBERS: tuple[str, ...] = (*ROUNDED, *WHOLE, *MEANS)

RISK_LEVELS: tuple[str, ...] = tuple(level.value for level in RiskLevel)
TRENDS: tuple[str, ...] = tuple(trend.value for trend in Trend)
FACTORS: tuple[str, ...] = tuple(c.name for c in COMPONENTS)
UNSET = -1  # trend / primary factor not decided (yet), or no primary factor
MISSING = np.iinfo(np.int16).min  # NaN in an int16 column
WEEK_DAYS = 7  # the risk alert compares with the worst level of the 7 days before (scoring.daily)
SEVERITY = np.array([RiskLevel(level).severity for level in RISK_LEVELS], dtype=np.int8)

# The engine's column order of a score row (scoring.health.health_scores_for), then the
# replay's decisions.
FRAME_COLUMNS: tuple[str, ...] = (
    col.CLIENT_ID,
    col.DAY,
    *col.FEATURE_COLUMNS,
    col.OVERALL,
    *col.SUBSCORES,
    *COMPONENT_COLUMNS,
    col.COVERAGE,
    col.SCORE_INT,
    col.RISK_LEVEL,
    col.TREND,
    col.PRIMARY_FACTOR,
)


def _codes(values: pd.Series | np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Positions of ``values`` in ``names`` as int8; ``UNSET`` for missing values."""
    lookup = pd.Index(names)
    codes = lookup.get_indexer(pd.Series(values, dtype=object).where(pd.notna(values), None))
    return codes.astype(np.int8)


class ScoreStore:
    """Score rows of a range of days, ordered by day then client code.

    ``ids`` are the client ids by code; day ``j`` of the store is ``first_day + j``
    (a day number, see :func:`scoring.events.day_number`) and its rows are
    ``offsets[j]:offsets[j + 1]``.
    """

    def __init__(
        self, ids: np.ndarray, first_day: int, n_days: int, columns: dict[str, np.ndarray]
    ) -> None:
        self.ids = ids
        self.first_day = first_day
        self.n_days = n_days
        self.code: np.ndarray = columns.pop("code")
        self.day: np.ndarray = columns.pop("day")  # day of each row, from first_day (int16)
        self.values = columns
        self.offsets = np.searchsorted(self.day, np.arange(n_days + 1)).astype(np.int64)
        self.trend = np.full(len(self.code), UNSET, dtype=np.int8)
        self.factor = np.full(len(self.code), UNSET, dtype=np.int8)
        self._grid: np.ndarray | None = None  # row of each (day, client code), -1 for none

    def __len__(self) -> int:
        return len(self.code)

    @classmethod
    def from_history(cls, history: pd.DataFrame, first_day: int) -> dict[str, np.ndarray]:
        """The compact columns of a ``health_history`` frame whose client ids are codes."""
        days = np.asarray(history[col.DAY].to_numpy(), dtype="datetime64[D]").astype(np.int64)
        out = {
            "code": history[col.CLIENT_ID].to_numpy(dtype=np.int32),
            "day": (days - first_day).astype(np.int16),
        }
        for name in NUMBERS:
            exact = history[name].to_numpy(dtype=float)
            if name in MEANS:
                out[name] = exact
                continue
            units = np.rint(exact * 10.0 ** ROUNDED.get(name, 0))
            missing = np.isnan(units)
            if np.abs(np.where(missing, 0, units)).max(initial=0) >= -MISSING:
                raise AssertionError(f"{name} is too large to hold as int16")
            out[name] = np.where(missing, MISSING, units).astype(np.int16)
            if not np.array_equal(_restore(out[name], name), exact, equal_nan=True):
                raise AssertionError(f"{name} does not survive int16 storage")
        score = history[col.SCORE_INT].to_numpy(dtype=float)
        out["score"] = score.astype(np.int8)
        if not np.array_equal(out["score"].astype(float), score):
            raise AssertionError("integer scores must be whole numbers from 0 to 100")
        out["risk"] = _codes(history[col.RISK_LEVEL], RISK_LEVELS)
        return out

    @classmethod
    def concatenate(
        cls, ids: np.ndarray, first_day: int, n_days: int, parts: list[dict[str, np.ndarray]]
    ) -> ScoreStore:
        """One store from compact columns of runs of clients, ordered by day, then code."""
        if not parts:
            parts = [_empty_columns()]
        code = np.concatenate([p.pop("code") for p in parts])
        day = np.concatenate([p.pop("day") for p in parts])
        order = np.lexsort((code, day))
        columns = {"code": code[order], "day": day[order]}
        del code, day
        for name in list(parts[0]):
            columns[name] = np.concatenate([p.pop(name) for p in parts])[order]
        return cls(ids, first_day, n_days, columns)

    def replace_clients(self, other: ScoreStore) -> None:
        """Take ``other``'s rows for its clients (the same clients and days, scored again)."""
        self._grid = None
        mine = np.zeros(len(self.ids), dtype=bool)
        mine[np.unique(other.code)] = True
        rows = np.flatnonzero(mine[self.code])
        if not (
            np.array_equal(self.code[rows], other.code)
            and np.array_equal(self.day[rows], other.day)
        ):
            raise AssertionError("the clients scored again must be scored on the same days")
        for name, values in other.values.items():
            self.values[name][rows] = values

    # --- reading one day, or days, as the engine's frames ---------------------------------

    def day_slice(self, j: int) -> slice:
        return slice(int(self.offsets[j]), int(self.offsets[j + 1]))

    def days_slice(self, first: int, last: int) -> slice:
        """Rows of store days ``first`` to ``last - 1`` (clipped to the store)."""
        first, last = max(first, 0), max(last, 0)
        return slice(int(self.offsets[first]), int(self.offsets[last]))

    def number(self, name: str, rows: slice | np.ndarray) -> np.ndarray:
        """A score column as the engine computed it (float64)."""
        if name == col.SCORE_INT:
            return self.values["score"][rows].astype(float)
        values = self.values[name][rows]
        return values if name in MEANS else _restore(values, name)

    def risk_levels(self, rows: slice | np.ndarray) -> pd.Series:
        """Risk levels as plain Python strings (object dtype, which the rules map fastest)."""
        return pd.Series(
            np.asarray(RISK_LEVELS, dtype=object)[self.values["risk"][rows]], dtype=object
        )

    def today_frame(self, rows: slice) -> pd.DataFrame:
        """What the day's decision reads of its scores: client, integer score, risk level, components."""
        frame = {
            col.CLIENT_ID: self.code[rows].astype(np.int64),
            col.SCORE_INT: self.number(col.SCORE_INT, rows),
            col.RISK_LEVEL: self.risk_levels(rows),
        }
        frame.update({name: self.number(name, rows) for name in COMPONENT_COLUMNS})
        return pd.DataFrame(frame)

    def decision_window(self, j: int) -> np.ndarray:
        """The rows of the days before day ``j`` that its decision reads, in store order.

        Per client: its latest row 7 to 10 days back, and its first row of the worst
        risk level 1 to 7 days back (``j`` must be at least 10).
        """
        if self._grid is None:
            self._grid = np.full((self.n_days, len(self.ids)), -1, dtype=np.int32)
            self._grid[self.day, self.code] = np.arange(len(self.code), dtype=np.int32)
        latest = np.full(len(self.ids), -1, dtype=np.int32)
        for back in range(TREND_LOOKBACK_MAX, TREND_LOOKBACK_MIN - 1, -1):
            row = self._grid[j - back]
            latest = np.where(row >= 0, row, latest)
        week = self._grid[j - WEEK_DAYS : j]
        severity = np.where(week >= 0, SEVERITY[self.values["risk"][week]], -1)
        worst = np.take_along_axis(week, severity.argmax(axis=0)[None, :], axis=0)[0]
        return np.union1d(latest[latest >= 0], worst[worst >= 0])

    def window_frame(self, rows: slice | np.ndarray) -> pd.DataFrame:
        """What the day's decision reads of the days before: client, day, integer score, risk level."""
        return pd.DataFrame(
            {
                col.CLIENT_ID: self.code[rows].astype(np.int64),
                col.DAY: (self.first_day + self.day[rows].astype(np.int64))
                .astype("datetime64[D]")
                .astype("datetime64[s]"),
                col.SCORE_INT: self.number(col.SCORE_INT, rows),
                col.RISK_LEVEL: self.risk_levels(rows),
            }
        )

    def decide(self, rows: slice, trend: pd.Series, factor: pd.Series) -> None:
        """Record a day's trends and primary risk factors (aligned with the day's rows)."""
        self.trend[rows] = _codes(trend.astype(object).map(str, na_action="ignore"), TRENDS)
        self.factor[rows] = _codes(factor, FACTORS)

    def frame(self, rows: slice, *, dates: bool = True) -> pd.DataFrame:
        """The rows as score rows: every column of ``FRAME_COLUMNS``, client ids as text.

        ``dates``: days as ``datetime.date`` objects (as the engine returns them),
        else as ``datetime64``.
        """
        days = (self.first_day + self.day[rows].astype(np.int64)).astype("datetime64[D]")
        out: dict[str, object] = {
            col.CLIENT_ID: self.ids[self.code[rows]],
            col.DAY: days.astype(object) if dates else days.astype("datetime64[s]"),
        }
        for name in FRAME_COLUMNS[2:]:
            if name == col.RISK_LEVEL:
                out[name] = self.risk_levels(rows)
            elif name == col.TREND:
                out[name] = _names(self.trend[rows], TRENDS)
            elif name == col.PRIMARY_FACTOR:
                out[name] = _names(self.factor[rows], FACTORS)
            else:
                out[name] = self.number(name, rows)
        return pd.DataFrame(out)

    def day_of(self, j: int) -> dt.date:
        return day_date(self.first_day + j)

    def summary_rows(self, day: dt.date, columns: Sequence[str]) -> pd.DataFrame:
        """The score rows of ``day`` as written: ``client_id``, ``risk_level`` and the
        number ``columns``; no rows for a day outside the store."""
        j = day_number(day) - self.first_day
        rows = self.day_slice(j) if 0 <= j < self.n_days else slice(0, 0)
        out: dict[str, object] = {
            col.CLIENT_ID: self.ids[self.code[rows]],
            col.RISK_LEVEL: self.risk_levels(rows).to_numpy(),
        }
        out.update({name: self.number(name, rows) for name in columns})
        return pd.DataFrame(out)


def _restore(held: np.ndarray, name: str) -> np.ndarray:
    """An int16 column back as the engine's float64 values (NaN where missing)."""
    values = held.astype(float)
    values[held == MISSING] = np.nan
    decimals = ROUNDED.get(name, 0)
    return values / 10.0**decimals if decimals else values


def _empty_columns() -> dict[str, np.ndarray]:
    columns = {"code": np.empty(0, np.int32), "day": np.empty(0, np.int16)}
    columns.update({name: np.empty(0, float if name in MEANS else np.int16) for name in NUMBERS})
    columns.update(score=np.empty(0, np.int8), risk=np.empty(0, np.int8))
    return columns


def _names(codes: np.ndarray, names: Sequence[str]) -> np.ndarray:
    table = np.asarray([*names, None], dtype=object)  # UNSET (-1) picks the trailing None
    return table[codes]


def score_store(
    clients: pd.DataFrame,
    events: EventFrames,
    positions: dict[str, np.ndarray],
    codes: np.ndarray,
    ids: np.ndarray,
    start: dt.date,
    end: dt.date,
    *,
    only: np.ndarray | None = None,
    advance: Callable[[int], None] | None = None,
) -> ScoreStore:
    """Scores of every client (or of the positions ``only``) on every day from ``start`` to ``end``.

    ``clients`` and ``events`` are in the book's order, ``positions`` gives each
    event's client position (events of a client contiguous, clients in order),
    ``codes`` each client's code and ``ids`` the ids by code. ``advance`` is
    called with the number of clients scored after each run of clients.
    """
    n_days = (end - start).days + 1
    first_day = int(np.datetime64(start, "D").astype(np.int64))
    chosen = np.arange(len(clients)) if only is None else np.sort(np.asarray(only, dtype=np.int64))
    parts = []
    for lo in range(0, len(chosen), SLICE_CLIENTS):
        part = chosen[lo : lo + SLICE_CLIENTS]
        history = health_history(
            clients.iloc[part].assign(**{col.CLIENT_ID: codes[part]}),
            _events_of(events, positions, part, codes),
            start,
            end,
        )
        parts.append(ScoreStore.from_history(history, first_day))
        del history
        if advance:
            advance(len(part))
    return ScoreStore.concatenate(ids, first_day, n_days, parts)


def _events_of(
    events: EventFrames, positions: dict[str, np.ndarray], part: np.ndarray, codes: np.ndarray
) -> EventFrames:
    """The events of the clients at positions ``part`` (sorted), their clients given as codes.

    The client column becomes a categorical over the part's codes, built from the
    known positions, so the engine maps events to clients without hashing an id.
    """
    slot = np.full(len(codes), -1, dtype=np.int64)
    slot[part] = np.arange(len(part))
    categories = pd.Index(codes[part])
    frames = {}
    for name in EventFrames._fields:
        frame, where = getattr(events, name), positions[name]
        starts = np.searchsorted(where, part, side="left")
        lengths = np.searchsorted(where, part, side="right") - starts
        # every row of every chosen client, in order: runs starting at ``starts``
        rows = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        client = pd.Categorical.from_codes(slot[where[rows]], categories=categories)
        frames[name] = frame.iloc[rows].assign(**{col.CLIENT_ID: client})
    return EventFrames(**frames)
