"""Scheduled reports (``?view=schedules``): weekly or monthly reports mailed to a list of people.

Everyone sees the list: name, when it runs, the report (period, segment,
format), recipients, the next run and the last run with its result. Admins
and managers create, edit and delete schedules in a dialog, and "Run now"
builds and delivers one at once, in the background (``dashboard.services.jobs``):
the page polls until the schedule's last run is recorded and then says how
it went. Viewers read only; every callback that changes something checks the
role on the server.

A bad field is reported beside the field (``data.repositories.schedules``
raises ``ScheduleError`` naming it; ``models.schedule_field_errors`` finds
every bad field at once) and nothing is written.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import current_app

from dashboard import formatting, settings
from dashboard.admin.frame import View, page_header
from dashboard.admin.models import (
    FIELD_LABELS,
    HOURS,
    WEEKDAYS,
    ScheduleRow,
    error_text,
    run_result_text,
    schedule_field_errors,
    schedule_fields,
    schedule_form_values,
    schedules_model,
)
from dashboard.auth import permissions
from dashboard.auth.audit import audit
from dashboard.clock import display_zone, utc_now
from dashboard.components import empty_state, error_state, guarded, icon
from dashboard.ids import (
    SCHEDULE_ACTION,
    SCHEDULE_ERROR,
    ScheduleIds,
    schedule_action_id,
    schedule_error_id,
)
from dashboard.registry import Callbacks, unchanged
from dashboard.services.jobs import REPORT_RUN_LEASE, start_report_run
from dashboard.services.scheduler import scheduler_enabled
from dashboard.sessions import app_database_url, read_session, write_session
from data.models import AuditAction
from data.models_reports import ReportFormat, ReportFrequency, ReportStatus
from data.repositories import schedules as schedules_repo
from data.repositories.schedules import ScheduleChanged, ScheduleError
from scoring.enums import Period, Segment

POLL_MS = 2000
ERROR_IN_TABLE = 60  # characters of a last run's error shown in the list (all of it on hover)
# The form's controls, in the order of ``FIELD_LABELS`` (the callbacks' States and Outputs).
FIELD_CONTROLS: dict[str, ScheduleIds] = {
    "name": ScheduleIds.NAME,
    "frequency": ScheduleIds.FREQUENCY,
    "weekday": ScheduleIds.WEEKDAY,
    "day_of_month": ScheduleIds.DAY_OF_MONTH,
    "hour": ScheduleIds.HOUR,
    "period": ScheduleIds.PERIOD,
    "segment": ScheduleIds.SEGMENT,
    "format": ScheduleIds.FORMAT,
    "recipients": ScheduleIds.RECIPIENTS,
    "active": ScheduleIds.ACTIVE,
}
# Controls that can be marked invalid (a red border) besides showing their message.
INVALID_CONTROLS = ("name", "day_of_month", "recipients")
_STATUS_COLOURS = {
    ReportStatus.SENT.value: "success",
    ReportStatus.STORED.value: "info",
    ReportStatus.FAILED.value: "danger",
}


# -- layout ------------------------------------------------------------------------------


def delivery_text() -> str:
    """Where reports go from this app: SMTP, or the outbox (and ``CSD_REPORTS_DIR``)."""
    configured = settings.current()
    smtp, folder = configured.smtp, configured.reports_dir
    if smtp is not None:
        route = f"Reports are mailed through {smtp.host}:{smtp.port}."
    else:
        route = "SMTP is not configured, so reports are kept in the outbox" + (
            f" and saved in {folder}." if folder else "."
        )
    if not scheduler_enabled(current_app.config):
        route += " The scheduler is off in this app: due reports go out when cron runs csd run-schedules."
    return route


def _field(
    field: str, control: Any, *, hint: str | None = None, row_id: str | None = None
) -> html.Div:
    children: list[Any] = [
        dbc.Label(
            FIELD_LABELS[field], html_for=FIELD_CONTROLS[field], class_name="fw-semibold mb-1"
        ),
        control,
        html.Div(id=schedule_error_id(field), className="invalid-feedback d-block"),
    ]
    if hint:
        children.append(dbc.FormText(hint))
    props: dict[str, Any] = {"id": row_id} if row_id else {}
    return html.Div(children, className="mb-2", **props)


def _options(kind: type) -> list[dict[str, str]]:
    return [{"label": member.label, "value": member.value} for member in kind]


def editor() -> dbc.Modal:
    """The dialog that creates or edits a schedule; ``open_editor`` fills it in."""
    zone = display_zone().key
    form = html.Div(
        [
            _field("name", dbc.Input(id=ScheduleIds.NAME, maxlength=200, placeholder="Monday summary for the team")),
            dbc.Row(
                [
                    dbc.Col(_field("frequency", dbc.RadioItems(id=ScheduleIds.FREQUENCY, options=_options(ReportFrequency), inline=True)), md=4),
                    dbc.Col(
                        [
                            _field("weekday", dbc.Select(id=ScheduleIds.WEEKDAY, options=[{"label": day, "value": str(i)} for i, day in enumerate(WEEKDAYS)]),
                                   row_id=ScheduleIds.WEEKDAY_ROW),
                            _field("day_of_month", dbc.Input(id=ScheduleIds.DAY_OF_MONTH, type="number", min=1, max=31, step=1),
                                   hint="29–31 mean the last day of shorter months.", row_id=ScheduleIds.DAY_OF_MONTH_ROW),
                        ],
                        md=4,
                    ),
                    dbc.Col(_field("hour", dbc.Select(id=ScheduleIds.HOUR, options=[{"label": f"{h:02d}:00", "value": str(h)} for h in HOURS]),
                                   hint=f"{zone} time"), md=4),
                ]
            ),
            dbc.Row(
                [
                    dbc.Col(_field("period", dbc.Select(id=ScheduleIds.PERIOD, options=_options(Period))), md=4),
                    dbc.Col(_field("segment", dbc.Select(id=ScheduleIds.SEGMENT, options=_options(Segment))), md=4),
                    dbc.Col(_field("format", dbc.RadioItems(id=ScheduleIds.FORMAT, options=_options(ReportFormat), inline=True)), md=4),
                ]
            ),
            _field("recipients", dbc.Textarea(id=ScheduleIds.RECIPIENTS, rows=2, placeholder="lead@example.com, team@example.com"),
                   hint="Email addresses, separated by commas, semicolons or spaces."),
        ]
    )  # fmt: skip
    active = html.Div(
        [
            dbc.Switch(
                id=ScheduleIds.ACTIVE,
                label="Send on schedule (off: paused)",
                value=True,
                class_name="mb-0",
            ),
            html.Div(id=schedule_error_id("active"), className="invalid-feedback d-block"),
        ],
        className="me-auto",
    )
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("New schedule", id=ScheduleIds.EDITOR_TITLE)),
            dbc.ModalBody([form, html.Div(id=ScheduleIds.FORM_ERROR)]),
            dbc.ModalFooter(
                [
                    active,
                    dbc.Button("Cancel", id=ScheduleIds.CANCEL, n_clicks=0, color="secondary", outline=True),
                    dbc.Button([icon("bi-check2", "me-1"), "Save schedule"], id=ScheduleIds.SAVE, n_clicks=0, color="primary"),
                ]
            ),
        ],
        id=ScheduleIds.EDITOR,
        is_open=False,
        size="lg",
        backdrop="static",
        scrollable=True,
    )  # fmt: skip


def confirm_dialog() -> dbc.Modal:
    """Asks before a schedule is deleted."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Delete the schedule?")),
            dbc.ModalBody(id=ScheduleIds.CONFIRM_TEXT),
            dbc.ModalFooter(
                [
                    dbc.Button("Keep it", id=ScheduleIds.KEEP, n_clicks=0, color="secondary", outline=True),
                    dbc.Button([icon("bi-trash", "me-1"), "Delete"], id=ScheduleIds.DELETE, n_clicks=0, color="danger"),
                ]
            ),
        ],
        id=ScheduleIds.CONFIRM,
        is_open=False,
    )  # fmt: skip


