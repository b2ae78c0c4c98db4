"""The client detail in headless Chromium: opened by URL, its charts, the change waterfall, read-only."""

from __future__ import annotations

import datetime as dt

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import conftest_data
from tests.browser.conftest_data import (
    PASSWORD,
    VIEWER_EMAIL,
    click,
    current_query,
    figure_data,
    open_page,
    wait_for_query,
)

book = conftest_data.book  # the known book, a fixture
pytestmark = pytest.mark.browser

OPEN_DETAIL = ".modal.show #cd-modal"  # dbc puts the id on the dialog and "show" on its parent


def _stored(book, client_id: str, day: dt.date) -> float:
    rows = book.scores[(book.scores["client_id"] == client_id) & (book.scores["day"] == day)]
    return float(rows["overall"].iloc[0])


def _waterfall(dash_duo, start_score: float, timeout: float = 10) -> dict:
    """The waterfall trace once it starts from ``start_score``."""
    found: dict = {}

    def drawn(_driver) -> bool:
        traces = figure_data(dash_duo, "cd-waterfall") or []
        waterfalls = [t for t in traces if t["type"] == "waterfall"]
        if waterfalls and abs(waterfalls[0]["y"][0] - start_score) < 1e-9:
            found.update(waterfalls[0])
            return True
        return False

    WebDriverWait(dash_duo.driver, timeout).until(drawn, message="the waterfall was not drawn")
    return found


def test_cd001_detail_by_url_shows_a_waterfall_that_adds_up(dash_duo, book, assert_clean_page):
    open_page(dash_duo, book, "?client=c-evans")
    dash_duo.wait_for_text_to_equal("#cd-title", "Megan Evans")

    today = _stored(book, "c-evans", book.today)
    week_before = _stored(book, "c-evans", book.today - dt.timedelta(days=7))
    assert dash_duo.find_element("#cd-score").text == f"{int(today + 0.5)}"

    trace = _waterfall(dash_duo, week_before)
    steps = trace["y"][1:-1]
    assert trace["measure"] == ["absolute", *["relative"] * len(steps), "total"]
    assert trace["y"][-1] == pytest.approx(today)
    # Megan went quiet: the score fell, and the component bars add up to the fall exactly.
    assert today < week_before
    assert round(sum(steps), 1) == round(today - week_before, 1)
    assert all(step != 0 for step in steps)
    assert "Recency" in trace["x"]

    # The other charts are there, and so are her interventions with their notes.
    assert figure_data(dash_duo, "cd-history")
    assert figure_data(dash_duo, "cd-components")
    assert figure_data(dash_duo, "cd-subscores")
    dash_duo.wait_for_contains_text("#cd-interventions", "Check in on the menu tasting")
    assert "Left a voicemail" in dash_duo.find_element("#cd-interventions").text
    assert_clean_page(dash_duo)


def test_cd002_the_30_day_window_is_in_the_url(dash_duo, book, assert_clean_page):
    open_page(dash_duo, book, "?tab=risk-segments&client=c-lee")
    dash_duo.wait_for_text_to_equal("#cd-title", "Grace Lee")
    _waterfall(dash_duo, _stored(book, "c-lee", book.today - dt.timedelta(days=7)))

    click(dash_duo, dash_duo.find_element("label[for='_dbcprivate_radioitems_cd-window_input_30']"))
    month_before = _stored(book, "c-lee", book.today - dt.timedelta(days=30))
    trace = _waterfall(dash_duo, month_before)
    assert round(sum(trace["y"][1:-1]), 1) == round(trace["y"][-1] - month_before, 1)
    assert current_query(dash_duo) == {"tab": "risk-segments", "client": "c-lee", "window": "30"}
    assert_clean_page(dash_duo)


def test_cd003_closing_takes_the_client_out_of_the_url(dash_duo, book, assert_clean_page):
    open_page(dash_duo, book, "?tab=risk-segments&client=c-shah")
    dash_duo.wait_for_text_to_equal("#cd-title", "Priya Shah")
    assert "Wedding in 12 days while at critical risk" in dash_duo.find_element("#cd-header").text

    click(dash_duo, dash_duo.find_element("#cd-close"))
    dash_duo.wait_for_no_elements(OPEN_DETAIL)
    wait_for_query(dash_duo, {"tab": "risk-segments"})

    dash_duo.driver.back()  # the detail comes back with the address
    dash_duo.wait_for_element(OPEN_DETAIL)
    dash_duo.wait_for_text_to_equal("#cd-title", "Priya Shah")
    ActionChains(dash_duo.driver).send_keys(Keys.ESCAPE).perform()
    dash_duo.wait_for_no_elements(OPEN_DETAIL)
    wait_for_query(dash_duo, {"tab": "risk-segments"})
    assert_clean_page(dash_duo)


def test_cd004_an_unknown_client_says_so(dash_duo, book, assert_clean_page):
    open_page(dash_duo, book, "?client=no-such-client")
    dash_duo.wait_for_text_to_equal("#cd-title", "Client not found")
    assert "no client with this id" in dash_duo.find_element("#cd-header").text
    assert_clean_page(dash_duo)


