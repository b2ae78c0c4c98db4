"""The admin views, the alerts bell and the Risk Segments export in headless Chromium.

Admin flows use the test stand-in (an admin, ``LOGIN_DISABLED``) unless a test
needs a real team member: then it signs in through ``/login``. The direct
refusals send the callback's request to ``/_dash-update-component`` with a
viewer's session, as a hand-made request would, and check that nothing was
written.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from dashboard.tabs.risk_segments.view_model import EXPORT_COLUMNS
from data.db import session_scope
from data.models import ScoringRun
from data.models_reports import ReportSchedule
from data.repositories.alerts import unread_alert_count
from data.repositories.outbox import add_to_outbox
from data.repositories.users import create_user
from scoring.enums import ClientStatus, Role
from tests.browser import conftest_data
from tests.browser.conftest_data import (
    CLIENTS,
    PASSWORD,
    VIEWER_EMAIL,
    click,
    current_query,
    dashboard_app,
    open_page,
    sign_in,
    wait_for_query,
)

book = conftest_data.book  # the known book, a fixture
pytestmark = pytest.mark.browser

ADMIN_EMAIL = "ada@example.com"
ACTIVE_CLIENTS = sum(client.status is ClientStatus.ACTIVE for client in CLIENTS)
TEST_SUBJECT = "Test notification from the Customer Success Dashboard"


def _by_id(dash_duo, component_id: dict):
    """The element of a pattern-matching id (Dash writes it as compact JSON with sorted keys)."""
    text = json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return dash_duo.driver.execute_script("return document.getElementById(arguments[0]);", text)


def _button(dash_duo, text: str, within: str = "body"):
    """The visible button whose text contains ``text``."""
    xpath = f"{_xpath_of(within)}//button[contains(normalize-space(.), '{text}')]"
    return WebDriverWait(dash_duo.driver, 10).until(
        lambda driver: next(
            (b for b in driver.find_elements(By.XPATH, xpath) if b.is_displayed()), None
        ),
        message=f"no visible button '{text}'",
    )


def _xpath_of(css_id_or_body: str) -> str:
    return "//body" if css_id_or_body == "body" else f"//*[@id='{css_id_or_body.lstrip('#')}']"


def _open_bell(dash_duo):
    click(
        dash_duo, dash_duo.find_element("#shell-alerts-menu .nav-link, #shell-alerts-menu button")
    )
    dash_duo.wait_for_element("#al-list .alert-item")


BELL_BADGE = "#shell-alerts-menu .badge"


def _download(dash_duo, suffix: str, timeout: float = 15) -> Path:
    folder = Path(dash_duo.download_path)
    return WebDriverWait(dash_duo.driver, timeout).until(
        lambda _driver: next((p for p in folder.glob(f"*{suffix}") if p.stat().st_size), None),
        message=f"no *{suffix} downloaded into {folder}",
    )


def _callback_request(
    app, input_id: str, states: dict[str, Any], pattern_ids: dict[str, list[dict]]
) -> dict:
    """The body Dash's renderer would send when ``input_id`` is clicked, built from the app's callback map."""
    key, spec = next(
        (key, spec) for key, spec in app.callback_map.items()
        if [str(item["id"]) for item in spec["inputs"]] == [input_id]
    )  # fmt: skip
    outputs: list[Any] = []
    for part in key.strip(".").split("..."):
        ident, prop = part.rsplit(".", 1)
        if ident.startswith("{"):
            kind = json.loads(ident)["type"]
            outputs.append(
                [{"id": {**item, "type": kind}, "property": prop} for item in pattern_ids[kind]]
            )
        else:
            outputs.append({"id": ident, "property": prop})
    return {
        "output": key,
        "outputs": outputs,
        "inputs": [{"id": input_id, "property": "n_clicks", "value": 1}],
        "changedPropIds": [f"{input_id}.n_clicks"],
        "state": [
            {
                "id": str(item["id"]),
                "property": item["property"],
                "value": states.get(str(item["id"])),
            }
            for item in spec["state"]
        ],
    }


def _signed_in_client(app, email: str):
    """A Flask test client signed in as ``email`` through the sign-in form."""
    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return client


def _count(url: str, model) -> int:
    with session_scope(url) as session:
        return session.query(model).count()


# -- the bell --------------------------------------------------------------------------------


def test_ad001_the_bell_marks_an_alert_read_and_the_count_drops(dash_duo, book, assert_clean_page):
    open_page(dash_duo, book)
    dash_duo.wait_for_text_to_equal(BELL_BADGE, "2")
    _open_bell(dash_duo)
    dash_duo.wait_for_text_to_equal("#al-header", "Unread alerts: 2")

    row = dash_duo.driver.find_element(
        By.XPATH, "//*[@id='al-list']/div[contains(., 'Sophie Turner')]"
    )
    assert "Risk level worsened from medium to high" in row.text
    row.find_element(By.CSS_SELECTOR, ".alert-read").click()
    dash_duo.wait_for_text_to_equal(BELL_BADGE, "1")
    dash_duo.wait_for_text_to_equal("#al-header", "Unread alerts: 1")
    assert "Sophie Turner" not in dash_duo.find_element("#al-list").text
    with session_scope(book.url) as session:
        assert unread_alert_count(session) == 1

    # The one left still opens its client.
    click(dash_duo, dash_duo.find_element("#al-list .alert-item"))
    dash_duo.wait_for_text_to_equal("#cd-title", "Priya Shah")
    assert current_query(dash_duo)["client"] == "c-shah"
    assert_clean_page(dash_duo)


def test_ad002_mark_all_read_empties_the_bell(dash_duo, book, assert_clean_page):
    open_page(dash_duo, book)
    _open_bell(dash_duo)
    click(dash_duo, _button(dash_duo, "Mark all read", "#shell-alerts-menu"))
    dash_duo.wait_for_text_to_equal("#al-header", "No unread alerts")
    dash_duo.wait_for_contains_text("#al-feedback", "2 alerts marked read.")
    dash_duo.wait_for_no_elements(BELL_BADGE)
    with session_scope(book.url) as session:
        assert unread_alert_count(session) == 0
    assert_clean_page(dash_duo)


# -- roles -----------------------------------------------------------------------------------


def test_ad003_a_viewer_cannot_recalculate_or_create_a_schedule(dash_duo, book, assert_clean_page):
    app = dashboard_app(book, LOGIN_DISABLED=False)
    sign_in(dash_duo, app, VIEWER_EMAIL, "?view=status")
    runs_before = _count(book.url, ScoringRun)

    # The page: the button is there but disabled, and says why; the outbox is not offered.
    dash_duo.wait_for_element("#st-runs table")
    assert not dash_duo.find_element("#st-recalculate").is_enabled()
    assert "Only admins and managers can recalculate the scores." in dash_duo.find_element("#admin-status").text
    assert [b.text for b in dash_duo.find_elements("#admin-status nav button")] == [
        "System status",
        "Scheduled reports",
    ]
    assert_clean_page(dash_duo)

    click(dash_duo, _button(dash_duo, "Scheduled reports"))
    wait_for_query(dash_duo, {"view": "schedules"})
    dash_duo.wait_for_contains_text("#sc-table", "No scheduled reports yet.")
    assert (
        "Admins and managers can change the schedules."
        in dash_duo.find_element("#admin-schedules").text
    )
    assert not dash_duo.driver.find_elements(By.XPATH, "//button[contains(., 'New schedule')]")
    # The bell lists the alerts, without the actions.
    _open_bell(dash_duo)
    assert not dash_duo.find_elements(".alert-read")
    assert not dash_duo.driver.find_elements(By.XPATH, "//button[contains(., 'Mark all read')]")
    assert_clean_page(dash_duo)

    # Direct requests with the viewer's session are refused, and nothing is written.
    client = _signed_in_client(app, VIEWER_EMAIL)
    recalculate = client.post(
        "/_dash-update-component", json=_callback_request(app, "st-recalculate", {}, {})
    )
    assert recalculate.status_code == 200
    assert "Only admins and managers can recalculate the scores." in recalculate.get_data(as_text=True)

    fields = {"sc-name": "Sneaky", "sc-frequency": "weekly", "sc-weekday": "0", "sc-hour": "8",
              "sc-period": "7d", "sc-segment": "all", "sc-format": "pdf",
              "sc-recipients": "lead@example.com", "sc-active": True}  # fmt: skip
    errors = {"sc-error": [{"field": name} for name in ("name", "frequency", "weekday", "day_of_month",
                                                        "hour", "period", "segment", "format",
                                                        "recipients", "active")]}  # fmt: skip
    save = client.post(
        "/_dash-update-component", json=_callback_request(app, "sc-save", fields, errors)
    )
    assert save.status_code == 200
    assert "Your role can view this page but not change anything on it." in save.get_data(
        as_text=True
    )

    mark = client.post(
        "/_dash-update-component",
        json={
            "output": next(k for k in app.callback_map if "shell-navbar-changed.data" in k and "al-feedback" in k),
            "outputs": [{"id": "shell-navbar-changed", "property": "data"}, {"id": "al-feedback", "property": "children"}],
            "inputs": [[{"id": {"type": "al-read", "alert": 1}, "property": "n_clicks", "value": 1}],
                       [{"id": {"type": "al-action", "action": "mark-all"}, "property": "n_clicks", "value": 1}]],
            "changedPropIds": ['{"action":"mark-all","type":"al-action"}.n_clicks'],
            "state": [{"id": "shell-navbar-changed", "property": "data", "value": 0},
                      {"id": "al-shown-up-to", "property": "data", "value": 99}],
        },
    )  # fmt: skip
    assert "Your role can view this page but not change anything on it." in mark.get_data(
        as_text=True
    )

    assert _count(book.url, ScoringRun) == runs_before
    assert _count(book.url, ReportSchedule) == 0
    with session_scope(book.url) as session:
        assert unread_alert_count(session) == 2


# -- scheduled reports -----------------------------------------------------------------------


def test_ad004_a_bad_recipient_is_shown_at_the_field_and_nothing_is_written(
    dash_duo, book, assert_clean_page
):
    open_page(dash_duo, book, "?view=schedules")
    click(dash_duo, _button(dash_duo, "New schedule"))
    dash_duo.wait_for_element(".modal.show #sc-name")
    dash_duo.find_element("#sc-name").send_keys("Monday summary")
    dash_duo.find_element("#sc-recipients").send_keys("lead@example.com, bob@")
    click(dash_duo, _button(dash_duo, "Save schedule"))

    error = _by_id(dash_duo, {"type": "sc-error", "field": "recipients"})
    WebDriverWait(dash_duo.driver, 10).until(lambda _d: error.text == "Not an email address: bob@")
    assert "is-invalid" in dash_duo.find_element("#sc-recipients").get_attribute("class")
    assert _by_id(dash_duo, {"type": "sc-error", "field": "name"}).text == ""
    dash_duo.wait_for_contains_text("#sc-form-error", "nothing was saved")
    assert _count(book.url, ReportSchedule) == 0

    # Select the text and type over it (as a person would; React ignores WebElement.clear()).
    dash_duo.find_element("#sc-recipients").send_keys(Keys.CONTROL, "a")
    dash_duo.find_element("#sc-recipients").send_keys("lead@example.com, bob@example.com")
    click(dash_duo, _button(dash_duo, "Save schedule"))
    dash_duo.wait_for_contains_text("#sc-feedback", "Saved “Monday summary”.")
    dash_duo.wait_for_contains_text("#sc-table", "Weekly, Mondays at 08:00")
    assert "bob@example.com" in dash_duo.find_element("#sc-table").text
    assert _count(book.url, ReportSchedule) == 1
    assert_clean_page(dash_duo)


def test_ad005_run_now_delivers_into_the_outbox_and_shows_the_result(
    dash_duo, book, assert_clean_page
):
    open_page(dash_duo, book, "?view=schedules")
    click(dash_duo, _button(dash_duo, "New schedule"))
    dash_duo.wait_for_element(".modal.show #sc-name")
    dash_duo.find_element("#sc-name").send_keys("Data for the board")
    click(
        dash_duo, dash_duo.driver.find_element(By.XPATH, "//label[normalize-space(.)='CSV (zip)']")
    )
    dash_duo.find_element("#sc-recipients").send_keys("board@example.com")
    click(dash_duo, _button(dash_duo, "Save schedule"))
    dash_duo.wait_for_contains_text("#sc-table", "Never run")

    click(dash_duo, _button(dash_duo, "Run now", "#sc-table"))
    dash_duo.wait_for_contains_text(
        "#sc-feedback",
        "SMTP is not configured, so the mail to board@example.com is in the outbox.",
        timeout=60,
    )
    dash_duo.wait_for_contains_text("#sc-table", "In the outbox")
    assert_clean_page(dash_duo)


# -- system status ---------------------------------------------------------------------------


def test_ad006_recalculate_now_records_a_run_and_the_status_lists_it(
    dash_duo, book, assert_clean_page
):
    open_page(dash_duo, book, "?view=status")
    dash_duo.wait_for_element("#st-runs table")
    assert len(dash_duo.find_elements("#st-runs tbody tr")) == 1  # the book's own run
    runs_before = _count(book.url, ScoringRun)

    click(dash_duo, dash_duo.find_element("#st-recalculate"))
    dash_duo.wait_for_contains_text("#st-feedback", "Recalculation finished", timeout=60)
    assert f"{ACTIVE_CLIENTS} clients scored" in dash_duo.find_element("#st-feedback").text
    WebDriverWait(dash_duo.driver, 10).until(
        lambda _d: len(dash_duo.find_elements("#st-runs tbody tr")) == 2
    )
    newest = dash_duo.find_elements("#st-runs tbody tr")[0]
    assert "Succeeded" in newest.text and f"{ACTIVE_CLIENTS}" in newest.text
    assert dash_duo.find_element("#st-recalculate").is_enabled()
    assert _count(book.url, ScoringRun) == runs_before + 1
    assert_clean_page(dash_duo)


# -- outbox ----------------------------------------------------------------------------------


def test_ad007_the_outbox_shows_a_test_notification_and_its_attachments(
    dash_duo, book, assert_clean_page
):
    with session_scope(book.url) as session:
        create_user(session, ADMIN_EMAIL, name="Ada Admin", role=Role.ADMIN, password=PASSWORD)
        add_to_outbox(session, to="lead@example.com", subject="Monday summary", body="The report.",
                      attachment_name="report.csv", attachment=b"kpi,value\nclients,12\n")  # fmt: skip
    app = dashboard_app(book, LOGIN_DISABLED=False)
    sign_in(dash_duo, app, ADMIN_EMAIL)

    _open_bell(dash_duo)
    click(dash_duo, _button(dash_duo, "Send test notification", "#shell-alerts-menu"))
    dash_duo.wait_for_contains_text(
        "#al-feedback", f"SMTP is not configured: the mail to {ADMIN_EMAIL} is in the outbox."
    )

    click(dash_duo, dash_duo.find_element("#shell-admin-menu .nav-link, #shell-admin-menu button"))
    click(
        dash_duo,
        dash_duo.driver.find_element(
            By.XPATH,
            "//*[@id='shell-admin-menu']//*[contains(@class,'dropdown-item')][contains(., 'Outbox')]",
        ),
    )
    wait_for_query(dash_duo, {"view": "outbox"})
    dash_duo.wait_for_element("#ob-table table")
    rows = dash_duo.find_elements("#ob-table tbody tr")
    assert ADMIN_EMAIL in rows[0].text and TEST_SUBJECT in rows[0].text  # newest first
    assert "Monday summary" in rows[1].text

    click(dash_duo, _button(dash_duo, "report.csv", "#ob-table"))
    assert _download(dash_duo, "report.csv").read_bytes() == b"kpi,value\nclients,12\n"
    assert_clean_page(dash_duo)


# -- Risk Segments export --------------------------------------------------------------------


def test_ad008_the_risk_segments_csv_has_the_filtered_rows_of_every_page(
    dash_duo, book, assert_clean_page
):
    open_page(dash_duo, book, "?tab=risk-segments&risk=high,critical&sort=score&order=desc")
    dash_duo.wait_for_contains_text("#rs-summary", "High and Critical risk")
    click(dash_duo, _button(dash_duo, "Export CSV"))
    frame = pd.read_csv(io.BytesIO(_download(dash_duo, ".csv").read_bytes()))

    latest = book.latest[book.latest["risk_level"].isin(["high", "critical"])]
    names = {client.id: client.name.lower() for client in CLIENTS}
    expected = (
        latest.assign(_name=latest["client_id"].map(names))
        .sort_values(["overall", "_name"], ascending=[False, True])["client_id"]
        .tolist()
    )
    assert frame["client_id"].tolist() == expected
    assert set(frame["risk_level"]) <= {"high", "critical"}
    assert list(frame.columns) == list(EXPORT_COLUMNS.values())
    assert_clean_page(dash_duo)


# -- the views and their URL -----------------------------------------------------------------


@pytest.mark.parametrize("view", ["status", "schedules", "data", "keys", "outbox"])
def test_ad009_each_view_opens_from_the_gear_menu_with_a_clean_console(
    dash_duo, book, assert_clean_page, view
):
    open_page(dash_duo, book, "?tab=risk-segments")
    click(dash_duo, dash_duo.find_element("#shell-admin-menu .nav-link, #shell-admin-menu button"))
    label = {
        "status": "System status",
        "schedules": "Scheduled reports",
        "data": "Import data",
        "keys": "API keys",
        "outbox": "Outbox",
    }[view]
    click(
        dash_duo,
        dash_duo.driver.find_element(
            By.XPATH,
            f"//*[@id='shell-admin-menu']//*[contains(@class,'dropdown-item')][contains(., '{label}')]",
        ),
    )
    wait_for_query(dash_duo, {"tab": "risk-segments", "view": view})
    dash_duo.wait_for_element(f"#admin-{view}")
    assert not dash_duo.find_element("#shell-tab-area").is_displayed()
    dash_duo.wait_for_element(f"#admin-{view} table, #admin-{view} .empty-state")
    assert_clean_page(dash_duo)

    click(dash_duo, _button(dash_duo, "Back to the dashboard"))
    wait_for_query(dash_duo, {"tab": "risk-segments"})
    dash_duo.wait_for_element("#rs-grid")
    assert dash_duo.find_element("#shell-tab-area").is_displayed()
