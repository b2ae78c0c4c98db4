"""Health scores: bulk upsert of a scoring run, the current-scores table, history and day summaries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Literal, get_args

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from data.models import Client, HealthScore, Intervention, RunStatus, ScoringRun, User
from data.repositories._frames import as_list, page_bounds, read_frame
from data.repositories._join_order import DrivingJoin
from data.repositories.bulk import insert_frame
from scoring.columns import (
    CLIENT_ID,
    DAY,
    F_DAYS_SINCE_ACTIVITY,
    FEATURE_COLUMNS,
    OVERALL,
    PRIMARY_FACTOR,
    RISK_LEVEL,
    SCORE_COLUMNS,
    SCORE_INT,
    TREND,
)
from scoring.enums import OPEN_STATUSES, RiskLevel
from scoring.health import round_half_up

# Every score column stored per client and day, besides the keys.
STORED_SCORE_COLUMNS: tuple[str, ...] = (*SCORE_COLUMNS, *FEATURE_COLUMNS, TREND, PRIMARY_FACTOR)
UPDATED_AT = "updated_at"
CLIENT_NAME = "client_name"
OWNER_NAME = "owner_name"
LAST_INTERACTION = "last_interaction"
OPEN_INTERVENTIONS = "open_interventions"

SortKey = Literal["score", "last_updated", "client_name", "wedding_date", "last_interaction"]
SORT_KEYS: tuple[str, ...] = get_args(SortKey)
CLIENT_SORT_KEYS = ("client_name", "wedding_date", "last_interaction")  # columns of the client
# Days since the last login or interaction: active up to 7, idle 8 to 30, dormant beyond or never.
Activity = Literal["active", "idle", "dormant"]
ACTIVITY_LEVELS: tuple[str, ...] = get_args(Activity)
ACTIVE_MAX_DAYS = 7
IDLE_MAX_DAYS = 30


def upsert_scores(session: Session, frame: pd.DataFrame) -> int:
    """Store a frame of scores, one row per (client_id, day), replacing rows already stored.

    ``frame`` has ``client_id``, ``day``, ``overall``, ``risk_level`` and any
    of ``STORED_SCORE_COLUMNS``; columns it lacks keep their stored values.
    Rows without an overall score ("not enough data") are not stored.
    Returns the number of rows written.
    """
    missing = {CLIENT_ID, DAY, OVERALL, RISK_LEVEL} - set(frame.columns)
    if missing:
        raise ValueError(f"score frame lacks {', '.join(sorted(missing))}")
    scored = frame[frame[OVERALL].notna()]
    if scored.empty:
        return 0
    columns = [CLIENT_ID, DAY, *(name for name in STORED_SCORE_COLUMNS if name in frame.columns)]
    scored = scored.assign(**{UPDATED_AT: pd.Timestamp.now(tz="UTC")})
    update = [name for name in (*columns, UPDATED_AT) if name not in (CLIENT_ID, DAY)]
    return insert_frame(
        session,
        HealthScore.__table__,
        scored,
        columns=[*columns, UPDATED_AT],
        on_conflict="update",
        keys=[CLIENT_ID, DAY],
        update=update,
    )


def latest_score_day(session: Session) -> dt.date | None:
    """The day the dashboard shows: the latest day a successful run scored every client.

    A recalculation of a few clients may store scores for a later day; that day
    becomes current once the whole book is scored on it. Without any recorded
    run (scores written directly), the latest day with stored scores; None
    before the first scores.
    """
    full_run_day = session.scalar(
        select(func.max(ScoringRun.as_of)).where(
            ScoringRun.status == RunStatus.SUCCEEDED, ScoringRun.all_clients.is_(True)
        )
    )
    return full_run_day or session.scalar(select(func.max(HealthScore.day)))


def _score_columns(names: Iterable[str] = STORED_SCORE_COLUMNS) -> list:
    table = HealthScore.__table__
    return [table.c[name] for name in names]


def current_scores(
    session: Session,
    *,
    risk_level: RiskLevel | str | Iterable[RiskLevel | str] | None = None,
    search: str | None = None,
    wedding_from: dt.date | None = None,
    wedding_to: dt.date | None = None,
    activity: Activity | None = None,
    sort_by: SortKey = "score",
    sort_order: Literal["asc", "desc"] = "asc",
    page: int = 1,
    limit: int = 25,
    day: dt.date | None = None,
) -> tuple[pd.DataFrame, int]:
    """One page of the clients scored on ``day`` (default: the latest score day), and the total.

    Filters: risk level(s); ``search``, a case-insensitive substring of the
    client name, partner names or venue; wedding date within
    [``wedding_from``, ``wedding_to``]; ``activity`` ``active`` (last login
    or interaction at most 7 days before), ``idle`` (8-30) or ``dormant``
    (more, or never). Sorted by ``sort_by`` in ``sort_order`` with missing
    values last, then by client name. Each row carries the client's fields,
    every stored score column, the integer ``score``, ``updated_at``,
    ``last_interaction`` and the count of ``open_interventions``.
    """
    if sort_by not in SORT_KEYS:
        raise ValueError(f"sort_by must be one of {', '.join(SORT_KEYS)}")
    if sort_order not in ("asc", "desc"):
        raise ValueError("sort_order must be asc or desc")
    if activity is not None and activity not in ACTIVITY_LEVELS:
        raise ValueError(f"activity must be one of {', '.join(ACTIVITY_LEVELS)}")
    offset, limit = page_bounds(page, limit)
    day = day or latest_score_day(session)

    scores = HealthScore.__table__
    clients = Client.__table__
    owner = aliased(User)
    open_count = (
        select(func.count(Intervention.id))
        .where(Intervention.client_id == scores.c.client_id, Intervention.status.in_(OPEN_STATUSES))
        .scalar_subquery()
    )
    on_day = scores.c.day == day if day is not None else false()
    score_filters, client_filters = _filters(risk_level, search, wedding_from, wedding_to, activity)

    def count(also: ColumnElement[bool] | None = None) -> int:
        """How many of the day's score rows pass the filters (and ``also``, a condition of the sort).

        Counted from the day's score rows alone (an index range), the clients'
        conditions as a set of ids: every score row has its client, so no join.
        """
        extra = [] if also is None else [also]
        on_scores = [*score_filters, *([] if sort_by in CLIENT_SORT_KEYS else extra)]
        on_clients = [*client_filters, *(extra if sort_by in CLIENT_SORT_KEYS else [])]
        ids = (
            [scores.c.client_id.in_(select(clients.c.id).where(*on_clients))] if on_clients else []
        )
        stmt = select(func.count()).select_from(scores).where(on_day, *on_scores, *ids)
        return session.scalar(stmt) or 0

    total = count()
    sort_expr = {
        "score": scores.c.overall,
        "last_updated": scores.c.updated_at,
        "client_name": func.lower(clients.c.name),
        "wedding_date": clients.c.wedding_date,
        "last_interaction": clients.c.last_interaction_at,
    }[sort_by]
    # Sorted on a score, the day's scores (in the order of their index) drive the page; sorted
    # on a client column, the clients do (see ``_join_order``).
    if sort_by in CLIENT_SORT_KEYS:
        source = DrivingJoin(clients, scores, and_(scores.c.client_id == clients.c.id, on_day))
    else:
        source = scores.join(clients, clients.c.id == scores.c.client_id)
    source = source.outerjoin(owner, owner.id == clients.c.owner_id)
    page = (
        select(
            scores.c.id,
            scores.c.client_id,
            clients.c.name.label(CLIENT_NAME),
            clients.c.partner_names,
            clients.c.venue,
            clients.c.wedding_date,
            clients.c.status,
            clients.c.owner_id,
            owner.name.label(OWNER_NAME),
            scores.c.day,
            *_score_columns(),
            scores.c.updated_at,
            clients.c.last_interaction_at.label(LAST_INTERACTION),
            open_count.label(OPEN_INTERVENTIONS),
        )
        .select_from(source)
        .where(on_day, *score_filters, *client_filters)
    )
    # Missing values come last: the rows with a value in the order of the sort, then those
    # without one by name. Asked apart, each part is a walk of an index in either direction
    # on both backends (PostgreSQL cannot walk one for ``DESC NULLS LAST``).
    known, unknown = sort_expr.is_not(None), sort_expr.is_(None)
    direction = sort_expr.desc() if sort_order == "desc" else sort_expr.asc()
    by_name = (func.lower(clients.c.name), clients.c.id)
    frame = read_frame(
        session,
        page.where(known).order_by(direction, *by_name).offset(offset).limit(limit),
    )
    if len(frame) < limit and sort_by != "client_name":
        skipped = max(0, offset - count(known))
        rest = page.where(unknown).order_by(*by_name).offset(skipped).limit(limit - len(frame))
        frame = pd.concat([frame, read_frame(session, rest)], ignore_index=True)
    return _with_integer_score(frame), total


def _filters(
    risk_level: RiskLevel | str | Iterable[RiskLevel | str] | None,
    search: str | None,
    wedding_from: dt.date | None,
    wedding_to: dt.date | None,
    activity: str | None,
) -> tuple[list[ColumnElement[bool]], list[ColumnElement[bool]]]:
    """The conditions of the filters: (on the score row, on the client)."""
    scores = HealthScore.__table__
    clients = Client.__table__
    on_score: list[ColumnElement[bool]] = []
    on_client: list[ColumnElement[bool]] = []
    levels = as_list(risk_level)
    if levels is not None:
        on_score.append(scores.c.risk_level.in_([RiskLevel(level) for level in levels]))
    term = (search or "").strip()
    if term:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        on_client.append(
            or_(
                *(
                    clients.c[name].ilike(pattern, escape="\\")
                    for name in ("name", "partner_names", "venue")
                )
            )
        )
    if wedding_from is not None:
        on_client.append(clients.c.wedding_date >= wedding_from)
    if wedding_to is not None:
        on_client.append(clients.c.wedding_date <= wedding_to)
    days = scores.c[F_DAYS_SINCE_ACTIVITY]
    if activity == "active":
        on_score.append(days <= ACTIVE_MAX_DAYS)
    elif activity == "idle":
        on_score.append(and_(days > ACTIVE_MAX_DAYS, days <= IDLE_MAX_DAYS))
    elif activity == "dormant":
        on_score.append(or_(days > IDLE_MAX_DAYS, days.is_(None)))
    return on_score, on_client


def _with_integer_score(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``score``: the overall score as shown, an integer rounded half up."""
    score = pd.array(round_half_up(frame[OVERALL].to_numpy(dtype=float)), dtype="Int64")
    return frame.assign(**{SCORE_INT: score})


