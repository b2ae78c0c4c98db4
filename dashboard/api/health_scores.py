"""``/api/admin/customer-success/health-scores``: the current scores, and recalculating them."""

from __future__ import annotations

from typing import Any

from flask import current_app

from dashboard.api.errors import ApiError
from dashboard.api.frames import as_date, records
from dashboard.api.operations import operation
from dashboard.api.schemas import (
    HealthScoreRow,
    HealthScoresPage,
    HealthScoresQuery,
    Pagination,
    RecalculateRequest,
    RecalculateResponse,
    RecalculateResult,
)
from dashboard.sessions import write_session
from data.db import session_factory
from data.repositories.clients import existing_client_ids
from data.repositories.scores import current_scores

PATH = "/admin/customer-success/health-scores"
MAX_UNKNOWN_LISTED = 20


@operation(
    "GET",
    PATH,
    summary="List current health scores",
    description=(
        "The clients scored on the latest scoring day, one page at a time, with their integer "
        "score, risk level and trend, plus the sub-scores, coverage and wedding date. Default "
        "order: lowest score first."
    ),
    tag="Health scores",
    response=HealthScoresPage,
    query=HealthScoresQuery,
    errors=(400, 401),
)
def list_health_scores(query: HealthScoresQuery) -> HealthScoresPage:
    with write_session() as db:
        frame, total = current_scores(
            db,
            risk_level=query.risk_level,
            search=query.search,
            sort_by=query.sort_by,
            sort_order=query.sort_order,
            page=query.page,
            limit=query.limit,
        )
    rows = [health_score_row(row) for row in records(frame)]
    return HealthScoresPage(data=rows, pagination=pagination(query.page, query.limit, total))


def health_score_row(row: dict[str, Any]) -> HealthScoreRow:
    """One row of ``current_scores`` under the names of the guide's response."""
    return HealthScoreRow(
        id=row["id"],
        client_id=row["client_id"],
        client_name=row["client_name"],
        current_score=row["score"],
        risk_level=row["risk_level"],
        last_updated=row["updated_at"],
        trend_direction=row["trend"] or "stable",
        score_date=as_date(row["day"]),
        overall=row["overall"],
        engagement=row["engagement"],
        progress=row["progress"],
        satisfaction=row["satisfaction"],
        coverage=row["coverage"],
        primary_factor=row["primary_factor"],
        wedding_date=as_date(row["wedding_date"]),
    )


def pagination(page: int, limit: int, total: int) -> Pagination:
    return Pagination(page=page, limit=limit, total=total, has_next=page * limit < total)


@operation(
    "POST",
    PATH,
    summary="Recalculate today's health scores",
    description=(
        "Score the given clients (every client when `client_ids` is omitted) for today, with "
        "trends, alerts and automatic interventions, as the daily job does. Clients already "
        "scored today are skipped unless `force_recalculate` is true."
    ),
    tag="Health scores",
    response=RecalculateResponse,
    body=RecalculateRequest,
    body_required=False,
    write=True,
    errors=(400, 401, 403, 415),
)
def recalculate_health_scores(body: RecalculateRequest) -> RecalculateResponse:
    client_ids = list(dict.fromkeys(body.client_ids)) if body.client_ids is not None else None
    if client_ids is not None:
        with write_session() as db:
            known = existing_client_ids(db, client_ids)
        unknown = [client_id for client_id in client_ids if client_id not in known]
        if unknown:
            listed = ", ".join(unknown[:MAX_UNKNOWN_LISTED]) + (
                " ..." if len(unknown) > MAX_UNKNOWN_LISTED else ""
            )
            raise ApiError(
                400,
                f"Invalid field client_ids: no client with id {listed}.",
                code="invalid_body",
                details=[
                    {
                        "field": f"client_ids[{client_ids.index(client_id)}]",
                        "message": "no client with this id",
                    }
                    for client_id in unknown[:MAX_UNKNOWN_LISTED]
                ],
            )
    outcome = run_scoring_job(
        current_app.config["DATABASE_URL"], client_ids=client_ids, force=body.force_recalculate
    )
    return RecalculateResponse(data=outcome)


def run_scoring_job(
    database_url: str, *, client_ids: list[str] | None, force: bool
) -> RecalculateResult:
    """Run the daily scoring job for today (``data.scoring_job.run_scoring``) and report its counts."""
    from data.scoring_job import ScoringFailed, run_scoring

    try:
        summary = run_scoring(session_factory(database_url), client_ids=client_ids, force=force)
    except ScoringFailed:
        current_app.logger.exception("Recalculation through the API failed")
        raise ApiError(
            500,
            "The scoring run failed and wrote nothing; the error is recorded with the scoring runs.",
            code="scoring_failed",
        ) from None
    return RecalculateResult(
        as_of=summary.as_of,
        clients_scored=summary.clients_scored,
        clients_skipped=summary.clients_skipped,
        interventions_created=summary.interventions_created,
        alerts_created=summary.alerts_created,
    )
