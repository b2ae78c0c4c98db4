"""The intervention queue's callbacks: filters to the URL, the page of the queue, the export."""

from __future__ import annotations

from typing import Any

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.auth import permissions
from dashboard.auth.audit import audit
from dashboard.clock import display_zone, utc_now
from dashboard.components import error_state, guarded, if_changed
from dashboard.ids import IV_OPEN
from dashboard.registry import Callbacks
from dashboard.sessions import read_session
from dashboard.tabs.interventions import view_model
from dashboard.tabs.interventions.layout import (
    IDS,
    TAB_URL,
    control_values,
    counts_strip,
    queue_key,
    queue_table,
)
from dashboard.view_state import state_of
from data.models import AuditAction
from scoring.enums import InterventionType, Priority, Source


def _filters_of_key(key: str | None) -> view_model.QueueFilters:
    return view_model.QueueFilters.from_state(state_of(f"?{key or ''}"))


def filters_from_controls(
    filters: view_model.QueueFilters, trigger: Any, values: dict[str, Any]
) -> view_model.QueueFilters:
    """The filters after the control ``trigger`` changed to ``values[...]`` (pure: unit-tested)."""
    first = {"page": 1}
    if trigger == IDS.CLEAR:
        return view_model.QueueFilters()
    if trigger == IDS.STATUS:
        return filters.replace(statuses=view_model.statuses_of_choice(values["status"]), **first)
    if trigger == IDS.PRIORITY:
        wanted = set(values["priority"] or [])
        return filters.replace(priorities=tuple(p for p in Priority if p.value in wanted), **first)
    if trigger == IDS.TYPE:
        wanted = set(values["type"] or [])
        return filters.replace(
            types=tuple(t for t in InterventionType if t.value in wanted), **first
        )
    if trigger == IDS.ASSIGNEE:
        value = values["assignee"]
        return filters.replace(assignee=int(value) if value not in (None, "") else None, **first)
    if trigger == IDS.SOURCE:
        value = values["source"]
        return filters.replace(
            source=Source(value) if value in {s.value for s in Source} else None, **first
        )
    if trigger == IDS.MINE:
        return filters.replace(mine=bool(values["mine"]), **first)
    if trigger == IDS.OVERDUE_ONLY:
        return filters.replace(overdue_only=bool(values["overdue"]), **first)
    if trigger == IDS.PAGER:
        return filters.replace(page=max(1, int(values["page"] or 1)))
    return filters  # fmt: skip


def _plain(name: str, value: Any) -> Any:
    if name in ("priority", "type"):
        return list(value or [])
    if name in ("mine", "overdue"):
        return bool(value)
    return value


CALLBACKS = Callbacks()


# Each filter control's value property, by the name ``control_values`` gives it.
CONTROLS = {
    "status": (IDS.STATUS, "value"),
    "priority": (IDS.PRIORITY, "value"),
    "type": (IDS.TYPE, "value"),
    "assignee": (IDS.ASSIGNEE, "value"),
    "source": (IDS.SOURCE, "value"),
    "mine": (IDS.MINE, "value"),
    "overdue": (IDS.OVERDUE_ONLY, "value"),
    "page": (IDS.PAGER, "active_page"),
}