def layout() -> html.Div:
    """The view's frame; ``render`` fills in the list."""
    writer = permissions.can_write()
    actions: list[Any] = []
    if writer:
        actions.append(
            dbc.Button(
                [icon("bi-plus-lg", "me-1"), "New schedule"],
                id=schedule_action_id("new"),
                n_clicks=0,
                color="primary",
            )
        )
    else:
        actions.append(
            html.Span(
                [icon("bi-lock", "me-1"), "Admins and managers can change the schedules."],
                className="text-muted small",
            )
        )
    return html.Div(
        [
            page_header(View.SCHEDULES, "Reports mailed every week or month: the KPI summary as a PDF, or the data as CSV files.", actions),
            html.P([icon("bi-info-circle", "me-1"), delivery_text()], className="small text-muted mb-3", id="sc-delivery"),
            dcc.Store(id=ScheduleIds.CHANGED, data=0),
            dcc.Store(id=ScheduleIds.PENDING, data={}),
            dcc.Store(id=ScheduleIds.EDITING),
            dcc.Store(id=ScheduleIds.DELETING),
            dcc.Interval(id=ScheduleIds.POLL, interval=POLL_MS, disabled=True),
            html.Div(id=ScheduleIds.FEEDBACK, role="status"),
            html.Div(id=ScheduleIds.TABLE),
            editor(),
            confirm_dialog(),
        ]
    )  # fmt: skip


