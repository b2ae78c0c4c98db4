"""System status (``?view=status``): the last scoring runs, the data refresh time and the scheduler.

The guide's Troubleshooting starts here ("check system status", "check the
data refresh timestamp", "manually trigger score recalculation"). Everyone
sees the page; admins and managers have "Recalculate now" (the API's
recalculation takes the same roles), which starts a run in a background
thread (``dashboard.services.jobs``) and returns at once. Managers have it
because the guide's troubleshooting ("manually trigger score recalculation")
is a team lead's step, and they could already do it through the API. The page
then polls every ``POLL_MS`` while a run is going (anyone's: the daily job's
too), showing its progress, and says how the recalculation ended when its row
in ``scoring_runs`` is finished. A second recalculation is refused while a
run is going.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import current_app

from dashboard import settings
from dashboard.admin.frame import View, page_header
from dashboard.admin.models import (
    RunRow,
    StatusModel,
    finished_run_text,
    progress,
    run_started_at,
    status_model,
)
from dashboard.auth import permissions
from dashboard.auth.audit import audit
from dashboard.clock import display_zone, utc_now
from dashboard.components import empty_state, error_state, fact_card, guarded, icon
from dashboard.ids import ShellIds, StatusIds
from dashboard.registry import Callbacks, unchanged
from dashboard.services.jobs import start_recalculation
from dashboard.services.scheduler import scheduler_enabled
from dashboard.sessions import app_database_url, read_session, write_session
from data.models import AuditAction
from data.repositories.runs import settle_dead_runs

POLL_MS = 1500
START_TIMEOUT_SECONDS = 60  # a recalculation whose run row has not appeared by then did not start

_STATE_COLOURS = {
    "succeeded": "success",
    "failed": "danger",
    "running": "primary",
    "interrupted": "warning",
}


def layout() -> html.Div:
    """The view's frame; ``refresh`` fills in the facts and the runs."""
    actions: list[Any] = []
    if not permissions.can_write():
        actions.append(
            html.Span(
                [icon("bi-lock", "me-1"), "Only admins and managers can recalculate the scores."],
                className="text-muted small",
            )
        )
    actions.append(
        dbc.Button(
            [icon("bi-arrow-repeat", "me-1"), "Recalculate now"],
            id=StatusIds.RECALCULATE,
            n_clicks=0,
            color="primary",
            disabled=True,  # until ``refresh`` has seen that no run is going (and for non-admins)
            title="Score every active client again for today, in the background",
        )
    )
    return html.Div(
        [
            page_header(
                View.STATUS,
                "When the scores were last calculated, how the scoring runs went, and where the data comes from.",
                actions,
            ),
            dcc.Store(id=StatusIds.REQUEST),
            dcc.Interval(id=StatusIds.POLL, interval=POLL_MS, disabled=True),
            html.Div(id=StatusIds.FEEDBACK, role="status"),
            html.Div(id=StatusIds.PROGRESS),
            html.Div(id=StatusIds.FACTS),
            html.Div(id=StatusIds.SOURCES),
            html.Div(id=StatusIds.RUNS),
        ]
    )


def facts(model: StatusModel) -> dbc.Row:
    """Three cards: the data refresh time, the latest run, the scheduler (and where mail goes)."""
    refreshed = (
        fact_card("Data refreshed", model.refreshed, f"Scores of {model.refreshed_day} · {model.zone} time",
              "bi-clock-history", "st-refreshed")
        if model.refreshed
        else fact_card("Data refreshed", "Not yet", "No scoring run has finished yet.", "bi-clock-history", "st-refreshed")
    )  # fmt: skip
    latest = model.latest
    if latest is None:
        latest_card = fact_card(
            "Latest run",
            "None yet",
            "Runs appear here once the scoring has run.",
            "bi-list-check",
            "st-latest",
        )
    else:
        badge = dbc.Badge(
            latest.state_label,
            color=_STATE_COLOURS.get(latest.state, "secondary"),
            class_name="ms-2 fs-6 align-middle",
        )
        detail = (
            latest.error
            if latest.state in ("failed", "interrupted")
            else f"Started {latest.started} · {latest.duration}"
        )
        latest_card = fact_card(
            "Latest run", [latest.started, badge], detail, "bi-list-check", "st-latest"
        )
    if model.scheduler_on:
        scheduler = fact_card(
            "Scheduler",
            "On",
            [
                f"Next daily run {model.next_daily} (every day at {model.score_at}).",
                html.Br(),
                model.mail_text,
            ],
            "bi-calendar-check",
            "st-scheduler",
        )
    else:
        scheduler = fact_card(
            "Scheduler",
            "Off in this app",
            [
                "The daily scoring runs when cron runs csd daily-job (CSD_SCHEDULER=off).",
                html.Br(),
                model.mail_text,
            ],
            "bi-calendar-x",
            "st-scheduler",
        )
    return dbc.Row([refreshed, latest_card, scheduler], class_name="g-3")  # fmt: skip


