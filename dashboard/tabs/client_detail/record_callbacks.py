"""The client record's callbacks: open and close the edit form, save it, recalculate the client.

Both writes are checked on the server (managers and admins); the buttons are
only shown to them. A save re-draws the detail by bumping the detail's key
(``edits``); a recalculation is a scoring run of this one client
(``services.jobs.start_recalculation``), polled until it ends, after which
the navbar (and with it every view) learns of the new run.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard.auth import permissions
from dashboard.auth.audit import audit, current_sender
from dashboard.clock import display_zone, utc_now
from dashboard.components import guarded
from dashboard.formatting import first_line
from dashboard.ids import ClientDetailIds as Ids
from dashboard.ids import ShellIds
from dashboard.registry import Callbacks
from dashboard.services.client_records import (
    LABELS,
    ClientRecord,
    RecordError,
    edit_client_record,
    read_form,
    record_of,
)
from dashboard.services.jobs import start_recalculation
from dashboard.sessions import app_database_url, read_session, write_session
from dashboard.tabs.client_detail.record import FIELD_IDS
from data.models import AuditAction, Client, RunStatus, ScoringRun
from scoring.enums import ClientStatus

CALLBACKS = Callbacks()

# A one-client run takes a second or two; past this the page stops waiting and says where to look.
POLL_GIVE_UP_SECONDS = 120

FEEDBACK = {
    "children": Output(Ids.RECORD_FEEDBACK, "children", allow_duplicate=True),
    "color": Output(Ids.RECORD_FEEDBACK, "color", allow_duplicate=True),
    "is_open": Output(Ids.RECORD_FEEDBACK, "is_open", allow_duplicate=True),
}


def _say(message: str, color: str = "success") -> dict[str, Any]:
    return {"children": message, "color": color, "is_open": True}


@CALLBACKS.callback(
    Output(Ids.RECORD_FORM, "is_open"),
    Output(Ids.RECORD_BASE, "data"),
    Input(Ids.RECORD_EDIT, "n_clicks"),
    Input(Ids.RECORD_CANCEL, "n_clicks"),
    State(Ids.KEY, "data"),
    prevent_initial_call=True,
)
def toggle_form(edit: int | None, _cancel: int | None, key: dict | None):
    """ "Edit record" opens the form on the record as it is now; Cancel closes it."""
    if ctx.triggered_id == Ids.RECORD_CANCEL:
        return False, None
    if not edit or not key:
        raise PreventUpdate
    with read_session() as session:
        client = session.get(Client, str(key["client"]))
        if client is None:
            raise PreventUpdate
        base = record_of(client).to_json()
    return True, base


@CALLBACKS.callback(
    Output(Ids.RECORD_ENDED, "disabled"),
    Input(Ids.RECORD_STATUS, "value"),
    prevent_initial_call=True,
)
def ended_only_when_ended(status: str | None) -> bool:
    """The "Ended on" day is asked only of a churned or completed client."""
    return (status or ClientStatus.ACTIVE.value) == ClientStatus.ACTIVE.value


SAVE_OUTPUTS = {
    "feedback": FEEDBACK,
    "invalid": {name: Output(control, "invalid") for name, control in FIELD_IDS.items()},
    "key": Output(Ids.KEY, "data", allow_duplicate=True),
}


def _not_saved(message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    fields = fields or {}
    return {
        "feedback": _say(message, "danger"),
        "invalid": {name: name in fields for name in FIELD_IDS},
        "key": no_update,
    }


@CALLBACKS.callback(
    output=SAVE_OUTPUTS,
    inputs={
        "clicks": Input(Ids.RECORD_SAVE, "n_clicks"),
        "values": {name: State(control, "value") for name, control in FIELD_IDS.items()},
        "base": State(Ids.RECORD_BASE, "data"),
        "key": State(Ids.KEY, "data"),
    },
    prevent_initial_call=True,
)
@guarded("saving the client record", lambda: _not_saved("The record could not be saved."))
def save_record(clicks: int | None, values: dict[str, Any], base: dict | None, key: dict | None):
    """Check the form, then save the changes (managers and admins) and re-draw the detail."""
    if not clicks or not key or not base:
        raise PreventUpdate
    if not permissions.can_write():
        return _not_saved(permissions.NOT_A_WRITER)
    now = utc_now()
    try:
        edit = read_form(values, today=now.date())
        with write_session() as session:
            result = edit_client_record(
                session, str(key["client"]), edit, base=ClientRecord.from_json(base),
                sender=current_sender(), author_name=permissions.requester().name,
                note=str(values.get("note") or ""), now=now.to_pydatetime(),
            )  # fmt: skip
    except RecordError as error:
        lines = [f"{error.message}"] + [
            f"{label}: {error.fields[name]}"
            for name, label in _FIELD_LABELS.items()
            if name in error.fields
        ]
        return _not_saved(" ".join(lines), error.fields)
    if not result.changes and not values.get("note"):
        return {**_not_saved("Nothing changed."), "feedback": _say("Nothing changed.", "secondary")}
    parts = [f"Saved: {len(result.changes)} change{'s' if len(result.changes) != 1 else ''}"
             if result.changes else "Note saved"]  # fmt: skip
    if result.interventions_moved:
        parts.append(f"{result.interventions_moved} automatic intervention"
                     f"{'s' if result.interventions_moved != 1 else ''} moved to the new owner")  # fmt: skip
    if result.score_days_removed:
        parts.append(f"scores of {result.score_days_removed} day"
                     f"{'s' if result.score_days_removed != 1 else ''} from the end day removed")  # fmt: skip
    if edit.status == ClientStatus.ACTIVE and ClientStatus(base["status"]) != ClientStatus.ACTIVE:
        parts.append("the client is scored again from the next run (or Recalculate this client)")
    return {
        "feedback": _say("; ".join(parts) + "."),
        "invalid": dict.fromkeys(FIELD_IDS, False),
        "key": {**key, "edits": int(key.get("edits") or 0) + 1},
    }


_FIELD_LABELS = {**LABELS, "note": "Note"}


@CALLBACKS.callback(
    output={
        "feedback": FEEDBACK,
        "request": Output(Ids.RECALCULATE_REQUEST, "data"),
        "poll_off": Output(Ids.RECALCULATE_POLL, "disabled"),
    },
    inputs={"clicks": Input(Ids.RECALCULATE, "n_clicks"), "key": State(Ids.KEY, "data")},
    prevent_initial_call=True,
)
@guarded(
    "recalculating a client",
    lambda: {
        "feedback": _say("The recalculation could not be started.", "danger"),
        "request": no_update,
        "poll_off": True,
    },  # fmt: skip
)
def recalculate_client(clicks: int | None, key: dict | None) -> dict[str, Any]:
    """Score this client again for today (managers and admins), unless a run is going."""
    if not clicks or not key:
        raise PreventUpdate
    if not permissions.can_write():
        return {"feedback": _say(permissions.NOT_A_WRITER, "danger"), "request": no_update,
                "poll_off": True}  # fmt: skip
    client_id = str(key["client"])
    now = utc_now().floor("s")
    started = start_recalculation(app_database_url() or "", now=now, zone=display_zone(),
                                  client_ids=[client_id])  # fmt: skip
    if not started.started:
        return {"feedback": _say(started.message, "warning"), "request": no_update,
                "poll_off": True}  # fmt: skip
    audit(AuditAction.RECALCULATION, subject=f"run {started.run_id}",
          detail=f"Recalculate this client ({client_id})")  # fmt: skip
    return {
        "feedback": _say("Recalculating this client…", "info"),
        "request": {"run_id": started.run_id, "at": now.isoformat()},
        "poll_off": False,
    }


@CALLBACKS.callback(
    output={
        "feedback": FEEDBACK,
        "request": Output(Ids.RECALCULATE_REQUEST, "data", allow_duplicate=True),
        "poll_off": Output(Ids.RECALCULATE_POLL, "disabled", allow_duplicate=True),
        "navbar_changed": Output(ShellIds.NAVBAR_CHANGED, "data", allow_duplicate=True),
    },
    inputs={
        "_ticks": Input(Ids.RECALCULATE_POLL, "n_intervals"),
        "request": State(Ids.RECALCULATE_REQUEST, "data"),
        "navbar_changed": State(ShellIds.NAVBAR_CHANGED, "data"),
    },
    prevent_initial_call=True,
)
@guarded(
    "a client's recalculation",
    lambda: {
        "feedback": _say("The recalculation's outcome could not be read.", "danger"),
        "request": None,
        "poll_off": True,
        "navbar_changed": no_update,
    },  # fmt: skip
)
def follow_recalculation(_ticks: int | None, request: dict | None, navbar_changed: int | None):
    """Wait for the client's run to end, then say how it went and let every view re-draw."""
    if not request:
        return {"feedback": no_update, "request": no_update, "poll_off": True,
                "navbar_changed": no_update}  # fmt: skip
    with read_session() as session:
        run = session.get(ScoringRun, int(request["run_id"]))
        status, error = (run.status, run.error) if run is not None else (None, None)
        scored = run.clients_scored if run is not None else 0
    if status in (None, RunStatus.RUNNING):
        waited = (utc_now() - pd.Timestamp(request["at"])).total_seconds()
        if waited < POLL_GIVE_UP_SECONDS:
            raise PreventUpdate
        message = _say("The recalculation is taking longer than expected; "
                       "System status shows its progress.", "warning")  # fmt: skip
    elif status == RunStatus.SUCCEEDED:
        message = _say("Recalculated: the score below is today's." if scored
                       else "Recalculated: the client is not scored today "
                            "(it is not active, or has no data yet).", "success")  # fmt: skip
    else:
        message = _say(f"The recalculation failed: {first_line(error or status.value)}", "danger")
    return {"feedback": message, "request": None, "poll_off": True,
            "navbar_changed": (navbar_changed or 0) + 1}  # fmt: skip
