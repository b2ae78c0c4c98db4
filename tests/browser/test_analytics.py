"""Analytics in headless Chromium: period and segment in the URL, KPI cards, charts and the report."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboard.ids import kpi_card_id
from dashboard.tabs.analytics.view_model import analytics_data
from data.db import session_scope
from tests.browser import conftest_data
from tests.browser.conftest_data import click, figure_data, open_page, wait_for_query

book = conftest_data.book  # the known book, a fixture
pytestmark = pytest.mark.browser

CARDS = ("average_health_score", "retention_rate", "success_rate", "risk_share_critical")


def _expected(book, period: str, segment: str = "all") -> dict:
    with session_scope(book.url) as session:
        return analytics_data(session, period, segment, now=pd.Timestamp.now(tz="UTC"))


def _card(dash_duo, key: str) -> tuple[str, str]:
    """A card's value and previous value ("–" when the card says there is no earlier data)."""
    script = """
    const text = (id) => { const e = document.getElementById(id); return e ? e.textContent : null; };
    return [text(arguments[0]), text(arguments[1])];
    """
    value, previous = dash_duo.driver.execute_script(
        script, kpi_card_id(key, "value"), kpi_card_id(key, "previous")
    )
    return value, previous if previous is not None else "–"


def _wait_for_cards(dash_duo, data: dict) -> None:
    expected = {
        k: (data["cards"][k]["value_text"], data["cards"][k]["previous_text"]) for k in CARDS
    }
    WebDriverWait(dash_duo.driver, 15).until(
        lambda _d: all(_card(dash_duo, k) == v for k, v in expected.items()),
        message=lambda: f"cards {[_card(dash_duo, k) for k in CARDS]} != {expected}",
    )


def _traces(dash_duo, graph_id: str) -> list[dict]:
    """Name and y values of each trace plotly drew in ``graph_id``."""
    script = """
    const plot = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
    if (!plot || !plot._fullData) { return []; }
    // _fullData holds the decoded arrays (plotly.py sends numbers base64-encoded).
    return plot._fullData.map((t) => ({name: t.name || '', y: Array.from(t.y || [])}));
    """
    return dash_duo.driver.execute_script(script, graph_id)


def _trend(dash_duo) -> list[float]:
    """The "This period" line of the health score trend."""
    current = [t for t in _traces(dash_duo, "an-trend") if t["name"] == "This period"]
    return [round(float(y), 6) for y in current[0]["y"]] if current else []


def _wait_for_trend(dash_duo, data: dict) -> None:
    expected = [round(float(y), 6) for y in data["daily_scores"]["average_score"]]
    WebDriverWait(dash_duo.driver, 15).until(
        lambda _d: _trend(dash_duo) == expected,
        message=lambda: f"trend {_trend(dash_duo)} != {expected}",
    )


def test_an001_the_tab_renders_its_cards_and_charts_with_a_clean_console(
    dash_duo, book, assert_clean_page
):
    open_page(dash_duo, book, "?tab=analytics")
    data = _expected(book, "30d")
    _wait_for_cards(dash_duo, data)
    _wait_for_trend(dash_duo, data)
    # 30 days: one point a day of the book's score history.
    assert len(data["daily_scores"]["day"]) == 30
    for graph in ("an-risk", "an-activity", "an-by-type", "an-team", "an-factors"):
        WebDriverWait(dash_duo.driver, 10).until(lambda _d, g=graph: figure_data(dash_duo, g))
    # The team table lists the book's one assignee with the open work.
    dash_duo.wait_for_contains_text("#an-team-rows", "Morgan Lee")
    assert dash_duo.find_element("#an-period input[value='30d']").is_selected()
    assert_clean_page(dash_duo)


def test_an002_changing_the_period_changes_the_trend_and_the_kpi_cards(
    dash_duo, book, assert_clean_page
):
    open_page(dash_duo, book, "?tab=analytics")
    month, week = _expected(book, "30d"), _expected(book, "7d")
    _wait_for_trend(dash_duo, month)
    assert [month["cards"][k]["previous_text"] for k in CARDS] != [
        week["cards"][k]["previous_text"] for k in CARDS
    ]

    click(dash_duo, dash_duo.find_element("label[for='_dbcprivate_radioitems_an-period_input_7d']"))
    wait_for_query(dash_duo, {"tab": "analytics", "period": "7d"})
    _wait_for_trend(dash_duo, week)
    assert len(_trend(dash_duo)) == 7
    _wait_for_cards(dash_duo, week)
    dash_duo.wait_for_contains_text("#an-range", "compared with")

    # The address reproduces the screen, and the back button the one before.
    dash_duo.driver.refresh()
    _wait_for_trend(dash_duo, week)
    dash_duo.driver.back()
    wait_for_query(dash_duo, {"tab": "analytics"})
    _wait_for_trend(dash_duo, month)
    _wait_for_cards(dash_duo, month)
    assert_clean_page(dash_duo)


def test_an003_the_segment_selector_changes_the_figures(dash_duo, book, assert_clean_page):
    open_page(dash_duo, book, "?tab=analytics&period=7d")
    everyone, new = _expected(book, "7d"), _expected(book, "7d", "new_clients")
    _wait_for_trend(dash_duo, everyone)

    click(
        dash_duo,
        dash_duo.find_element("label[for='_dbcprivate_radioitems_an-segment_input_new_clients']"),
    )
    wait_for_query(dash_duo, {"tab": "analytics", "period": "7d", "segment": "new_clients"})
    # Only Ruby Clarke was created in the last 7 days: the charts follow her alone.
    _wait_for_trend(dash_duo, new)
    assert set(new["daily_scores"]["clients"]) == {1}
    _wait_for_cards(dash_duo, new)
    risk = _traces(dash_duo, "an-risk")
    assert sum(sum(trace["y"]) for trace in risk) == len(new["daily_scores"]["day"])
    # She has no interventions: the team table says so instead of listing zeros.
    assert new["by_member"]["member"] == []
    dash_duo.wait_for_contains_text("#an-team-table", "No interventions assigned in this segment.")
    assert_clean_page(dash_duo)


def test_an004_download_report_gives_the_csv_zip_of_the_selection(
    dash_duo, book, assert_clean_page
):
    open_page(dash_duo, book, "?tab=analytics&period=90d&segment=existing_clients")
    _wait_for_trend(dash_duo, _expected(book, "90d", "existing_clients"))
    click(dash_duo, dash_duo.find_element("#an-download-menu .dropdown-toggle"))
    click(dash_duo, dash_duo.find_element("#an-download-csv"))
    folder = Path(dash_duo.download_path)
    deadline = time.time() + 30
    while time.time() < deadline and not list(
        folder.glob("customer-success-90d-existing_clients-*.zip")
    ):
        time.sleep(0.2)
    (report,) = folder.glob("customer-success-90d-existing_clients-*.zip")
    with zipfile.ZipFile(report) as archive:
        assert {"clients.csv", "interventions.csv", "kpis.csv"} <= set(archive.namelist())
    dash_duo.wait_for_contains_text("#an-download-status", report.name)
    assert_clean_page(dash_duo)