def _last_run(row: ScheduleRow, pending: bool) -> Any:
    if pending:
        return html.Span(
            [dbc.Spinner(size="sm", spinner_class_name="me-1"), "Building the report…"],
            className="text-primary",
        )
    if not row.last_run:
        return html.Span("Never run", className="text-muted")
    parts: list[Any] = [
        html.Span(row.last_run, className="text-nowrap me-1"),
        dbc.Badge(row.last_status_label, color=_STATUS_COLOURS.get(row.last_status, "secondary"),
                  title="Stored: SMTP is not configured, so the mail is in the outbox" if row.last_status == ReportStatus.STORED.value else None),
    ]  # fmt: skip
    if row.last_error:
        short = (
            row.last_error
            if len(row.last_error) <= ERROR_IN_TABLE
            else row.last_error[: ERROR_IN_TABLE - 1].rstrip() + "…"
        )
        parts.append(html.Div(short, className="small text-danger", title=row.last_error))
    return html.Div(parts)


def schedules_table(rows: list[ScheduleRow], *, writer: bool, pending: set[int]) -> Any:
    """Every schedule, by name; with Run now, Edit and Delete for writers."""
    if not rows:
        hint = "Create one with New schedule." if writer else "An admin or manager can create one."
        return dbc.Card(
            dbc.CardBody(
                empty_state("No scheduled reports yet.", hint=hint, icon_name="bi-calendar-week")
            )
        )
    widths = {
        "Name": "17%",
        "When": "17%",
        "Report": "12%",
        "Recipients": "17%",
        "Next run": "10%",
        "Last run": "13%",
    }
    headers = list(widths) + (["Actions"] if writer else [])
    body = []
    for row in rows:
        name: list[Any] = [html.Div(row.name, className="fw-semibold")]
        if not row.active:
            name.append(dbc.Badge("Paused", color="secondary", class_name="me-1"))
        if row.created_by:
            name.append(html.Span(f"by {row.created_by}", className="small text-muted"))
        cells = [
            html.Td(name),
            html.Td(row.timing),
            html.Td(
                [
                    html.Div(row.period),
                    html.Div(f"{row.segment} · {row.format}", className="small text-muted"),
                ]
            ),
            html.Td(
                html.Div(
                    [
                        html.Div(address, className="text-truncate", title=address)
                        for address in row.recipients
                    ],
                    className="small",
                    style={"maxWidth": "14rem"},
                )
            ),
            html.Td(row.next_run, className="text-nowrap"),
            html.Td(_last_run(row, row.id in pending)),
        ]
        if writer:
            cells.append(
                html.Td(
                    html.Div(
                        [
                            dbc.Button([icon("bi-play-fill", "me-1"), "Run now"], id=schedule_action_id("run", row.id), n_clicks=0,
                                       size="sm", color="primary", outline=True, disabled=row.id in pending, class_name="text-nowrap",
                                       title="Build this report and deliver it now; its next run stays as it is"),
                            dbc.Button([icon("bi-pencil", "me-1"), "Edit"], id=schedule_action_id("edit", row.id), n_clicks=0,
                                       size="sm", color="secondary", outline=True, class_name="text-nowrap"),
                            dbc.Button([icon("bi-trash"), html.Span(f"Delete {row.name}", className="visually-hidden")],
                                       id=schedule_action_id("delete", row.id), n_clicks=0, size="sm", color="danger", outline=True,
                                       title="Delete this schedule"),
                        ],
                        className="d-flex gap-1 flex-nowrap",
                    )
                )
            )  # fmt: skip
        body.append(html.Tr(cells, id=f"sc-row-{row.id}"))
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th(h, style={"width": widths.get(h)}, className="text-nowrap") for h in headers])), html.Tbody(body)],
        hover=True, size="sm", class_name="mb-0 align-middle", responsive=True,
    )  # fmt: skip
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Span(
                    f"{len(rows)} scheduled report{'s' if len(rows) != 1 else ''}",
                    className="fw-semibold",
                )
            ),
            table,
        ],
        class_name="mb-3",
    )


