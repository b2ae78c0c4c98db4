"""The client detail's callbacks: open and close with the URL, draw the client's figures."""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import figures, formatting
from dashboard.auth import permissions
from dashboard.clock import display_zone, utc_now
from dashboard.components import (
    empty_state,
    error_state,
    guarded,
    if_changed,
)
from dashboard.ids import ClientDetailIds, ShellIds
from dashboard.registry import Callbacks, unchanged
from dashboard.sessions import read_session
from dashboard.tabs.client_detail import view_model
from dashboard.tabs.client_detail.layout import (
    CHANGE_NOTE,
    CHARTS,
    DETAIL_KEY,
    HEADER,
    change_note,
    chart_styles,
    column_widths,
    header,
    interventions_list,
)
from dashboard.tabs.client_detail.record import record_section
from dashboard.tabs.interventions.form.layout import new_intervention_link
from dashboard.view_state import DEFAULT_WINDOW, state_of


def _key(search: str | None) -> dict | None:
    state = state_of(search)
    if not state.client:
        return None
    return {"client": state.client, "window": state.window, "presentation": state.presentation}


CALLBACKS = Callbacks()


SYNC_OUTPUTS = {
    "url": Output(ShellIds.URL, "search", allow_duplicate=True),
    "is_open": Output(ClientDetailIds.MODAL, "is_open"),
    "window": Output(ClientDetailIds.WINDOW, "value"),
    "key": Output(DETAIL_KEY, "data"),
}


@CALLBACKS.callback(
    output=SYNC_OUTPUTS,
    inputs={
        "search": Input(ShellIds.URL, "search"),
        "_close": Input(ClientDetailIds.CLOSE, "n_clicks"),
        "is_open": Input(ClientDetailIds.MODAL, "is_open"),
        "window": Input(ClientDetailIds.WINDOW, "value"),
        "key": State(DETAIL_KEY, "data"),
    },
    prevent_initial_call="initial_duplicate",
)
def sync_detail(
    search: str | None, _close: int | None, is_open: bool | None, window: int | None,
    key: dict | None,
) -> dict[str, Any]:  # fmt: skip
    """URL -> dialog (open, window); closing it or changing the window -> URL."""
    state = state_of(search)
    trigger = ctx.triggered_id
    kept = unchanged(SYNC_OUTPUTS)
    if trigger == ClientDetailIds.CLOSE or (trigger == ClientDetailIds.MODAL and not is_open):
        if not state.client:
            return {**kept, "is_open": False if is_open else no_update}
        closed = state.replace(client=None, window=DEFAULT_WINDOW).to_search()
        return {**kept, "url": closed, "is_open": False}
    if trigger == ClientDetailIds.MODAL:
        raise PreventUpdate
    if trigger == ClientDetailIds.WINDOW:
        new = state.replace(window=int(window or DEFAULT_WINDOW))
        new_key = _key(new.to_search())
        return {**kept, "url": new.to_search() if new != state else no_update,
                "key": if_changed(new_key, key)}  # fmt: skip
    return {
        "url": no_update,
        "is_open": if_changed(bool(state.client), bool(is_open)),
        "window": if_changed(state.window, window),
        "key": if_changed(_key(search), key),
    }


def _drawn(
    title: str,
    header_children: Any,
    charts: dict[str, Any],
    *,
    presentation: bool = False,
    note: Any = "",
    interventions: Any = "",
    record: Any = None,
) -> dict[str, Any]:
    """The outputs of ``render_detail``, by name."""
    return {
        "record": record,
        "title": title,
        "header": header_children,
        "figures": charts,
        "change_note": note,
        "interventions": interventions,
        "styles": chart_styles(presentation),
        "widths": column_widths(presentation),
    }


def _blank(title: str, header_children: Any) -> dict[str, Any]:
    blank = figures.empty_figure("", message="")
    return _drawn(title, header_children, dict.fromkeys(CHARTS, blank))


def _failed() -> dict[str, Any]:
    return _blank("Client", error_state("this client"))


def _charts(detail: view_model.ClientDetail, window: int, presentation: bool) -> dict[str, Any]:
    """The four charts of a client: history, sub-scores, components, why the score changed."""
    latest, change = detail.latest, detail.change
    if change is not None:
        waterfall = figures.change_waterfall(
            change.parts,
            start_score=change.start_score,
            end_score=change.end_score,
            start_label=formatting.date_text(change.start_day, year=False),
            end_label=formatting.date_text(change.end_day, year=False),
            presentation=presentation,
        )
    else:
        waterfall = figures.empty_figure("Why the score changed", presentation=presentation,
                                         message="Not enough score history yet")  # fmt: skip
    return {
        "history": figures.score_history(
            detail.history,
            client_name=str(detail.client["name"]),
            interventions=detail.interventions,
            presentation=presentation,
        ),
        "subscores": figures.subscore_bars(latest, presentation=presentation)
        if latest is not None
        else figures.empty_figure("Sub-scores", presentation=presentation),
        "components": figures.component_bars(latest, presentation=presentation)
        if latest is not None
        else figures.empty_figure("Score components", presentation=presentation),
        "waterfall": waterfall,
    }


@CALLBACKS.callback(
    output={
        "title": Output(ClientDetailIds.TITLE, "children"),
        "header": Output(HEADER, "children"),
        "figures": {name: Output(chart, "figure") for name, (chart, _) in CHARTS.items()},
        "change_note": Output(CHANGE_NOTE, "children"),
        "interventions": Output(ClientDetailIds.INTERVENTIONS, "children"),
        "record": Output(ClientDetailIds.RECORD, "children"),
        "styles": {name: Output(chart, "style") for name, (chart, _) in CHARTS.items()},
        "widths": {name: Output(column, "lg") for name, (_, column) in CHARTS.items()},
    },
    inputs={"key": Input(DETAIL_KEY, "data"), "_version": Input(ShellIds.DATA_VERSION, "data")},
)
@guarded("the client detail", _failed)
def render_detail(key: dict | None, _version: int | None) -> dict[str, Any]:
    """Everything about the client in the URL, for its change window."""
    if not key:
        raise PreventUpdate
    presentation = bool(key.get("presentation"))
    window = int(key.get("window") or DEFAULT_WINDOW)
    now = utc_now()
    with read_session() as session:
        detail = view_model.client_detail_model(session, str(key["client"]), window=window, now=now)
    if detail is None:
        missing = empty_state("There is no client with this id.", hint="The link may be out of date.",
                              icon_name="bi-person-x")  # fmt: skip
        return _blank("Client not found", missing)
    return _drawn(
        str(detail.client["name"]),
        header(detail),
        _charts(detail, window, presentation),
        presentation=presentation,
        note=change_note(detail.change, window),
        interventions=[
            new_intervention_link(str(key["client"]), presentation=presentation),
            interventions_list(detail, zone=display_zone(), now=now),
        ],
        record=record_section(
            detail, detail.team, can_write=permissions.can_write(), zone=display_zone(), now=now
        ),
    )
