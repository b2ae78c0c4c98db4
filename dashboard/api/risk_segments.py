"""``GET /api/admin/customer-success/risk-segments``: clients grouped by risk level, with the tab's filters."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.orm import Session

from dashboard.api.frames import as_date, records
from dashboard.api.health_scores import pagination
from dashboard.api.operations import operation
from dashboard.api.schemas import (
    RiskClientRow,
    RiskSegment,
    RiskSegmentsQuery,
    RiskSegmentsResponse,
)
from dashboard.sessions import write_session
from data.repositories.scores import current_scores, latest_score_day
from data.repositories.summaries import CLIENTS, SCORE_SUM, SCORED, day_summaries
from scoring.columns import RISK_LEVEL
from scoring.enums import RiskLevel


@operation(
    "GET",
    "/admin/customer-success/risk-segments",
    summary="Clients segmented by risk level",
    description=(
        "How many clients are at each risk level on the latest scoring day, with their average "
        "score, and one page of the clients matching the filters (those of the Risk Segments "
        "tab). Default order: lowest score first."
    ),
    tag="Risk segments",
    response=RiskSegmentsResponse,
    query=RiskSegmentsQuery,
    errors=(400, 401),
)
def get_risk_segments(query: RiskSegmentsQuery) -> RiskSegmentsResponse:
    with write_session() as db:
        day = latest_score_day(db)
        segments = risk_segments(db, day)
        frame, total = current_scores(
            db,
            risk_level=query.risk_level,
            search=query.search,
            wedding_from=query.wedding_from,
            wedding_to=query.wedding_to,
            activity=query.activity,
            sort_by=query.sort_by,
            sort_order=query.sort_order,
            page=query.page,
            limit=query.limit,
            day=day,
        )
    rows = [client_row(row) for row in records(frame)]
    return RiskSegmentsResponse(
        score_date=day,
        segments=segments,
        data=rows,
        pagination=pagination(query.page, query.limit, total),
    )


def risk_segments(session: Session, day: dt.date | None) -> list[RiskSegment]:
    """Clients and their average integer score per risk level on ``day``; every level, low first.

    Read from the daily score summary: a few rows, whatever the size of the book.
    """
    summary = (
        day_summaries(session, start=day, end=day)
        if day is not None
        else pd.DataFrame({RISK_LEVEL: [], CLIENTS: [], SCORED: [], SCORE_SUM: []})
    )
    per_level = summary.groupby(RISK_LEVEL)[[CLIENTS, SCORED, SCORE_SUM]].sum()
    segments = []
    for level in RiskLevel:
        clients, scored, total = (
            per_level.loc[level.value].tolist() if level.value in per_level.index else (0, 0, 0)
        )
        low, high = level.band
        # Like a mean over every row: no average when a row has no overall score.
        average = (
            (float(total) / clients if scored == clients else float("nan")) if clients else None
        )
        segments.append(
            RiskSegment(
                risk_level=level,
                label=level.label,
                min_score=low,
                max_score=high,
                action=level.action,
                count=int(clients),
                average_score=average,
            )
        )
    return segments


def client_row(row: dict) -> RiskClientRow:
    day = as_date(row["day"])
    wedding = as_date(row["wedding_date"])
    return RiskClientRow(
        client_id=row["client_id"],
        client_name=row["client_name"],
        partner_names=row["partner_names"],
        venue=row["venue"],
        wedding_date=wedding,
        days_to_wedding=(wedding - day).days if wedding and day else None,
        current_score=row["score"],
        risk_level=row["risk_level"],
        trend_direction=row["trend"] or "stable",
        coverage=row["coverage"],
        primary_factor=row["primary_factor"],
        last_interaction=row["last_interaction"],
        open_interventions=row["open_interventions"] or 0,
        owner_id=row["owner_id"],
        owner_name=row["owner_name"],
        last_updated=row["updated_at"],
    )
