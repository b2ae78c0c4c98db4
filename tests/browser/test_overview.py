"""Overview and the shell around it, in headless Chromium on the known book of ``conftest_data``."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.common.by import By

from tests.browser import conftest_data
from tests.browser.conftest_data import (
    click,
    current_query,
    open_page,
    wait_for_query,
)

book = conftest_data.book  # the known book, a fixture
pytestmark = pytest.mark.browser

AT_RISK = ("high", "critical")


def _card(dash_duo, key: str) -> tuple[str, str]:
    value = dash_duo.find_element(f"#ov-card-{key}-value").text
    delta = dash_duo.find_element(f"#ov-card-{key}-delta").text
    return value, delta


def _short(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def test_ov001_overview_shows_the_book_with_a_clean_console(dash_duo, book, assert_clean_page):
    open_page(dash_duo, book)
    dash_duo.wait_for_element("#ov-card-active-value")

    today, week_before = book.latest, book.scores_on(book.today - dt.timedelta(days=7))
    since = f"since {_short(book.today - dt.timedelta(days=7))}"
    # The book: 12 clients scored today, 11 a week ago (Ruby Clarke joined 5 days ago).
    assert _card(dash_duo, "active") == (
        f"{len(today)}",
        f"▲ {len(today) - len(week_before)} {since}",
    )
    at_risk_now = int(today["risk_level"].isin(AT_RISK).sum())
    at_risk_before = int(week_before["risk_level"].isin(AT_RISK).sum())
    assert at_risk_now > at_risk_before  # Zofia Kowalski fell from medium to high
    assert _card(dash_duo, "at_risk") == (
        f"{at_risk_now}",
        f"▲ {at_risk_now - at_risk_before} {since}",
    )
    assert "trend-declining" in dash_duo.find_element("#ov-card-at_risk-delta").get_attribute(
        "class"
    )
    average_now, average_before = today["score"].mean(), week_before["score"].mean()
    arrow = "▲" if average_now > average_before else "▼"
    assert _card(dash_duo, "average") == (
        f"{average_now:.1f}",
        f"{arrow} {abs(round(average_now - average_before, 1)):.1f} {since}",
    )
    # Two open now (Priya's call, Sophie's meeting); a week ago only Sophie's meeting was
    # open (Megan's email had been completed 14 days ago).
    assert _card(dash_duo, "interventions") == ("2", f"▲ 1 {since}")
    assert "trend-stable" in dash_duo.find_element("#ov-card-interventions-delta").get_attribute(
        "class"
    )

    # The recent scores list every client of the day up to eight, lowest score first.
    items = dash_duo.find_elements("#ov-recent .list-group-item")
    lowest = today.sort_values(["overall", "client_id"]).iloc[0]
    assert len(items) == min(8, len(today))
    assert book.client_names[lowest["client_id"]] in items[0].text
    assert f"{int(lowest['score'])}" in items[0].text

    # Both charts are drawn from the same day's scores.
    dash_duo.wait_for_contains_text("#ov-distribution", f"{len(today)} clients scored", timeout=10)
    dash_duo.wait_for_contains_text("#ov-breakdown", f"{at_risk_now} at high or critical risk")
    assert_clean_page(dash_duo)


def test_ov002_a_recent_score_opens_the_client_detail(dash_duo, book, assert_clean_page):
    open_page(dash_duo, book)
    dash_duo.wait_for_element("#ov-recent .list-group-item")
    item = next(
        element
        for element in dash_duo.find_elements("#ov-recent .list-group-item")
        if "Priya Shah" in element.text
    )
    click(dash_duo, item)
    dash_duo.wait_for_text_to_equal("#cd-title", "Priya Shah")
    assert current_query(dash_duo)["client"] == "c-shah"
    assert_clean_page(dash_duo)


def test_ov003_navbar_shows_the_last_run_and_unread_alerts(dash_duo, book, assert_clean_page):
    open_page(dash_duo, book)
    finished = dt.datetime.combine(book.today, dt.time(7, 2), tzinfo=dt.UTC)
    local = finished.astimezone(ZoneInfo("Europe/London"))
    dash_duo.wait_for_text_to_equal(
        "#shell-last-run", f"Scores updated {_short(local)} {local:%H:%M}"
    )
    toggle = dash_duo.find_element("#shell-alerts-menu .nav-link, #shell-alerts-menu button")
    assert "2" in toggle.text  # the book's two unread alerts

    toggle.click()
    alert = dash_duo.driver.find_element(
        By.XPATH, "//*[contains(@class,'alert-item')][contains(., 'Sophie Turner')]"
    )
    alert.click()
    dash_duo.wait_for_text_to_equal("#cd-title", "Sophie Turner")
    assert current_query(dash_duo)["client"] == "c-turner"
    assert_clean_page(dash_duo)


def test_ov004_presentation_mode_lives_in_the_url(dash_duo, book, assert_clean_page):
    open_page(dash_duo, book, "?present=1")
    dash_duo.wait_for_element("#shell-root.presentation")
    dash_duo.wait_for_element("#ov-card-active-value")
    assert dash_duo.find_element("#shell-presentation").is_selected()

    dash_duo.find_element("label[for='shell-presentation']").click()
    dash_duo.wait_for_no_elements("#shell-root.presentation")
    wait_for_query(dash_duo, {})

    dash_duo.find_element("label[for='shell-presentation']").click()
    dash_duo.wait_for_element("#shell-root.presentation")
    wait_for_query(dash_duo, {"present": "1"})
    assert_clean_page(dash_duo)


def test_ov005_tabs_live_in_the_url_and_the_back_button(dash_duo, book, assert_clean_page):
    open_page(dash_duo, book)
    dash_duo.wait_for_element("#ov-card-active-value")

    dash_duo.driver.find_element(By.LINK_TEXT, "Risk Segments").click()
    dash_duo.wait_for_element("#rs-grid")
    wait_for_query(dash_duo, {"tab": "risk-segments"})

    dash_duo.driver.find_element(By.LINK_TEXT, "Interventions").click()
    dash_duo.wait_for_element("#interventions-tab")
    wait_for_query(dash_duo, {"tab": "interventions"})

    dash_duo.driver.back()
    dash_duo.wait_for_element("#rs-grid")
    wait_for_query(dash_duo, {"tab": "risk-segments"})
    assert_clean_page(dash_duo)


def test_ov006_an_empty_database_shows_calm_empty_states(dash_duo, tmp_path, assert_clean_page):
    from app import create_app
    from data.db import dispose_engines, upgrade_database

    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    upgrade_database(url)
    try:
        dash_duo.start_server(
            create_app({"TESTING": True, "LOGIN_DISABLED": True, "DATABASE_URL": url})
        )
        dash_duo.wait_for_text_to_equal("#shell-last-run", "No scoring run yet")
        dash_duo.wait_for_contains_text("#ov-as-of", "No health scores yet")
        assert _card(dash_duo, "active") == ("0", "no earlier data")
        assert_clean_page(dash_duo)

        dash_duo.driver.find_element(By.LINK_TEXT, "Risk Segments").click()
        dash_duo.wait_for_contains_text("#rs-summary", "No health scores yet")
        assert_clean_page(dash_duo)
    finally:
        dispose_engines()
