"""Data quality (``?view=quality``, admins and managers): why a client is missing or odd.

The page draws the newest check of ``dashboard.services.data_quality``
(which says how each list is worked out, and when a check is done again),
with the time it was worked out; when that is out of date, or on "Refresh",
it starts a check in the background and polls until it is done. Three facts, then
the active clients not scored today grouped by why, the coverage of today's
scores with the lowest, the clients with no events of a kind in 90 days, the
newest event of each kind, and the events dated after now or before their
client was created. A click on a client opens its detail over the page.
Viewers read why they cannot open it (``dashboard.admin.callbacks``), and the
callback checks the role again.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboard.admin.frame import View, page_header, refresh_button
from dashboard.auth import permissions
from dashboard.clock import display_zone, utc_now
from dashboard.components import empty_state, error_state, fact_card, graph, guarded, icon
from dashboard.figures._base import percent, plural
from dashboard.figures.data_quality import coverage_distribution
from dashboard.formatting import date_text, local_time_text, seconds_text
from dashboard.ids import QualityIds, open_client_id
from dashboard.registry import Callbacks
from dashboard.services.data_quality import (
    FRESH_FOR,
    STALE_DAYS,
    ClientList,
    QualityModel,
    model_from_json,
    needs_check,
)
from dashboard.services.jobs import QUALITY_JOB, start_quality_check
from dashboard.sessions import app_database_url, read_session
from data.models import QualityCheck
from data.repositories.locks import job_lock_held
from data.repositories.quality_checks import data_stamp, latest_check

POLL_MS = 1000

# How each kind of event is headed on the page.
KIND_LABELS = {
    "logins": "Logins",
    "interactions": "Interactions",
    "tasks": "Tasks",
    "feedback": "Feedback",
    "tickets": "Tickets",
}


def share_text(share: float) -> str:
    """A share of the active clients: ``39%``, or ``under 1%`` for a few (never a bare ``0%``)."""
    return "under 1%" if 0 < share < 0.005 else percent(share)


def layout() -> html.Div:
    """The view's frame; ``render`` fills it in."""
    refresh = refresh_button(QualityIds.REFRESH)
    return html.Div(
        [
            page_header(
                View.QUALITY,
                "Why a client is missing from today's scores or looks odd: what was scored, "
                "what data is missing, and dates that cannot be right.",
                [refresh],
            ),
            dcc.Interval(id=QualityIds.POLL, interval=POLL_MS, disabled=True),
            dcc.Store(id=QualityIds.SHOWN),
            html.Div(id=QualityIds.STATUS, role="status", className="mb-3"),
            html.Div(id=QualityIds.BODY),
        ]
    )


def client_list(clients: ClientList, source: str) -> html.Div:
    """The clients of a list, each opening its detail, and how many more there are."""
    items = [
        html.Li(
            [
                html.Button(
                    item.name,
                    id=open_client_id(item.client_id, source),
                    n_clicks=0,
                    className="btn btn-link p-0 text-start align-baseline fw-semibold",
                    title="Open the client",
                ),
                html.Span(f" · {item.detail}", className="text-muted small")
                if item.detail
                else None,
            ],
            className="py-1",
        )
        for item in clients.items
    ]
    more = (
        html.Div(f"and {clients.more:,} more", className="small text-muted mt-1")
        if clients.more
        else None
    )
    return html.Div([html.Ul(items, className="list-unstyled mb-0"), more], id=f"{source}-list")


def _card(title: str, body: Any, *, card_id: str, subtitle: str | None = None) -> dbc.Card:
    header = [html.Span(title, className="fw-semibold")]
    if subtitle:
        header.append(html.Span(subtitle, className="small text-muted ms-2"))
    return dbc.Card(
        [dbc.CardHeader(header), dbc.CardBody(body)], class_name="mb-3 h-100", id=card_id
    )


def facts(model: QualityModel) -> dbc.Row:
    """Scored today, the median coverage, and the clients with odd dates."""
    missing = model.unscored_count
    scored = fact_card(
        "Scored today",
        f"{model.scored:,} of {model.active:,}",
        f"Active clients with a score for {date_text(model.day)}"
        + (f"; {missing:,} without (below, with why)." if missing else "; none missing."),
        "bi-check2-circle" if not missing else "bi-exclamation-circle",
        "dq-scored",
    )
    coverage = fact_card(
        "Median coverage",
        percent(model.median_coverage) if model.median_coverage is not None else "–",
        "Share of the score's weight that had data, across today's scores.",
        "bi-pie-chart",
        "dq-median",
    )
    odd = fact_card(
        "Odd dates",
        plural(model.odd_dates.total, "client"),
        "With events dated after now or before the client was created.",
        "bi-calendar-x",
        "dq-odd",
    )
    return dbc.Row([scored, coverage, odd], class_name="g-3")