def _feedback(ok: bool, text: str, *, colour: str | None = None) -> dbc.Alert:
    glyph = (
        "bi-hourglass-split"
        if colour == "info"
        else ("bi-check-circle-fill" if ok else "bi-exclamation-triangle-fill")
    )
    return dbc.Alert(
        [icon(glyph, "me-2"), text],
        color=colour or ("success" if ok else "danger"),
        dismissable=True,
        class_name="mb-3",
        id="sc-result",
    )


# -- callbacks ---------------------------------------------------------------------------


def _action_clicked() -> dict:
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(t["value"] for t in ctx.triggered):
        raise PreventUpdate
    return trigger


CALLBACKS = Callbacks()


field_states = [State(FIELD_CONTROLS[name], "value") for name in FIELD_LABELS]

# The outputs the editor's two callbacks share: each field's error and red border.
FIELD_ERRORS = Output({"type": SCHEDULE_ERROR, "field": ALL}, "children", allow_duplicate=True)
INVALID = {name: Output(FIELD_CONTROLS[name], "invalid") for name in INVALID_CONTROLS}


def _marked(errors: dict[str, str]) -> dict[str, Any]:
    """``field_errors`` (each field's message, in the order Dash lists them) and ``invalid``."""
    fields = [output["id"]["field"] for output in ctx.outputs_grouping["field_errors"]]
    return {
        "field_errors": [errors.get(field, "") for field in fields],
        "invalid": {name: name in errors for name in INVALID_CONTROLS},
    }


@CALLBACKS.callback(
    output={
        "table": Output(ScheduleIds.TABLE, "children"),
        "pending": Output(ScheduleIds.PENDING, "data"),
        "poll_off": Output(ScheduleIds.POLL, "disabled"),
        "feedback": Output(ScheduleIds.FEEDBACK, "children"),
    },
    inputs={
        "_changed": Input(ScheduleIds.CHANGED, "data"),
        "_ticks": Input(ScheduleIds.POLL, "n_intervals"),
        "pending": State(ScheduleIds.PENDING, "data"),
    },
)
@guarded(
    "the scheduled reports",
    lambda: {"table": error_state("the scheduled reports"), "pending": no_update,
             "poll_off": True, "feedback": no_update},
)  # fmt: skip
def render(_changed: int | None, _ticks: int | None, pending: dict | None) -> dict[str, Any]:
    """The list; the outcome of every "Run now" whose run has been recorded since."""
    now = utc_now()
    with read_session() as session:
        rows = schedules_model(session, zone=display_zone(), now=now)
    pending = dict(pending or {})
    by_id = {row.id: row for row in rows}
    messages: list[Any] = []
    for key, at_text in list(pending.items()):
        at = pd.Timestamp(at_text)
        row = by_id.get(int(key))
        if row is None:
            del pending[key]
        elif row.last_run_at is not None and row.last_run_at >= at:
            messages.append(_feedback(*run_result_text(row)))
            del pending[key]
        elif now - at > pd.Timedelta(REPORT_RUN_LEASE):
            messages.append(
                _feedback(False, f"“{row.name}” did not finish; the server log says why.")
            )
            del pending[key]
    table = schedules_table(
        rows, writer=permissions.can_write(), pending={int(key) for key in pending}
    )
    return {
        "table": table,
        "pending": pending,
        "poll_off": not pending,
        "feedback": messages or no_update,
    }