def test_cd005_a_viewer_sees_the_detail_and_can_change_nothing(dash_duo, book, assert_clean_page):
    app = conftest_data.dashboard_app(book, LOGIN_DISABLED=False)
    if "/login" not in {rule.rule for rule in app.server.url_map.iter_rules()}:
        pytest.skip("sign-in is not wired into create_app")
    dash_duo.server(app)  # not start_server: the page it waits for is behind the sign-in
    dash_duo.driver.get(f"{dash_duo.server.url}/?client=c-shah")
    dash_duo.wait_for_element("#login-form")
    dash_duo.find_element("#email").send_keys(VIEWER_EMAIL)
    dash_duo.find_element("#password").send_keys(PASSWORD)
    dash_duo.find_element("#login-submit").click()

    dash_duo.wait_for_text_to_equal("#cd-title", "Priya Shah")
    assert "Meeting Room" in dash_duo.find_element("#shell-user").text
    assert "Viewer" in dash_duo.find_element("#shell-user").text
    dash_duo.wait_for_contains_text("#cd-interventions", "Call Priya")

    # Nothing in the detail edits data: its only controls choose the change window or close it.
    body = dash_duo.find_element("#cd-modal")
    inputs = body.find_elements(By.CSS_SELECTOR, "input, textarea, select")
    assert {element.get_attribute("type") for element in inputs} == {"radio"}
    buttons = [
        b.get_attribute("id") or b.get_attribute("class")
        for b in body.find_elements(By.TAG_NAME, "button")
    ]
    assert all(label == "cd-close" or "btn-close" in label for label in buttons), buttons
    assert_clean_page(dash_duo)


def test_cd006_a_manager_edits_the_record_and_sees_the_figures_behind_the_score(
    dash_duo, book, assert_clean_page
):
    from sqlalchemy import select

    from data.db import session_scope
    from data.models import Client, ClientChange
    from data.repositories.users import create_user
    from scoring.enums import Role

    with session_scope(book.url) as session:
        create_user(session, "sam@example.com", name="Sam Patel", role=Role.MANAGER,
                    password=PASSWORD)  # fmt: skip
    app = conftest_data.dashboard_app(book, LOGIN_DISABLED=False)
    conftest_data.sign_in(dash_duo, app, conftest_data.MANAGER_EMAIL, "?client=c-shah")
    dash_duo.wait_for_text_to_equal("#cd-title", "Priya Shah")

    # The figures behind today's score add up to it.
    today = _stored(book, "c-shah", book.today)
    dash_duo.wait_for_contains_text("#cd-figures", "Logins")
    assert dash_duo.find_element("#cd-figures tfoot").text == f"Health score {today:.1f}"
    assert "£4,500" in dash_duo.find_element("#cd-record").text

    click(dash_duo, dash_duo.find_element("#cd-record-edit"))
    dash_duo.wait_for_element("#cd-record-form.show")
    owner = dash_duo.find_element("#cd-record-owner")
    choices = [o.text for o in owner.find_elements(By.TAG_NAME, "option") if o.text]
    assert choices == ["Unassigned", "Morgan Lee", "Sam Patel"]  # the viewer owns nobody
    owner.find_element(By.XPATH, "option[text()='Sam Patel']").click()
    for control, text in (("#cd-record-package", "Elopement"), ("#cd-record-value", "3,900"),
                          ("#cd-record-note", "Handed over after the team change")):  # fmt: skip
        field = dash_duo.find_element(control)
        field.clear()
        field.send_keys(text)
    click(dash_duo, dash_duo.find_element("#cd-record-save"))
    dash_duo.wait_for_contains_text("#cd-record-feedback", "Saved: 3 changes")
    dash_duo.wait_for_contains_text("#cd-record-changes", "Owner Morgan Lee → Sam Patel")
    record = dash_duo.find_element("#cd-record").text
    assert "£3,900" in record and "Elopement" in record and "Sam Patel" in record
    assert "Handed over after the team change" in record

    # A churned client needs the day it churned; nothing is saved without it.
    click(dash_duo, dash_duo.find_element("#cd-record-edit"))
    dash_duo.wait_for_element("#cd-record-form.show")
    status = dash_duo.find_element("#cd-record-status")
    status.find_element(By.CSS_SELECTOR, "option[value='churned']").click()
    click(dash_duo, dash_duo.find_element("#cd-record-save"))
    dash_duo.wait_for_contains_text(
        "#cd-record-feedback", "Ended on: Give the day the client churned."
    )
    with session_scope(book.url) as session:
        client = session.get(Client, "c-shah")
        assert (client.status.value, client.package, client.contract_value) == (
            "active", "Elopement", 390_000)  # fmt: skip
        assert len(session.scalars(select(ClientChange)).all()) == 1
    assert_clean_page(dash_duo)
