"""``/api/admin/customer-success/runs/{id}``: the state of one scoring run.

A recalculation answers 202 with this URL; a client reads it until ``status``
is no longer ``running``. Dead runs are settled first (``settle_dead_runs``),
so a run whose process died reads ``interrupted``, never ``running`` for ever.
A failed run's recorded error (SQL text and all) is for admins; the other
roles read a plain sentence, as on System status.
"""

from __future__ import annotations

from flask import request, url_for

from dashboard.api.errors import ApiError
from dashboard.api.operations import operation
from dashboard.api.schemas import MAX_ID, RunResponse, RunState
from dashboard.auth import permissions
from dashboard.sessions import write_session
from data.models import RunStatus, ScoringRun
from data.repositories.runs import settle_dead_runs

PATH = "/admin/customer-success/runs"
FAILED_FOR_NON_ADMINS = "The run failed and wrote nothing; an admin can see why on System status."


def run_url(run_id: int) -> str:
    """The API URL (a path) of run ``run_id``, inside a request of the API."""
    return url_for(f"{request.blueprint}.{get_run.__name__}", run_id=run_id)


@operation(
    "GET",
    PATH + "/<int:run_id>",
    summary="Read a scoring run's state",
    description=(
        "A scoring run (the daily job's, a recalculation's, `csd score`'s): `running`, "
        "`succeeded` with its counts, `failed` (nothing written) or `interrupted` (its process "
        "stopped before it finished; nothing written). A recalculation answers 202 with this URL."
    ),
    tag="Health scores",
    response=RunResponse,
    path_params={"run_id": "The run's id"},
    errors=(401, 404),
)
def get_run(run_id: int) -> RunResponse:
    if run_id > MAX_ID:  # beyond any stored id (and the database's integer)
        raise ApiError(404, f"There is no scoring run {run_id}.")
    with write_session() as db:
        settle_dead_runs(db)
        run = db.get(ScoringRun, run_id)
        if run is None:
            raise ApiError(404, f"There is no scoring run {run_id}.")
        return RunResponse(data=run_state(run, admin=permissions.is_admin()))


def run_state(run: ScoringRun, *, admin: bool) -> RunState:
    """The API's view of ``run``; the error text in full for an admin only."""
    error = run.error
    if error and not admin and run.status == RunStatus.FAILED:
        error = FAILED_FOR_NON_ADMINS
    return RunState(
        id=run.id,
        status=run.status.value,
        as_of=run.as_of,
        all_clients=run.all_clients,
        started_at=run.started_at,
        finished_at=run.finished_at,
        duration_seconds=run.duration_seconds,
        clients_scored=run.clients_scored,
        clients_skipped=run.clients_skipped,
        interventions_created=run.interventions_created,
        alerts_created=run.alerts_created,
        error=error,
    )
