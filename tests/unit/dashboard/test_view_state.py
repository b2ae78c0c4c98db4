"""The URL's view state: defaults, the round trip, nonsense and fixes."""

from __future__ import annotations

import datetime as dt

from dashboard.ids import Tab
from dashboard.view_state import ViewState
from scoring.enums import RiskLevel


def test_the_default_state_is_the_plain_address():
    assert ViewState.from_search("") == ViewState()
    assert ViewState().to_search() == ""


def test_a_state_survives_the_round_trip_through_the_url():
    state = ViewState(
        tab=Tab.RISK_SEGMENTS,
        presentation=True,
        risk=(RiskLevel.HIGH, RiskLevel.CRITICAL),
        search="Kew & co",
        wedding_from=dt.date(2026, 12, 1),
        wedding_to=dt.date(2026, 12, 31),
        activity="idle",
        sort="wedding_date",
        order="asc",
        page=3,
        client="c-1",
        window=30,
        extra=(("status", "pending"),),
    )
    search = state.to_search()
    assert search.startswith("?tab=risk-segments&present=1&risk=high,critical&q=Kew+%26+co")
    assert search.endswith("&status=pending")
    assert ViewState.from_search(search) == state


def test_nonsense_in_the_url_falls_back_to_defaults():
    state = ViewState.from_search(
        "?tab=nope&risk=severe,High&page=-2&window=12&activity=asleep&sort=colour&order=up"
        "&wedding_from=2026-13-01&client="
    )
    assert state == ViewState(risk=(RiskLevel.HIGH,))


def test_a_reversed_wedding_range_is_put_right():
    state = ViewState.from_search("?wedding_from=2026-12-31&wedding_to=2026-12-01")
    assert (state.wedding_from, state.wedding_to) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


def test_a_sort_key_alone_takes_its_first_order():
    assert (
        ViewState.from_search("?sort=last_interaction").sort,
        ViewState.from_search("?sort=last_interaction").order,
    ) == ("last_interaction", "desc")