def score_history(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    client_ids: Iterable[str] | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Stored scores from ``start`` to ``end`` inclusive, ordered by client and day.

    ``columns`` picks score columns (default: all of ``STORED_SCORE_COLUMNS``);
    ``client_id`` and ``day`` always come first.
    """
    names = _checked_columns(columns)
    scores = HealthScore.__table__
    stmt = (
        select(scores.c.client_id, scores.c.day, *_score_columns(names))
        .where(scores.c.day >= start, scores.c.day <= end)
        .order_by(scores.c.client_id, scores.c.day)
    )
    if client_ids is not None:
        stmt = stmt.where(scores.c.client_id.in_(list(client_ids)))
    return read_frame(session, stmt)


def scores_on(
    session: Session, day: dt.date, *, client_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """Every stored score column of ``day``, one row per client, with ``updated_at``; by client."""
    scores = HealthScore.__table__
    stmt = (
        select(scores.c.client_id, scores.c.day, *_score_columns(), scores.c.updated_at)
        .where(scores.c.day == day)
        .order_by(scores.c.client_id)
    )
    if client_ids is not None:
        stmt = stmt.where(scores.c.client_id.in_(list(client_ids)))
    return _with_integer_score(read_frame(session, stmt))


def daily_summary(session: Session, *, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Per day from ``start`` to ``end``: clients scored, mean overall score and clients per risk level.

    Columns ``day``, ``clients``, ``mean_overall`` and one count column per
    risk level value (``low`` ... ``critical``); days without scores are absent.
    """
    scores = HealthScore.__table__
    per_level = [
        func.sum(case((scores.c.risk_level == level, 1), else_=0)).label(level.value)
        for level in RiskLevel
    ]
    stmt = (
        select(
            scores.c.day,
            func.count().label("clients"),
            func.avg(scores.c.overall).label("mean_overall"),
            *per_level,
        )
        .where(scores.c.day >= start, scores.c.day <= end)
        .group_by(scores.c.day)
        .order_by(scores.c.day)
    )
    frame = read_frame(session, stmt)
    counts = ["clients", *(level.value for level in RiskLevel)]
    return frame.astype({name: "int64" for name in counts} | {"mean_overall": "float64"})


def _checked_columns(columns: Sequence[str] | None) -> tuple[str, ...]:
    if columns is None:
        return STORED_SCORE_COLUMNS
    unknown = [name for name in columns if name not in STORED_SCORE_COLUMNS]
    if unknown:
        raise ValueError(f"unknown score columns: {', '.join(unknown)}")
    return tuple(name for name in columns if name not in (CLIENT_ID, DAY))