def _state_badge(row: RunRow) -> dbc.Badge:
    return dbc.Badge(
        row.state_label, color=_STATE_COLOURS.get(row.state, "secondary"), class_name="run-state"
    )


def _count(row: RunRow, value: int) -> str:
    """A run's count; a dash while it is going or when it did not finish (nothing was written)."""
    return f"{value:,}" if row.state == "succeeded" else "–"


def runs_table(rows: list[RunRow]) -> dbc.Card:
    """The last scoring runs, newest first."""
    if not rows:
        body: Any = dbc.CardBody(
            empty_state(
                "No scoring runs yet.",
                hint="The daily job, csd score or Recalculate now record one.",
                icon_name="bi-list-check",
            )
        )
    else:
        with_errors = any(row.error for row in rows)
        header = html.Thead(
            html.Tr(
                [
                    html.Th("Started"), html.Th("Scored day"), html.Th("Result"), html.Th("Duration", className="text-end"),
                    html.Th("Clients scored", className="text-end"), html.Th("Interventions", className="text-end"),
                    html.Th("Alerts", className="text-end"),
                    *([html.Th("Error", className="ps-4")] if with_errors else []),
                ]
            )
        )  # fmt: skip
        body_rows = [
            html.Tr(
                [
                    html.Td(row.started, className="text-nowrap"),
                    html.Td(row.as_of, className="text-nowrap"),
                    html.Td(_state_badge(row)),
                    html.Td(row.duration, className="text-end text-nowrap"),
                    *(
                        html.Td(_count(row, value), className="text-end")
                        for value in (
                            row.clients_scored,
                            row.interventions_created,
                            row.alerts_created,
                        )
                    ),
                    *(
                        [
                            html.Td(
                                row.error,
                                className="small text-danger ps-4",
                                style={"maxWidth": "28rem"},
                            )
                        ]
                        if with_errors
                        else []
                    ),
                ],
                id=f"st-run-{row.id}",
            )
            for row in rows
        ]
        body = dbc.Table(
            [header, html.Tbody(body_rows)],
            hover=True,
            size="sm",
            class_name="mb-0 align-middle",
            responsive=True,
        )
    return dbc.Card(
        [dbc.CardHeader(html.Span(f"Last {len(rows)} scoring runs" if rows else "Scoring runs", className="fw-semibold")), body],
        class_name="mb-3",
    )  # fmt: skip


def progress_panel(model: StatusModel, now: pd.Timestamp) -> Any:
    """The bar of a run that is going, or nothing."""
    running = model.running
    if running is None:
        return None
    elapsed = (now - running.started_at).total_seconds()
    percent, label = progress(elapsed, model.expected_seconds)
    bar = dbc.Progress(
        value=percent if percent is not None else 100,
        color="primary",
        striped=True,
        animated=True,
        style={"height": "0.75rem"},
        class_name="mb-1",
    )
    return dbc.Alert(
        [
            html.Div([dbc.Spinner(size="sm", spinner_class_name="me-2"), html.Span(label, id="st-progress-label")], className="d-flex align-items-center mb-2"),
            bar,
            html.Div(f"Started {running.started}. You can leave this page; the run goes on.", className="small text-muted"),
        ],
        color="light",
        class_name="border mb-3",
    )  # fmt: skip


def _feedback(ok: bool, text: str) -> dbc.Alert:
    return dbc.Alert(
        [icon("bi-check-circle-fill" if ok else "bi-exclamation-triangle-fill", "me-2"), text],
        color="success" if ok else "danger",
        dismissable=True,
        class_name="mb-3",
        id="st-result",
    )