def unscored_card(model: QualityModel) -> dbc.Card:
    """The active clients without a score today, one group per reason."""
    if not model.unscored:
        body: Any = html.Div(
            [icon("bi-check-circle-fill", "text-success me-2"),
             f"Every active client ({model.active:,}) has a score for {date_text(model.day)}."],
            className="d-flex align-items-center",
        )  # fmt: skip
    else:
        body = [
            html.Div(
                [
                    html.Div(
                        [
                            dbc.Badge(
                                f"{group.total:,}",
                                color="warning",
                                text_color="dark",
                                class_name="me-2",
                            ),
                            html.Span(group.title, className="fw-semibold"),
                        ],
                        className="mb-1",
                    ),  # fmt: skip
                    client_list(group, f"dq-unscored-{position}"),
                ],
                className="mb-3",
            )
            for position, group in enumerate(model.unscored)
        ]
    return _card(
        "Active clients not scored today",
        body,
        card_id="dq-unscored",
        subtitle=f"Scoring day {date_text(model.day)} (UTC)",
    )


def stale_card(model: QualityModel) -> dbc.Card:
    """Per kind of event, the active clients with none in ``STALE_DAYS`` days."""
    blocks = []
    for stale in model.stale:
        label = KIND_LABELS[stale.kind]
        if not stale.clients.total:
            blocks.append(
                html.Div(
                    [icon("bi-check-circle-fill", "text-success me-2"), html.Span(label, className="fw-semibold"),
                     html.Span(" · every active client has some", className="text-muted small")],
                    className="py-1",
                    id=f"dq-stale-{stale.kind}",
                )
            )  # fmt: skip
            continue
        blocks.append(
            html.Details(
                [
                    html.Summary(
                        [
                            html.Span(label, className="fw-semibold"),
                            html.Span(
                                f" · {plural(stale.clients.total, 'client')} ({share_text(stale.share)} of active)",
                                className="text-muted",
                            ),
                        ],
                    ),  # fmt: skip
                    html.Div(
                        client_list(stale.clients, f"dq-stale-{stale.kind}"), className="ps-3 pt-1"
                    ),
                ],
                className="py-1",
                id=f"dq-stale-{stale.kind}",
            )
        )
    return _card(
        f"No events of a kind in {STALE_DAYS} days",
        [
            html.P("Active clients; click a kind to see who.", className="small text-muted mb-2"),
            *blocks,
        ],
        card_id="dq-stale",
    )


def newest_card(model: QualityModel) -> dbc.Card:
    """The newest event of each kind across the book."""
    rows = [
        html.Tr(
            [
                html.Td(KIND_LABELS[newest.kind], className="fw-semibold"),
                html.Td(
                    [
                        icon("bi-exclamation-triangle-fill", "text-warning me-1")
                        if newest.stale
                        else None,
                        newest.when,
                    ],
                    className="text-end",
                ),  # fmt: skip
            ],
            id=f"dq-newest-{newest.kind}",
        )
        for newest in model.newest
    ]
    table = dbc.Table(html.Tbody(rows), size="sm", class_name="mb-0 align-middle")
    return _card(
        "Newest event of each kind",
        [table, html.P("Events dated after now are left out (see Odd dates).",
                       className="small text-muted mt-2 mb-0")],
        card_id="dq-newest",
    )  # fmt: skip


def coverage_card(model: QualityModel) -> dbc.Card:
    figure = coverage_distribution(
        [(band.label, band.clients) for band in model.bands], median=model.median_coverage
    )
    return dbc.Card(
        dbc.CardBody(graph(QualityIds.COVERAGE, figure, height=360)), class_name="mb-3 h-100"
    )


def lowest_card(model: QualityModel) -> dbc.Card:
    body = (
        client_list(model.lowest, "dq-lowest")
        if model.lowest.total
        else empty_state("No scores today.", icon_name="bi-pie-chart")
    )
    return _card(model.lowest.title, body, card_id="dq-lowest")


