"""``/api/admin/customer-success/health-scores``: the current scores, and recalculating them.

A recalculation is a background run (``dashboard.services.jobs``, the path of
"Recalculate now"): the request answers 202 with the run's URL at once, so no
worker is held for the length of a run and no request waits on the scoring
lock.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from dashboard.api.errors import ApiError
from dashboard.api.frames import as_date, records
from dashboard.api.operations import operation
from dashboard.api.runs import run_url
from dashboard.api.schemas import (
    HealthScoreRow,
    HealthScoresPage,
    HealthScoresQuery,
    Pagination,
    RecalculateRequest,
    RecalculateResponse,
    RunStarted,
)
from dashboard.auth.audit import audit
from dashboard.clock import display_zone, utc_now
from dashboard.services.jobs import start_recalculation
from dashboard.sessions import write_session
from data.models import AuditAction
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
        "Start a scoring run for today, in the background, for the given clients (every client "
        "when `client_ids` is omitted), with trends, alerts (mailed as the daily job mails them) "
        "and automatic interventions, as the daily job does. Clients already scored today are "
        "skipped unless `force_recalculate` is true. Answers 202 at once with the run's URL "
        "(`GET runs/{id}`, also in `Location`), to read until its status is no longer "
        "`running`; 409 with that run's id and URL while another run is going. Admins and "
        "managers, as Recalculate now in the app."
    ),
    tag="Health scores",
    response=RecalculateResponse,
    status=202,
    body=RecalculateRequest,
    body_required=False,
    write=True,
    errors=(400, 401, 403, 409, 415),
    links={"GetRun": ("get_run", {"run_id": "$response.body#/data/run_id"})},
)
def recalculate_health_scores(body: RecalculateRequest) -> tuple[RecalculateResponse, dict]:
    client_ids = list(dict.fromkeys(body.client_ids)) if body.client_ids is not None else None
    if client_ids is not None:
        _refuse_unknown(client_ids)
    started = start_recalculation(
        current_app.config["DATABASE_URL"],
        now=utc_now().floor("s"),
        zone=display_zone(),
        client_ids=client_ids,
        force=body.force_recalculate,
    )
    if not started.started:
        raise ApiError(
            409,
            started.message,
            code="run_going",
            details={"run_id": started.run_id, "url": run_url(started.run_id)}
            if started.run_id is not None
            else None,
        )
    url = run_url(started.run_id)
    audit(
        AuditAction.RECALCULATION,
        subject=f"run {started.run_id}",
        detail=f"API; {len(client_ids):,} clients" if client_ids else "API; every client",
    )
    return RecalculateResponse(data=RunStarted(run_id=started.run_id, url=url)), {"Location": url}


def _refuse_unknown(client_ids: list[str]) -> None:
    with write_session() as db:
        known = existing_client_ids(db, client_ids)
    unknown = [client_id for client_id in client_ids if client_id not in known]
    if not unknown:
        return
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