@CALLBACKS.callback(
    output={
        "url": Output(TAB_URL, "search"),
        "controls": {name: Output(*control) for name, control in CONTROLS.items()},
        "assignee_disabled": Output(IDS.ASSIGNEE, "disabled"),
        "queue_key": Output(IDS.QUEUE_KEY, "data"),
        "presentation": Output(IDS.PRESENTATION, "data"),
    },
    inputs={
        "search": Input(TAB_URL, "search"),
        "current": {name: Input(*control) for name, control in CONTROLS.items()},
        "_clear": Input(IDS.CLEAR, "n_clicks"),
        "key": State(IDS.QUEUE_KEY, "data"),
        "presentation_shown": State(IDS.PRESENTATION, "data"),
    },
    prevent_initial_call=True,
)
def sync_filters(search, current, _clear, key, presentation_shown) -> dict[str, Any]:
    """Filters -> URL when one changes; URL -> filters on navigation (back, links)."""
    state = state_of(search)
    filters = view_model.QueueFilters.from_state(state)
    trigger = ctx.triggered_id
    new = filters if trigger == TAB_URL else filters_from_controls(filters, trigger, current)
    new_state = new.apply_to(state)
    controls = control_values(new)
    return {
        "url": new_state.to_search() if new_state != state else no_update,
        "controls": {
            name: if_changed(controls[name], _plain(name, current[name])) for name in CONTROLS
        },
        "assignee_disabled": new.mine,
        "queue_key": if_changed(queue_key(new), key),
        "presentation": if_changed(state.presentation, presentation_shown),
    }


def _failed() -> dict[str, Any]:
    return {"table": error_state("the intervention queue"), "pages": 1, "summary": "", "counts": []}


@CALLBACKS.callback(
    output={
        "table": Output(IDS.TABLE, "children"),
        "pages": Output(IDS.PAGER, "max_value"),
        "summary": Output(IDS.SUMMARY, "children"),
        "counts": Output(IDS.COUNTS, "children"),
    },
    inputs={"key": Input(IDS.QUEUE_KEY, "data"), "_changed": Input(IDS.CHANGED, "data")},
)
@guarded("the intervention queue", _failed)
def update_queue(key: str | None, _changed: int | None) -> dict[str, Any]:
    """One page of the queue for the URL's filters, and the counts over every page."""
    filters = _filters_of_key(key)
    me = permissions.requester()
    with read_session() as session:
        page = view_model.queue_page(
            session,
            filters,
            user_id=me.id,
            now=utc_now(),
            zone=display_zone(),
        )
        names = {m.id: m.name for m in view_model.team_members(session)}
    summary = [
        html.Span(page.summary, className="fw-semibold", id="iv-summary-text"),
        html.Div(view_model.filters_text(filters, names), className="small fw-normal text-muted"),
    ]
    return {
        "table": queue_table(page.rows),
        "pages": page.pages,
        "summary": summary,
        "counts": counts_strip(page.counts),
    }


@CALLBACKS.callback(
    Output(IDS.DOWNLOAD, "data"),
    Input(IDS.EXPORT, "n_clicks"),
    State(IDS.QUEUE_KEY, "data"),
    prevent_initial_call=True,
)
@guarded("the queue export", lambda: no_update)
def export_queue(clicks: int | None, key: str | None):
    """The filtered queue, every page, as a CSV file."""
    if not clicks:
        raise PreventUpdate
    filters = _filters_of_key(key)
    me = permissions.requester()
    now, zone = utc_now(), display_zone()
    with read_session() as session:
        content = view_model.queue_export_csv(session, filters, user_id=me.id, now=now, zone=zone)
    filename = view_model.export_filename(filters, now=now, zone=zone)
    audit(AuditAction.EXPORT, subject=filename, detail=f"Interventions queue, {key or 'no filters'}")
    return dcc.send_bytes(content, filename, type="text/csv")


@CALLBACKS.callback(
    Output(TAB_URL, "search", allow_duplicate=True),
    Input({"type": IV_OPEN, "intervention": ALL}, "n_clicks"),
    State(TAB_URL, "search"),
    prevent_initial_call=True,
)
def open_intervention(_clicks: list[int | None], search: str | None):
    """A click on an intervention's title opens it in the manage dialog."""
    if not isinstance(ctx.triggered_id, dict) or not any(t["value"] for t in ctx.triggered):
        raise PreventUpdate
    state = state_of(search)
    return view_model.with_param(
        state, view_model.OPEN_PARAM, str(ctx.triggered_id["intervention"])
    ).to_search()