def _model(now: pd.Timestamp) -> StatusModel:
    configured = settings.current()
    smtp = configured.smtp
    with write_session() as session:  # a run whose process died is marked interrupted first
        settle_dead_runs(session)
    with read_session() as session:
        return status_model(
            session,
            zone=display_zone(),
            now=now,
            scheduler_on=scheduler_enabled(current_app.config),
            score_at=configured.score_at,
            smtp_host=f"{smtp.host}:{smtp.port}" if smtp else None,
            show_errors=permissions.is_admin(),
        )


CALLBACKS = Callbacks()


def _not_started(message: str) -> dict[str, Any]:
    return {"request": no_update, "poll_off": no_update, "feedback": _feedback(False, message)}


@CALLBACKS.callback(
    output={
        "request": Output(StatusIds.REQUEST, "data"),
        "poll_off": Output(StatusIds.POLL, "disabled"),
        "feedback": Output(StatusIds.FEEDBACK, "children"),
    },
    inputs={"clicks": Input(StatusIds.RECALCULATE, "n_clicks")},
    prevent_initial_call=True,
)
@guarded(
    "starting a recalculation", lambda: _not_started("The recalculation could not be started.")
)
def recalculate(clicks: int | None) -> dict[str, Any]:
    """Start a recalculation in the background (admins and managers; refused while a run is going)."""
    if not clicks:
        raise PreventUpdate
    if not permissions.can_write():
        return _not_started("Only admins and managers can recalculate the scores.")
    now = utc_now().floor("s")
    started = start_recalculation(app_database_url() or "", now=now, zone=display_zone())
    if not started.started:
        return {**_not_started(started.message), "poll_off": False}
    audit(AuditAction.RECALCULATION, subject=f"run {started.run_id}", detail="Recalculate now")
    return {"request": {"at": now.isoformat()}, "poll_off": False, "feedback": None}


REFRESH_OUTPUTS = {
    "facts": Output(StatusIds.FACTS, "children"),
    "runs": Output(StatusIds.RUNS, "children"),
    "progress": Output(StatusIds.PROGRESS, "children"),
    "poll_off": Output(StatusIds.POLL, "disabled", allow_duplicate=True),
    "request": Output(StatusIds.REQUEST, "data", allow_duplicate=True),
    "feedback": Output(StatusIds.FEEDBACK, "children", allow_duplicate=True),
    "navbar_changed": Output(ShellIds.NAVBAR_CHANGED, "data", allow_duplicate=True),
    "recalculate_off": Output(StatusIds.RECALCULATE, "disabled"),
}


def _refresh_failed() -> dict[str, Any]:
    return {
        **unchanged(REFRESH_OUTPUTS),
        "facts": error_state("the system status"),
        "runs": None,
        "progress": None,
        "poll_off": True,
    }


@CALLBACKS.callback(
    output=REFRESH_OUTPUTS,
    inputs={
        "_ticks": Input(StatusIds.POLL, "n_intervals"),
        "request": Input(StatusIds.REQUEST, "data"),
        "navbar_changed": State(ShellIds.NAVBAR_CHANGED, "data"),
    },
    prevent_initial_call="initial_duplicate",
)
@guarded("the system status", _refresh_failed)
def refresh(_ticks: int | None, request: dict | None, navbar_changed: int | None):
    """The facts, the runs and the progress; the outcome of a requested recalculation once it finished."""
    now = utc_now()
    model = _model(now)
    feedback: Any = no_update
    navbar: Any = no_update
    waiting = resolved = False
    if request and request.get("at"):
        at = pd.Timestamp(request["at"])
        with read_session() as session:
            run = run_started_at(
                session, at, zone=display_zone(), now=now, show_errors=permissions.is_admin()
            )
        if run is not None and run.state != "running":
            feedback = _feedback(*finished_run_text(run))
            navbar = (navbar_changed or 0) + 1
            resolved = True
        elif run is None and (now - at).total_seconds() > START_TIMEOUT_SECONDS:
            feedback = _feedback(False, "The recalculation did not start; the server log says why.")
            resolved = True
        else:
            waiting = True
    going = model.running is not None or waiting
    return {
        "facts": facts(model),
        "runs": runs_table(model.rows),
        "progress": progress_panel(model, now) if going else None,
        "poll_off": not going,
        "request": None if resolved else no_update,
        "feedback": feedback,
        "navbar_changed": navbar,
        "recalculate_off": going or not permissions.can_write(),
    }
