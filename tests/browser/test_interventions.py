"""Interventions in headless Chromium: the queue, creating one, managing one, conflicts and roles."""

from __future__ import annotations

import csv
import datetime as dt
import time
from pathlib import Path

import pandas as pd
import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from dashboard.services import interventions
from data.db import session_scope
from data.models import Intervention
from scoring.enums import InterventionStatus, Priority
from tests.browser import conftest_data
from tests.browser.conftest_data import (
    MANAGER_EMAIL,
    PASSWORD,
    VIEWER_EMAIL,
    click,
    current_query,
    open_page,
    wait_for_query,
)

book = conftest_data.book  # the known book, a fixture
pytestmark = pytest.mark.browser

QUEUE_ROWS = "#iv-table tbody tr"


def _interventions(book) -> pd.DataFrame:
    """Every intervention of the book's database, as stored."""
    with session_scope(book.url) as session:
        rows = session.query(Intervention).order_by(Intervention.id).all()
        return pd.DataFrame(
            [
                {"id": r.id, "client_id": r.client_id, "title": r.title, "status": r.status.value,
                 "priority": r.priority.value, "type": r.type.value, "version": r.version,
                 "due_date": r.due_date, "created_at": r.created_at, "created_by": r.created_by,
                 "description": r.description}
                for r in rows
            ]
        )  # fmt: skip


def _id_of(book, client_id: str) -> int:
    frame = _interventions(book)
    return int(frame.loc[frame["client_id"] == client_id, "id"].iloc[0])


def _queue_titles(dash_duo) -> list[str]:
    """The titles of the queue's rows, top to bottom (read at once: the table may be redrawn)."""
    script = "return [...document.querySelectorAll('#iv-table tbody tr .queue-title')].map((e) => e.textContent);"
    return dash_duo.driver.execute_script(script)


def _wait_for_titles(dash_duo, expected: list[str], timeout: float = 10) -> None:
    WebDriverWait(dash_duo.driver, timeout).until(
        lambda _d: _queue_titles(dash_duo) == expected,
        message=lambda: f"queue {_queue_titles(dash_duo)} != {expected}",
    )


def _pick_client(dash_duo, name: str) -> None:
    """Search the client picker for ``name`` and choose it."""
    click(dash_duo, dash_duo.find_element("#iv-form-client"))
    dash_duo.driver.switch_to.active_element.send_keys(name.split()[0])
    option = WebDriverWait(dash_duo.driver, 10).until(
        lambda d: next(
            (o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if o.text == name), None
        )
    )
    option.click()
    dash_duo.wait_for_contains_text("#iv-form-client", name)


def _sign_in(dash_duo, book, email: str, query: str) -> None:
    app = conftest_data.dashboard_app(book, LOGIN_DISABLED=False)
    dash_duo.server(app)
    dash_duo.driver.get(f"{dash_duo.server.url}/{query}")
    dash_duo.wait_for_element("#login-form")
    dash_duo.find_element("#email").send_keys(email)
    dash_duo.find_element("#password").send_keys(PASSWORD)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#shell-user")
    return app