EDITOR_OUTPUTS = {
    "field_errors": FIELD_ERRORS,
    "is_open": Output(ScheduleIds.EDITOR, "is_open"),
    "title": Output(ScheduleIds.EDITOR_TITLE, "children"),
    "editing": Output(ScheduleIds.EDITING, "data"),
    "values": {name: Output(FIELD_CONTROLS[name], "value") for name in FIELD_LABELS},
    "form_error": Output(ScheduleIds.FORM_ERROR, "children"),
    "feedback": Output(ScheduleIds.FEEDBACK, "children", allow_duplicate=True),
    "invalid": INVALID,
}


def _editor(*, is_open: bool, feedback: Any = no_update, **opened: Any) -> dict[str, Any]:
    """The outputs of ``open_editor``: closed with ``feedback``, or open with ``opened``."""
    return {
        **unchanged(EDITOR_OUTPUTS),
        **_marked({}),
        "is_open": is_open,
        "editing": None,
        "form_error": None,
        "feedback": feedback,
        **opened,
    }


@CALLBACKS.callback(
    output=EDITOR_OUTPUTS,
    inputs={
        "_new": Input({"type": SCHEDULE_ACTION, "action": "new", "schedule": ALL}, "n_clicks"),
        "_edit": Input({"type": SCHEDULE_ACTION, "action": "edit", "schedule": ALL}, "n_clicks"),
    },
    prevent_initial_call=True,
)
@guarded(
    "the schedule form",
    lambda: _editor(is_open=False, feedback=_feedback(False, "The schedule could not be opened.")),
)
def open_editor(_new: list[int | None], _edit: list[int | None]) -> dict[str, Any]:
    """New schedule: an empty form; Edit: the schedule's fields. Admins and managers only."""
    trigger = _action_clicked()
    if not permissions.can_write():
        return _editor(is_open=False, feedback=_feedback(False, permissions.NOT_A_WRITER))
    if trigger["action"] == "new":
        values, title, editing = schedule_form_values(None), "New schedule", None
    else:
        with read_session() as session:
            frame = schedules_repo.schedules_frame(session)
        match = frame[frame["id"] == int(trigger["schedule"])]
        if match.empty:
            return _editor(
                is_open=False, feedback=_feedback(False, "That schedule no longer exists.")
            )
        row = match.iloc[0].to_dict()
        values = schedule_form_values(row)
        # The version it was opened on goes with the save: a change made meanwhile is not overwritten.
        editing = {"id": int(trigger["schedule"]), "version": int(row["version"])}
        title = f"Edit “{values['name']}”"
    return _editor(
        is_open=True,
        title=title,
        editing=editing,
        values={name: values[name] for name in FIELD_LABELS},
    )


@CALLBACKS.callback(
    Output(ScheduleIds.EDITOR, "is_open", allow_duplicate=True),
    Input(ScheduleIds.CANCEL, "n_clicks"),
    prevent_initial_call=True,
)
def cancel(clicks: int | None):
    if not clicks:
        raise PreventUpdate
    return False


@CALLBACKS.callback(
    Output(ScheduleIds.WEEKDAY_ROW, "hidden"),
    Output(ScheduleIds.DAY_OF_MONTH_ROW, "hidden"),
    Input(ScheduleIds.FREQUENCY, "value"),
)
def frequency_fields(frequency: str | None):
    """A weekly schedule asks for the day of the week, a monthly one for the day of the month."""
    monthly = frequency == ReportFrequency.MONTHLY.value
    return monthly, not monthly


SAVE_OUTPUTS = {
    "field_errors": FIELD_ERRORS,
    "is_open": Output(ScheduleIds.EDITOR, "is_open", allow_duplicate=True),
    "changed": Output(ScheduleIds.CHANGED, "data"),
    "feedback": Output(ScheduleIds.FEEDBACK, "children", allow_duplicate=True),
    "form_error": Output(ScheduleIds.FORM_ERROR, "children", allow_duplicate=True),
    "invalid": INVALID,
}