def odd_dates_card(model: QualityModel) -> dbc.Card:
    body = (
        client_list(model.odd_dates, "dq-odd-dates")
        if model.odd_dates.total
        else html.Div(
            [icon("bi-check-circle-fill", "text-success me-2"), "No event is dated after now or before its client was created."],
            className="d-flex align-items-center",
        )
    )  # fmt: skip
    return _card(
        "Odd dates",
        body,
        card_id="dq-odd-dates",
        subtitle="Events dated after now, or before the client was created",
    )


def page(model: QualityModel) -> html.Div:
    """Everything below the header."""
    return html.Div(
        [
            facts(model),
            unscored_card(model),
            dbc.Row(
                [dbc.Col(coverage_card(model), lg=7, class_name="mb-3"),
                 dbc.Col(lowest_card(model), lg=5, class_name="mb-3")],
                class_name="g-3",
            ),
            dbc.Row(
                [dbc.Col(stale_card(model), lg=7, class_name="mb-3"),
                 dbc.Col(newest_card(model), lg=5, class_name="mb-3")],
                class_name="g-3",
            ),
            odd_dates_card(model),
        ]
    )  # fmt: skip


def status_line(
    check: QualityCheck | None, *, going: bool, zone: Any, now: pd.Timestamp
) -> html.Div:
    """When the page's figures were worked out, or that they are being worked out now."""
    parts: list[Any] = []
    if going:
        parts += [dbc.Spinner(size="sm", spinner_class_name="me-2"),
                  html.Span("Checking the data now; the page fills in when it is done. ", className="me-1")]  # fmt: skip
    if check is not None:
        parts.append(
            html.Span(
                f"Figures of {local_time_text(check.started_at, zone, now=now)} "
                f"(worked out in {seconds_text(check.seconds)}). They are worked out again when "
                f"data comes in or the scores are recalculated, and every "
                f"{int(FRESH_FOR.total_seconds() // 60)} minutes; Refresh does it now.",
                className="text-muted",
            )
        )
    return html.Div(parts, className="d-flex align-items-center small", id="dq-checked")


CALLBACKS = Callbacks()


def _locked() -> dict[str, Any]:
    return {
        "status": None,
        "body": empty_state(
            "Only admins and managers can check the data quality.", icon_name="bi-lock"
        ),
        "poll_off": True,
        "shown": None,
    }


@CALLBACKS.callback(
    output={
        "status": Output(QualityIds.STATUS, "children"),
        "body": Output(QualityIds.BODY, "children"),
        "poll_off": Output(QualityIds.POLL, "disabled"),
        "shown": Output(QualityIds.SHOWN, "data"),
    },
    inputs={
        "_clicks": Input(QualityIds.REFRESH, "n_clicks"),
        "_ticks": Input(QualityIds.POLL, "n_intervals"),
        "shown": State(QualityIds.SHOWN, "data"),
    },
)
@guarded(
    "the data quality",
    lambda: {
        "status": None,
        "body": error_state("the data quality"),
        "poll_off": True,
        "shown": None,
    },
)
def render(_clicks: int | None, _ticks: int | None, shown: int | None) -> dict[str, Any]:
    """The newest check's figures; a new check started when they are out of date or on Refresh.

    While a check is going the page polls, and draws the figures once it is done.
    """
    if not permissions.can_write():
        return _locked()
    now, zone = utc_now(), display_zone()
    with read_session() as session:
        check = latest_check(session)
        if check is not None:
            session.expunge(check)  # kept as read: the session's rollback leaves it alone
        stale = needs_check(check, data_stamp(session), now)
        going = job_lock_held(session, QUALITY_JOB, now=now.to_pydatetime())
    refreshed = bool(_clicks) and ctx.triggered_id == QualityIds.REFRESH
    if not going and (stale or refreshed):
        going = start_quality_check(app_database_url() or "", now=now, zone=zone).started or going
    body: Any = no_update
    if check is not None and check.id != shown:
        body = (
            page(model_from_json(check.result))
            if check.result is not None
            else dbc.Alert(
                [icon("bi-exclamation-triangle-fill", "me-2"),
                 f"The data could not be checked: {check.error}" if permissions.is_admin()
                 else "The data could not be checked; an admin can read why in the server log."],
                color="danger",
            )
        )  # fmt: skip
    elif check is None and shown is None:
        body = None
    return {
        "status": status_line(check, going=going, zone=zone, now=now),
        "body": body,
        "poll_off": not going,
        "shown": check.id if check is not None else None,
    }
