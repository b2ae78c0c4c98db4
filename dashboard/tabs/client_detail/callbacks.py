"""The client detail's callbacks: open and close with the URL, draw the client's figures."""

from __future__ import annotations

from dash import Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import figures, formatting
from dashboard.clock import display_zone, utc_now
from dashboard.components import (
    empty_state,
    error_state,
    guarded,
)
from dashboard.ids import ClientDetailIds, ShellIds
from dashboard.registry import Callbacks
from dashboard.sessions import read_session
from dashboard.tabs.client_detail import view_model
from dashboard.tabs.client_detail.layout import (
    CHANGE_NOTE,
    COLUMN_IDS,
    DETAIL_KEY,
    HEADER,
    change_note,
    graph_styles,
    header,
    interventions_list,
)
from dashboard.tabs.interventions.form.layout import new_intervention_link
from dashboard.view_state import DEFAULT_WINDOW, state_of


def _key(search: str | None) -> dict | None:
    state = state_of(search)
    if not state.client:
        return None
    return {"client": state.client, "window": state.window, "presentation": state.presentation}


CALLBACKS = Callbacks()


@CALLBACKS.callback(
    Output(ShellIds.URL, "search", allow_duplicate=True),
    Output(ClientDetailIds.MODAL, "is_open"),
    Output(ClientDetailIds.WINDOW, "value"),
    Output(DETAIL_KEY, "data"),
    Input(ShellIds.URL, "search"),
    Input(ClientDetailIds.CLOSE, "n_clicks"),
    Input(ClientDetailIds.MODAL, "is_open"),
    Input(ClientDetailIds.WINDOW, "value"),
    State(DETAIL_KEY, "data"),
    prevent_initial_call="initial_duplicate",
)
def sync_detail(
    search: str | None,
    _close: int | None,
    is_open: bool | None,
    window: int | None,
    key: dict | None,
):
    """URL -> dialog (open, window); closing it or changing the window -> URL."""
    state = state_of(search)
    trigger = ctx.triggered_id
    if trigger == ClientDetailIds.CLOSE or (trigger == ClientDetailIds.MODAL and not is_open):
        if not state.client:
            return no_update, False if is_open else no_update, no_update, no_update
        return (
            state.replace(client=None, window=DEFAULT_WINDOW).to_search(),
            False,
            no_update,
            no_update,
        )
    if trigger == ClientDetailIds.MODAL:
        raise PreventUpdate
    if trigger == ClientDetailIds.WINDOW:
        new = state.replace(window=int(window or DEFAULT_WINDOW))
        new_key = _key(new.to_search())
        return (
            (new.to_search() if new != state else no_update),
            no_update,
            no_update,
            (new_key if new_key != key else no_update),
        )
    new_key = _key(search)
    return (
        no_update,
        bool(state.client) if bool(state.client) != bool(is_open) else no_update,
        state.window if state.window != window else no_update,
        new_key if new_key != key else no_update,
    )

def _failed() -> tuple:
    blank = figures.empty_figure("", message="")
    return (
        "Client",
        error_state("this client"),
        blank,
        blank,
        blank,
        blank,
        "",
        "",
        *graph_styles(False),
    )

@CALLBACKS.callback(
    Output(ClientDetailIds.TITLE, "children"),
    Output(HEADER, "children"),
    Output(ClientDetailIds.HISTORY, "figure"),
    Output(ClientDetailIds.SUBSCORES, "figure"),
    Output(ClientDetailIds.COMPONENTS, "figure"),
    Output(ClientDetailIds.WATERFALL, "figure"),
    Output(CHANGE_NOTE, "children"),
    Output(ClientDetailIds.INTERVENTIONS, "children"),
    Output(ClientDetailIds.HISTORY, "style"),
    Output(ClientDetailIds.SUBSCORES, "style"),
    Output(ClientDetailIds.COMPONENTS, "style"),
    Output(ClientDetailIds.WATERFALL, "style"),
    *(Output(column, "lg") for column in COLUMN_IDS),
    Input(DETAIL_KEY, "data"),
    Input(ShellIds.DATA_VERSION, "data"),
)
@guarded("the client detail", _failed)
def render_detail(key: dict | None, _version: int | None):
    """Everything about the client in the URL, for its change window."""
    if not key:
        raise PreventUpdate
    presentation = bool(key.get("presentation"))
    window = int(key.get("window") or DEFAULT_WINDOW)
    now = utc_now()
    zone = display_zone()
    with read_session() as session:
        detail = view_model.client_detail_model(
            session, str(key["client"]), window=window, now=now
        )
    if detail is None:
        blank = figures.empty_figure("", message="")
        missing = empty_state("There is no client with this id.", hint="The link may be out of date.",
                              icon_name="bi-person-x")  # fmt: skip
        return (
            "Client not found",
            missing,
            blank,
            blank,
            blank,
            blank,
            "",
            "",
            *graph_styles(False),
        )
    name = str(detail.client["name"])
    history = figures.score_history(
        detail.history,
        client_name=name,
        interventions=detail.interventions,
        presentation=presentation,
    )
    if detail.latest is not None:
        subscores = figures.subscore_bars(detail.latest, presentation=presentation)
        components = figures.component_bars(detail.latest, presentation=presentation)
    else:
        subscores = figures.empty_figure("Sub-scores", presentation=presentation)
        components = figures.empty_figure("Score components", presentation=presentation)
    change = detail.change
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
    return (
        name,
        header(detail),
        history,
        subscores,
        components,
        waterfall,
        change_note(change, window),
        [
            new_intervention_link(str(key["client"]), presentation=presentation),
            interventions_list(detail, zone=zone, now=now),
        ],
        *graph_styles(presentation),
    )