def test_iv001_a_new_intervention_appears_in_the_queue_and_survives_a_reload(
    dash_duo, book, assert_clean_page
):
    open_page(dash_duo, book, "?tab=interventions")
    # The book's open work, in queue order: the urgent call first, then the high-priority meeting.
    _wait_for_titles(
        dash_duo,
        ["Call Priya about the missed planning tasks", "Review the timeline with Sophie and Dan"],
    )
    # Each is due three days after its creation: the call (2 days ago) tomorrow, so due soon and
    # tinted amber; the meeting (10 days ago) a week ago, so overdue and tinted red.
    dash_duo.wait_for_text_to_equal("#iv-count-open", "2")
    dash_duo.wait_for_text_to_equal("#iv-count-overdue", "1")
    dash_duo.wait_for_text_to_equal("#iv-count-due-soon", "1")
    call, meeting = dash_duo.find_elements(QUEUE_ROWS)
    assert "table-warning" in call.get_attribute("class") and "due in 2" in call.text
    assert "table-danger" in meeting.get_attribute("class") and "overdue by 7 days" in meeting.text
    assert_clean_page(dash_duo)

    click(dash_duo, dash_duo.find_element("#iv-new"))
    dash_duo.wait_for_element(".modal.show #iv-form")
    _pick_client(dash_duo, "Ruby Clarke")
    # Choosing the client says how she is doing (and suggests a priority) before we choose ours.
    dash_duo.wait_for_contains_text("#iv-form-client-hint", "priority suggested")
    click(
        dash_duo,
        dash_duo.find_element("label[for='_dbcprivate_radioitems_iv-form-type_input_email']"),
    )
    click(
        dash_duo,
        dash_duo.find_element("label[for='_dbcprivate_radioitems_iv-form-priority_input_high']"),
    )
    dash_duo.wait_for_contains_text("#iv-form-due-hint", "48 hours for high priority")
    dash_duo.find_element("#iv-form-title").send_keys("Welcome check-in with Ruby and Leo")
    dash_duo.find_element("#iv-form-notes").send_keys(
        "New this week: walk them through the planner."
    )
    before = pd.Timestamp.now(tz="UTC")
    click(dash_duo, dash_duo.find_element("#iv-form-save"))

    dash_duo.wait_for_contains_text("#iv-created", "Welcome check-in with Ruby and Leo")
    dash_duo.wait_for_no_elements(".modal.show #iv-form")
    # Within a priority the overdue come first: the new high-priority one comes last.
    expected = [
        "Call Priya about the missed planning tasks",
        "Review the timeline with Sophie and Dan",
        "Welcome check-in with Ruby and Leo",
    ]
    _wait_for_titles(dash_duo, expected)
    dash_duo.wait_for_text_to_equal("#iv-count-open", "3")
    dash_duo.wait_for_text_to_equal("#iv-count-due-soon", "2")

    stored = _interventions(book).iloc[-1]
    assert (stored["client_id"], stored["type"], stored["priority"], stored["status"]) == (
        "c-new", "email", "high", "pending",
    )  # fmt: skip
    assert stored["description"] == "New this week: walk them through the planner."
    # No due date given: the high priority's 48 hours from creation.
    assert stored["due_date"] - stored["created_at"] == dt.timedelta(hours=48)
    assert (
        before - pd.Timedelta(seconds=5)
        <= pd.Timestamp(stored["created_at"])
        <= pd.Timestamp.now(tz="UTC")
    )

    dash_duo.driver.refresh()
    _wait_for_titles(dash_duo, expected)
    assert_clean_page(dash_duo)