def _saved(errors: dict[str, str] | None = None, **changed: Any) -> dict[str, Any]:
    """The outputs of ``save``: the fields marked with ``errors``, and ``changed``."""
    return {**unchanged(SAVE_OUTPUTS), **_marked(errors or {}), **changed}


def _write(editing: dict | None, fields: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    """Create or change the schedule: it, or the field the rules refused (None: it is gone).

    Raises ``ScheduleChanged`` when someone else saved the schedule since it was opened.
    """
    try:
        with write_session() as session:
            if editing is None:
                schedule = schedules_repo.create_schedule(
                    session, zone=display_zone(), created_by=permissions.requester().id, **fields
                )
            else:
                schedule = schedules_repo.update_schedule(
                    session,
                    int(editing["id"]),
                    zone=display_zone(),
                    version=int(editing["version"]),
                    **fields,
                )
            written = (schedule.name, schedule.next_run_at)
            recipients = schedule.recipients
    except ScheduleError as error:
        return (), {error.field: error_text(error)}
    except LookupError:
        return None, {}
    audit(
        AuditAction.SCHEDULE_CREATED if editing is None else AuditAction.SCHEDULE_CHANGED,
        subject=written[0],
        detail=f"to {recipients}",
    )
    return written, {}


@CALLBACKS.callback(
    output=SAVE_OUTPUTS,
    inputs=[Input(ScheduleIds.SAVE, "n_clicks"), State(ScheduleIds.EDITING, "data"),
            State(ScheduleIds.CHANGED, "data"), *field_states],
    prevent_initial_call=True,
)  # fmt: skip
@guarded(
    "saving a schedule",
    # The fields keep the marks they had; only the form's message says what went wrong.
    lambda: {
        **unchanged(SAVE_OUTPUTS),
        "field_errors": [no_update] * len(ctx.outputs_grouping["field_errors"]),
        "form_error": dbc.Alert(
            "The schedule could not be saved; please try again.", color="danger"
        ),
    },
)
def save(clicks: int | None, editing: dict | None, changed: int | None, *values: Any):
    """Create or change the schedule; a bad field is shown beside it and nothing is written."""
    if not clicks:
        raise PreventUpdate
    if not permissions.can_write():
        return _saved(form_error=dbc.Alert(permissions.NOT_A_WRITER, color="danger"))
    fields = schedule_fields(dict(zip(FIELD_LABELS, values, strict=True)))
    errors = schedule_field_errors(fields)
    written: Any = ()
    if not errors:
        try:
            written, errors = _write(editing, fields)
        except ScheduleChanged as conflict:
            return _saved(form_error=dbc.Alert(str(conflict), color="warning", class_name="mb-0 py-2"))
    if written is None:
        message = _feedback(False, "That schedule no longer exists.")
        return _saved(is_open=False, changed=(changed or 0) + 1, feedback=message, form_error=None)
    if errors:
        summary = dbc.Alert(
            "Please correct the fields marked in red; nothing was saved.",
            color="danger",
            class_name="mb-0 py-2",
        )
        return _saved(errors, form_error=summary)
    name, next_run = written
    when = formatting.local_time_text(next_run, display_zone(), now=utc_now()) if next_run else None
    text = f"Saved “{name}”." + (f" Its next run: {when}." if when else " It is paused.")
    return _saved(is_open=False, changed=(changed or 0) + 1, feedback=_feedback(True, text),
                  form_error=None)  # fmt: skip


@CALLBACKS.callback(
    output={
        "is_open": Output(ScheduleIds.CONFIRM, "is_open"),
        "text": Output(ScheduleIds.CONFIRM_TEXT, "children"),
        "deleting": Output(ScheduleIds.DELETING, "data"),
    },
    inputs={
        "_clicks": Input({"type": SCHEDULE_ACTION, "action": "delete", "schedule": ALL}, "n_clicks")
    },
    prevent_initial_call=True,
)
def ask_delete(_clicks: list[int | None]) -> dict[str, Any]:
    """Ask before deleting (the delete itself checks the role)."""
    trigger = _action_clicked()
    with read_session() as session:
        try:
            name = schedules_repo.schedule_by_id(session, int(trigger["schedule"])).name
        except LookupError:
            raise PreventUpdate from None
    text = f"“{name}” will no longer be sent. Reports it has sent stay where they are."
    return {"is_open": True, "text": text, "deleting": int(trigger["schedule"])}


def _closed(feedback: Any = no_update, changed: Any = no_update) -> dict[str, Any]:
    """The outputs of ``delete``: the question closed, and what to say."""
    return {"is_open": False, "changed": changed, "feedback": feedback}


@CALLBACKS.callback(
    output={
        "is_open": Output(ScheduleIds.CONFIRM, "is_open", allow_duplicate=True),
        "changed": Output(ScheduleIds.CHANGED, "data", allow_duplicate=True),
        "feedback": Output(ScheduleIds.FEEDBACK, "children", allow_duplicate=True),
    },
    inputs={
        "_delete": Input(ScheduleIds.DELETE, "n_clicks"),
        "_keep": Input(ScheduleIds.KEEP, "n_clicks"),
        "deleting": State(ScheduleIds.DELETING, "data"),
        "changed": State(ScheduleIds.CHANGED, "data"),
    },
    prevent_initial_call=True,
)
@guarded(
    "deleting a schedule", lambda: _closed(_feedback(False, "The schedule could not be deleted."))
)
def delete(_delete: int | None, _keep: int | None, deleting: int | None, changed: int | None):
    """Delete the schedule (admins and managers only), or keep it."""
    if not any(t["value"] for t in ctx.triggered):
        raise PreventUpdate
    if ctx.triggered_id == ScheduleIds.KEEP or deleting is None:
        return _closed()
    if not permissions.can_write():
        return _closed(_feedback(False, permissions.NOT_A_WRITER))
    with write_session() as session:
        schedule = session.get(schedules_repo.ReportSchedule, int(deleting))
        name = schedule.name if schedule is not None else None
        recipients = schedule.recipients if schedule is not None else ""
        schedules_repo.delete_schedule(session, int(deleting))
    if name:
        audit(AuditAction.SCHEDULE_DELETED, subject=name, detail=f"was sent to {recipients}")
    text = f"Deleted “{name}”." if name else "That schedule had already been deleted."
    return _closed(_feedback(True, text), changed=(changed or 0) + 1)


RUN_OUTPUTS = {
    "pending": Output(ScheduleIds.PENDING, "data", allow_duplicate=True),
    "poll_off": Output(ScheduleIds.POLL, "disabled", allow_duplicate=True),
    "feedback": Output(ScheduleIds.FEEDBACK, "children", allow_duplicate=True),
    "changed": Output(ScheduleIds.CHANGED, "data", allow_duplicate=True),
}


def _not_run(message: str) -> dict[str, Any]:
    return {**unchanged(RUN_OUTPUTS), "feedback": _feedback(False, message)}


@CALLBACKS.callback(
    output=RUN_OUTPUTS,
    inputs={
        "_clicks": Input({"type": SCHEDULE_ACTION, "action": "run", "schedule": ALL}, "n_clicks"),
        "pending": State(ScheduleIds.PENDING, "data"),
        "changed": State(ScheduleIds.CHANGED, "data"),
    },
    prevent_initial_call=True,
)
@guarded("running a schedule", lambda: _not_run("The report could not be started."))
def run_now(_clicks: list[int | None], pending: dict | None, changed: int | None):
    """Build and deliver one schedule's report now, in the background (admins and managers only)."""
    trigger = _action_clicked()
    if not permissions.can_write():
        return _not_run(permissions.NOT_A_WRITER)
    schedule_id = int(trigger["schedule"])
    now = utc_now().floor("s")
    started = start_report_run(app_database_url() or "", schedule_id, now=now, zone=display_zone())
    if not started.started:
        return _not_run(started.message)
    return {
        "pending": {**(pending or {}), str(schedule_id): now.isoformat()},
        "poll_off": False,
        "feedback": _feedback(True, started.message, colour="info"),
        "changed": (changed or 0) + 1,
    }
