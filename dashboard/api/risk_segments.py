"""``GET /api/admin/customer-success/risk-segments``: clients grouped by risk level, with the tab's filters."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import select
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
from dashboard.auth import app_session
from data.models import HealthScore
from data.repositories.scores import current_scores, latest_score_day
from scoring.enums import RiskLevel
from scoring.health import round_half_up


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
    with app_session() as db:
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
    """Clients and their average integer score per risk level on ``day``; every level, low first."""
    if day is None:
        scores = pd.DataFrame({"risk_level": [], "overall": []})
    else:
        rows = session.execute(
            select(HealthScore.risk_level, HealthScore.overall).where(HealthScore.day == day)
        ).all()
        scores = pd.DataFrame(
            {"risk_level": [str(RiskLevel(r[0])) for r in rows], "overall": [r[1] for r in rows]}
        )
    integer = round_half_up(scores["overall"].to_numpy(dtype=float))
    segments = []
    for level in RiskLevel:
        mine = integer[(scores["risk_level"] == level.value).to_numpy()]
        low, high = level.band
        segments.append(
            RiskSegment(
                risk_level=level,
                label=level.label,
                min_score=low,
                max_score=high,
                action=level.action,
                count=len(mine),
                average_score=float(np.mean(mine)) if len(mine) else None,
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