def test_iv002_completing_without_an_outcome_is_refused_at_the_field(
    dash_duo, book, assert_clean_page
):
    meeting = _id_of(book, "c-turner")  # in progress
    open_page(dash_duo, book, f"?tab=interventions&iv={meeting}")
    dash_duo.wait_for_element(".modal.show #iv-manage")
    dash_duo.wait_for_contains_text("#iv-manage-title", "Review the timeline with Sophie and Dan")
    dash_duo.wait_for_contains_text("#iv-manage-history", "Left a voicemail for Turner.")

    dash_duo.find_element("#iv-manage-status option[value='completed']").click()
    WebDriverWait(dash_duo.driver, 10).until(
        lambda _d: dash_duo.find_element("#iv-manage-outcome-block").is_displayed()
    )
    click(dash_duo, dash_duo.find_element("#iv-manage-save"))
    error = '[id=\'{"field":"outcome","form":"manage","type":"iv-field-error"}\']'
    dash_duo.wait_for_text_to_equal(error, "Choose an outcome to complete the intervention.")
    stored = _interventions(book).set_index("id").loc[meeting]
    assert stored["status"] == InterventionStatus.IN_PROGRESS.value

    # With an outcome and the client's answer it completes, and the history says so.
    click(
        dash_duo,
        dash_duo.find_element(
            "label[for='_dbcprivate_radioitems_iv-manage-outcome_input_resolved']"
        ),
    )
    click(
        dash_duo,
        dash_duo.find_element("label[for='_dbcprivate_radioitems_iv-manage-responded_input_yes']"),
    )
    dash_duo.find_element("#iv-manage-note").send_keys("Agreed a new timeline.")
    click(dash_duo, dash_duo.find_element("#iv-manage-save"))
    dash_duo.wait_for_contains_text("#iv-alert", "Saved.")
    dash_duo.wait_for_text_to_equal(error, "")
    dash_duo.wait_for_contains_text(
        "#iv-manage-history", "Status in progress → completed; outcome resolved."
    )
    dash_duo.wait_for_contains_text("#iv-manage-history", "Agreed a new timeline.")
    stored = _interventions(book).set_index("id").loc[meeting]
    assert stored["status"] == InterventionStatus.COMPLETED.value
    # The queue (open work) no longer lists it.
    click(dash_duo, dash_duo.find_element("#iv-manage-close"))
    dash_duo.wait_for_no_elements(".modal.show #iv-manage")
    wait_for_query(dash_duo, {"tab": "interventions"})
    _wait_for_titles(dash_duo, ["Call Priya about the missed planning tasks"])
    assert_clean_page(dash_duo)


def test_iv003_a_stale_edit_shows_the_conflict_and_overwrites_nothing(
    dash_duo, book, assert_clean_page
):
    call = _id_of(book, "c-shah")
    open_page(dash_duo, book, f"?tab=interventions&iv={call}")
    dash_duo.wait_for_contains_text("#iv-manage-title", "Call Priya")
    WebDriverWait(dash_duo.driver, 10).until(
        lambda _d: dash_duo.find_element("#iv-manage-priority").get_attribute("value") == "urgent"
    )

    # Someone else changes it in the meantime (through the same rules the API uses).
    with session_scope(book.url) as session:
        current = interventions.get_intervention(session, call)
        interventions.update_intervention(
            session, call, actor_id=book.manager_id, version=current.version,
            changes={"priority": Priority.HIGH}, note="Spoke to Arjun instead.",
        )  # fmt: skip

    dash_duo.find_element("#iv-manage-priority option[value='low']").click()
    click(dash_duo, dash_duo.find_element("#iv-manage-save"))
    dash_duo.wait_for_contains_text("#iv-alert", "Someone else changed this intervention")
    assert "Latest change: Morgan Lee" in dash_duo.find_element("#iv-alert").text
    stored = _interventions(book).set_index("id").loc[call]
    assert stored["priority"] == Priority.HIGH.value  # theirs, not ours

    # Reloading shows their change; the next edit goes through.
    click(dash_duo, dash_duo.find_element("#iv-manage-reload"))
    WebDriverWait(dash_duo.driver, 10).until(
        lambda _d: dash_duo.find_element("#iv-manage-priority").get_attribute("value") == "high"
    )
    dash_duo.wait_for_contains_text("#iv-manage-history", "Spoke to Arjun instead.")
    dash_duo.find_element("#iv-manage-priority option[value='urgent']").click()
    click(dash_duo, dash_duo.find_element("#iv-manage-save"))
    dash_duo.wait_for_contains_text("#iv-alert", "Saved.")
    assert _interventions(book).set_index("id").loc[call, "priority"] == Priority.URGENT.value
    assert_clean_page(dash_duo)


