"""``/api/admin/customer-success/interventions``: the queue, and creating, changing and cancelling work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dashboard.api.errors import ApiError
from dashboard.api.health_scores import pagination
from dashboard.api.operations import operation
from dashboard.api.schemas import (
    MAX_ID,
    CancelQuery,
    InterventionCreate,
    InterventionDetail,
    InterventionOut,
    InterventionResponse,
    InterventionsPage,
    InterventionsQuery,
    InterventionUpdate,
)
from dashboard.auth.members import signed_in_user
from dashboard.services import interventions
from dashboard.services.interventions import (
    InterventionConflict,
    InterventionError,
    InterventionNotFound,
)
from dashboard.sessions import write_session

PATH = "/admin/customer-success/interventions"
ITEM_PATH = PATH + "/<int:intervention_id>"
ITEM_PARAMS = {"intervention_id": "Id of the intervention"}


@contextmanager
def _answering_errors() -> Iterator[None]:
    """Turn the rules' refusals into API errors: 400 naming the field, 404, 409."""
    try:
        yield
    except InterventionNotFound as exc:
        raise ApiError(404, exc.message) from None
    except InterventionConflict as exc:
        raise ApiError(409, exc.message, code=exc.code, details=exc.details) from None
    except InterventionError as exc:
        details = [{"field": exc.field, "message": exc.message}] if exc.field else exc.details
        raise ApiError(400, exc.message, code="invalid_body", details=details) from None


def _actor_id() -> int | None:
    user = signed_in_user()
    return user.id if user is not None else None


def _known_id(intervention_id: int) -> int:
    if intervention_id > MAX_ID:
        raise ApiError(404, f"There is no intervention {intervention_id}.")
    return intervention_id


def _detail(intervention) -> InterventionResponse:
    return InterventionResponse(
        data=InterventionDetail(**interventions.intervention_record(intervention, with_notes=True))
    )


@operation(
    "GET",
    PATH,
    summary="List interventions",
    description=(
        "Interventions matching the filters, one page at a time. Default order: the queue "
        "(priority, urgent first; overdue first; then due date)."
    ),
    tag="Interventions",
    response=InterventionsPage,
    query=InterventionsQuery,
    errors=(400, 401),
)
def list_interventions(query: InterventionsQuery) -> InterventionsPage:
    filters = query.model_dump(exclude={"page", "limit", "sort_by", "sort_order"})
    with write_session() as db:
        items, total = interventions.list_interventions(
            db,
            **filters,
            sort_by=query.sort_by,
            sort_order=query.sort_order,
            page=query.page,
            limit=query.limit,
        )
        rows = [InterventionOut(**record) for record in interventions.intervention_records(items)]
    return InterventionsPage(data=rows, pagination=pagination(query.page, query.limit, total))


@operation(
    "POST",
    PATH,
    summary="Create an intervention",
    description=(
        "A pending manual intervention. Without `due_date` it is due by priority: urgent in 24 "
        "hours, high 48 hours, medium 7 days, low 30 days. `assigned_to` is the user id of an "
        "active admin or manager."
    ),
    tag="Interventions",
    response=InterventionResponse,
    status=201,
    body=InterventionCreate,
    write=True,
    errors=(400, 401, 403, 415),
    links={
        "GetIntervention": ("get_intervention", {"intervention_id": "$response.body#/data/id"}),
        "UpdateIntervention": (
            "update_intervention",
            {"intervention_id": "$response.body#/data/id"},
        ),
        "CancelIntervention": (
            "cancel_intervention",
            {"intervention_id": "$response.body#/data/id"},
        ),
    },
)
def create_intervention(body: InterventionCreate) -> tuple[InterventionResponse, dict[str, str]]:
    with _answering_errors(), write_session() as db:
        intervention = interventions.create_intervention(
            db, actor_id=_actor_id(), **body.model_dump()
        )
        response = _detail(intervention)
    return response, {"Location": f"/api{PATH}/{response.data.id}"}


@operation(
    "GET",
    ITEM_PATH,
    summary="Get one intervention with its notes",
    tag="Interventions",
    response=InterventionResponse,
    errors=(401, 404),
    path_params=ITEM_PARAMS,
)
def get_intervention(intervention_id: int) -> InterventionResponse:
    with _answering_errors(), write_session() as db:
        return _detail(
            interventions.get_intervention(db, _known_id(intervention_id), with_notes=True)
        )


@operation(
    "PUT",
    ITEM_PATH,
    summary="Update an intervention",
    description=(
        "Change any of status, priority, assigned_to, due_date, title, description, outcome "
        "and client_responded, and append a `note`. Send the `version` you read: 409 when the "
        "intervention changed since, or when the status move is not allowed (pending -> "
        "in_progress -> completed; any open status -> cancelled). Completing needs an outcome."
    ),
    tag="Interventions",
    response=InterventionResponse,
    body=InterventionUpdate,
    write=True,
    errors=(400, 401, 403, 404, 409, 415),
    path_params=ITEM_PARAMS,
)
def update_intervention(intervention_id: int, body: InterventionUpdate) -> InterventionResponse:
    changes = {name: getattr(body, name) for name in body.model_fields_set - {"version", "note"}}
    with _answering_errors(), write_session() as db:
        intervention = interventions.update_intervention(
            db,
            _known_id(intervention_id),
            actor_id=_actor_id(),
            version=body.version,
            changes=changes,
            note=body.note,
        )
        return _detail(intervention)


@operation(
    "DELETE",
    ITEM_PATH,
    summary="Cancel an intervention",
    description=(
        "Cancels an open intervention and keeps it, with its history (the guide's \"Cancel "
        "intervention\"): a GET afterwards still returns it, with status `cancelled`. 409 when "
        "it is already completed or cancelled, or when `version` is given and is not the "
        "current one."
    ),
    tag="Interventions",
    response=InterventionResponse,
    query=CancelQuery,
    write=True,
    errors=(400, 401, 403, 404, 409),
    path_params=ITEM_PARAMS,
)
def cancel_intervention(intervention_id: int, query: CancelQuery) -> InterventionResponse:
    with _answering_errors(), write_session() as db:
        intervention = interventions.cancel_intervention(
            db, _known_id(intervention_id), actor_id=_actor_id(), version=query.version
        )
        return _detail(intervention)
