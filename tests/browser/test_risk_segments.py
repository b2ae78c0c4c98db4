"""Risk Segments in headless Chromium: segment cards, the paged client grid, filters and the URL."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import conftest_data
from tests.browser.conftest_data import (
    CLIENTS,
    PROXIMITY_CLIENT,
    SEARCH_VENUE,
    SEARCH_VENUE_CLIENT,
    click,
    current_query,
    grid_row_ids,
    levels_of,
    open_page,
)

book = conftest_data.book  # the known book, a fixture
pytestmark = pytest.mark.browser

PAGE_SIZE = 10
WEDDING_IN = {client.id: client.wedding_in_days for client in CLIENTS}


def _by_id(dash_duo, component_id: dict):
    """The element of a pattern-matching id (Dash writes it as compact JSON with sorted keys)."""
    text = json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return dash_duo.driver.execute_script("return document.getElementById(arguments[0]);", text)


def _wait_for_rows(dash_duo, expected: list[str], timeout: float = 10) -> None:
    WebDriverWait(dash_duo.driver, timeout).until(
        lambda _driver: grid_row_ids(dash_duo) == expected,
        message=lambda: f"grid rows {grid_row_ids(dash_duo)} != {expected}",
    )


def _lowest_first(frame: pd.DataFrame) -> list[str]:
    """Client ids as the table sorts them by default: lowest stored score, then name."""
    names = frame["client_id"].map(lambda cid: next(c.name for c in CLIENTS if c.id == cid))
    ordered = frame.assign(_name=names.str.lower()).sort_values(["overall", "_name", "client_id"])
    return ordered["client_id"].tolist()


def test_rs001_segments_and_first_page_render_with_a_clean_console(
    dash_duo, book, assert_clean_page
):
    open_page(dash_duo, book, "?tab=risk-segments")
    expected = _lowest_first(book.latest)
    _wait_for_rows(dash_duo, expected[:PAGE_SIZE])

    for level, count in levels_of(book.latest).items():
        element = _by_id(dash_duo, {"type": "rs-segment-count", "level": level})
        assert element.text == f"{count}", level
    dash_duo.wait_for_contains_text("#rs-summary", f"Clients 1–{PAGE_SIZE} of {len(book.latest)}")
    # The proximity alert: Priya Shah's wedding is 12 days away while she is at critical risk.
    row = dash_duo.find_element("#rs-grid .ag-row[row-id='c-shah']")
    assert PROXIMITY_CLIENT in row.text
    assert "in 12 days" in row.find_element("css selector", ".wedding-alert").text
    assert not dash_duo.find_elements("#rs-grid .ag-row[row-id='c-hart'] .wedding-alert")
    assert_clean_page(dash_duo)


def test_rs002_a_segment_card_filters_the_table(dash_duo, book, assert_clean_page):
    open_page(dash_duo, book, "?tab=risk-segments")
    everyone = _lowest_first(book.latest)
    _wait_for_rows(dash_duo, everyone[:PAGE_SIZE])

    critical = _lowest_first(book.latest[book.latest["risk_level"] == "critical"])
    click(dash_duo, _by_id(dash_duo, {"type": "rs-segment-card", "level": "critical"}))
    _wait_for_rows(dash_duo, critical)
    assert current_query(dash_duo)["risk"] == "critical"
    dash_duo.wait_for_contains_text("#rs-summary", f"of {len(critical)}")

    # Another card shows that level instead, and the risk filter follows.
    click(dash_duo, _by_id(dash_duo, {"type": "rs-segment-card", "level": "high"}))
    _wait_for_rows(dash_duo, _lowest_first(book.latest[book.latest["risk_level"] == "high"]))
    assert current_query(dash_duo)["risk"] == "high"
    dash_duo.wait_for_contains_text("#rs-risk", "High")

    # Clicking the selected card again shows everyone.
    click(dash_duo, _by_id(dash_duo, {"type": "rs-segment-card", "level": "high"}))
    _wait_for_rows(dash_duo, everyone[:PAGE_SIZE])
    assert "risk" not in current_query(dash_duo)
    assert_clean_page(dash_duo)


def test_rs003_search_finds_a_client_by_venue(dash_duo, book, assert_clean_page):
    open_page(dash_duo, book, "?tab=risk-segments")
    _wait_for_rows(dash_duo, _lowest_first(book.latest)[:PAGE_SIZE])

    search = dash_duo.find_element("#rs-search")
    search.send_keys(SEARCH_VENUE.split()[0].lower())  # "kew": part of the venue, any case
    _wait_for_rows(dash_duo, ["c-hart"])
    assert SEARCH_VENUE_CLIENT in dash_duo.find_element("#rs-grid .ag-row[row-id='c-hart']").text
    assert current_query(dash_duo)["q"] == "kew"

    search.clear()
    search.send_keys("Babington")
    _wait_for_rows(dash_duo, ["c-shah"])
    assert_clean_page(dash_duo)


def test_rs004_a_url_with_filters_reproduces_the_screen(dash_duo, book, assert_clean_page):
    query = "?tab=risk-segments&risk=high,critical&activity=idle&sort=wedding_date&order=asc"
    open_page(dash_duo, book, query)

    latest = book.latest
    idle = latest["days_since_activity"].between(8, 30)
    at_risk = latest["risk_level"].isin(["high", "critical"])
    expected = sorted(latest.loc[idle & at_risk, "client_id"], key=WEDDING_IN.__getitem__)
    assert len(expected) >= 2
    _wait_for_rows(dash_duo, expected)

    # The controls show the filters of the link.
    chosen = [
        element.get_attribute("textContent")
        for element in dash_duo.find_elements("#rs-risk .dash-dropdown-value-item")
    ]
    assert chosen == ["High", "Critical"]
    assert dash_duo.find_element("#rs-activity").get_attribute("value") == "idle"
    assert dash_duo.find_element("#rs-sort").get_attribute("value") == "wedding_date:asc"
    critical_card = _by_id(dash_duo, {"type": "rs-segment-card", "level": "critical"})
    assert "border-primary" in critical_card.get_attribute("class")
    assert current_query(dash_duo) == {
        "tab": "risk-segments", "risk": "high,critical", "activity": "idle",
        "sort": "wedding_date", "order": "asc",
    }  # fmt: skip

    # A wedding date range: weddings in the next 10 to 30 days.
    start, end = book.today + dt.timedelta(days=10), book.today + dt.timedelta(days=30)
    dash_duo.driver.get(
        f"{dash_duo.server_url}/?tab=risk-segments&wedding_from={start}&wedding_to={end}"
    )
    in_range = [cid for cid in latest["client_id"] if 10 <= WEDDING_IN[cid] <= 30]
    _wait_for_rows(dash_duo, _lowest_first(latest[latest["client_id"].isin(in_range)]))
    assert_clean_page(dash_duo)


def test_rs005_pages_and_a_row_click_opens_the_client(dash_duo, book, assert_clean_page):
    open_page(dash_duo, book, "?tab=risk-segments")
    everyone = _lowest_first(book.latest)
    _wait_for_rows(dash_duo, everyone[:PAGE_SIZE])

    click(dash_duo, dash_duo.find_element("#rs-pager .page-item:nth-last-child(3) .page-link"))
    _wait_for_rows(dash_duo, everyone[PAGE_SIZE:])
    assert current_query(dash_duo)["page"] == "2"

    last = everyone[-1]
    click(dash_duo, dash_duo.find_element(f"#rs-grid .ag-row[row-id='{last}'] .ag-cell"))
    dash_duo.wait_for_text_to_equal("#cd-title", book.client_names[last])
    assert current_query(dash_duo)["client"] == last
    assert current_query(dash_duo)["page"] == "2"
    assert_clean_page(dash_duo)