def _create_request(app, *, client: str, title: str) -> dict:
    """The body Dash's renderer posts when "Create intervention" is clicked with these values."""
    ((output, spec),) = [
        (key, value)
        for key, value in app.callback_map.items()
        if {"id": "iv-form-save", "property": "n_clicks"} in value["inputs"]
    ]
    fields = ("client", "type", "priority", "assignee", "due", "title", "notes")
    values = {
        "iv-form-client": client, "iv-form-type": "call", "iv-form-priority": "urgent",
        "iv-form-assignee": None, "iv-form-due-date": None, "iv-form-due-time": "17:00",
        "iv-form-title": title, "iv-form-notes": "", "iv-changed": 0,
    }  # fmt: skip
    outputs = [
        [{"id": {"type": "iv-field-error", "form": "new", "field": f}, "property": "children"} for f in fields],
        *({"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]} for o in output.strip(".").split("...")[1:]),
    ]  # fmt: skip
    return {
        "output": output,
        "outputs": outputs,
        "inputs": [{"id": "iv-form-save", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["iv-form-save.n_clicks"],
        "state": [
            {"id": s["id"], "property": s["property"], "value": values[s["id"]]}
            for s in spec["state"]
        ],
    }


def test_iv004_a_viewer_cannot_create_an_intervention(dash_duo, book, assert_clean_page):
    app = _sign_in(dash_duo, book, VIEWER_EMAIL, "?tab=interventions")
    _wait_for_titles(
        dash_duo,
        ["Call Priya about the missed planning tasks", "Review the timeline with Sophie and Dan"],
    )
    # The button is there but disabled, and says why.
    button = dash_duo.find_element("#iv-new")
    assert not button.is_enabled()
    assert "cannot" in button.get_attribute("title") or "not change" in button.get_attribute(
        "title"
    )
    # The manage dialog shows everything read-only, without Save or Cancel.
    click(dash_duo, dash_duo.find_elements(".queue-title")[0])
    dash_duo.wait_for_contains_text("#iv-manage-history", "Left a voicemail")
    assert dash_duo.find_element("#iv-manage-readonly").is_displayed()
    assert not dash_duo.find_element("#iv-manage-save").is_displayed()
    assert not dash_duo.find_element("#iv-manage-cancel").is_displayed()
    assert not dash_duo.find_element("#iv-manage-priority").is_enabled()
    assert_clean_page(dash_duo)

    # A request made by hand to the callback is refused by the callback itself.
    count = len(_interventions(book))
    cookies = {c["name"]: c["value"] for c in dash_duo.driver.get_cookies()}
    response = requests.post(
        f"{dash_duo.server.url}/_dash-update-component",
        json=_create_request(app, client="c-hart", title="Sneaky call"),
        cookies=cookies,
        timeout=20,
    )
    assert response.status_code == 200
    assert "can view interventions but not change them" in response.text
    assert len(_interventions(book)) == count


def test_iv005_filters_live_in_the_url_and_export_the_filtered_queue(
    dash_duo, book, assert_clean_page
):
    open_page(dash_duo, book, "?tab=interventions&status=all&type=email")
    _wait_for_titles(dash_duo, ["Check in on the menu tasting"])
    assert dash_duo.find_element("#iv-status").get_attribute("value") == "all"
    dash_duo.wait_for_contains_text("#iv-summary", "Interventions 1–1 of 1")

    dash_duo.find_element("#iv-status option[value='open']").click()
    wait_for_query(dash_duo, {"tab": "interventions", "type": "email"})
    dash_duo.wait_for_contains_text("#iv-table", "No interventions match these filters")
    click(dash_duo, dash_duo.find_element("#iv-clear"))
    wait_for_query(dash_duo, {"tab": "interventions"})
    _wait_for_titles(
        dash_duo,
        ["Call Priya about the missed planning tasks", "Review the timeline with Sophie and Dan"],
    )
    dash_duo.find_element("#iv-source option[value='auto']").click()
    wait_for_query(dash_duo, {"tab": "interventions", "source": "auto"})
    dash_duo.wait_for_contains_text("#iv-table", "No interventions match these filters")
    dash_duo.driver.back()
    _wait_for_titles(
        dash_duo,
        ["Call Priya about the missed planning tasks", "Review the timeline with Sophie and Dan"],
    )

    click(dash_duo, dash_duo.find_element("#iv-export"))
    folder = Path(dash_duo.download_path)
    deadline = time.time() + 15
    while time.time() < deadline and not list(folder.glob("interventions-*.csv")):
        time.sleep(0.2)
    (exported,) = folder.glob("interventions-*.csv")
    with exported.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["title"] for row in rows] == _queue_titles(dash_duo)
    assert [row["client"] for row in rows] == ["Priya Shah", "Sophie Turner"]
    assert [row["overdue"] for row in rows] == ["no", "yes"]
    assert_clean_page(dash_duo)


def test_iv006_a_clients_detail_opens_the_form_with_the_client_chosen(
    dash_duo, book, assert_clean_page
):
    open_page(dash_duo, book, "?client=c-campbell")
    dash_duo.wait_for_text_to_equal("#cd-title", "Isla Campbell")
    click(dash_duo, dash_duo.find_element("#cd-new-intervention"))
    dash_duo.wait_for_element(".modal.show #iv-form")
    dash_duo.wait_for_contains_text("#iv-form-client", "Isla Campbell")
    # She is at critical risk: the form says so and suggests an urgent priority.
    dash_duo.wait_for_contains_text("#iv-form-client-hint", "Critical risk")
    WebDriverWait(dash_duo.driver, 10).until(
        lambda _d: dash_duo.find_element(
            "#_dbcprivate_radioitems_iv-form-priority_input_urgent"
        ).is_selected()
    )
    # The link's parameters are taken out of the address once the form has them.
    wait_for_query(dash_duo, {"tab": "interventions"})
    dash_duo.wait_for_no_elements(".modal.show #cd-modal")

    # Saving without a title says so beside the title, and creates nothing.
    count = len(_interventions(book))
    click(dash_duo, dash_duo.find_element("#iv-form-save"))
    error = '[id=\'{"field":"title","form":"new","type":"iv-field-error"}\']'
    dash_duo.wait_for_text_to_equal(error, "Give the intervention a short title.")
    assert len(_interventions(book)) == count
    assert current_query(dash_duo) == {"tab": "interventions"}
    assert_clean_page(dash_duo)


def test_iv007_notes_reassignment_and_cancelling_keep_a_history_with_author(
    dash_duo, book, assert_clean_page
):
    call = _id_of(book, "c-shah")
    _sign_in(dash_duo, book, MANAGER_EMAIL, f"?tab=interventions&iv={call}")
    dash_duo.wait_for_contains_text("#iv-manage-title", "Call Priya")
    WebDriverWait(dash_duo.driver, 10).until(
        lambda _d: dash_duo.find_element("#iv-manage-priority").get_attribute("value") == "urgent"
    )
    dash_duo.find_element("#iv-manage-status option[value='in_progress']").click()
    dash_duo.find_element("#iv-manage-note").send_keys("Left a second voicemail.")
    click(dash_duo, dash_duo.find_element("#iv-manage-save"))
    dash_duo.wait_for_contains_text("#iv-alert", "Saved.")
    history = dash_duo.find_element("#iv-history-list").text
    assert "Morgan Lee" in history and "Left a second voicemail." in history
    assert "Status pending → in progress." in history
    # The note box is empty again, ready for the next one.
    assert dash_duo.find_element("#iv-manage-note").get_attribute("value") == ""

    # Cancelling asks first.
    assert not dash_duo.find_element("#iv-manage-cancel-confirm").is_displayed()
    click(dash_duo, dash_duo.find_element("#iv-manage-cancel"))
    click(dash_duo, dash_duo.find_element("#iv-manage-cancel-confirm"))
    dash_duo.wait_for_contains_text("#iv-alert", "Cancelled.")
    dash_duo.wait_for_contains_text("#iv-manage-history", "Status in progress → cancelled.")
    stored = _interventions(book).set_index("id").loc[call]
    assert stored["status"] == InterventionStatus.CANCELLED.value
    assert not dash_duo.find_element("#iv-manage-cancel").is_displayed()
    assert_clean_page(dash_duo)
