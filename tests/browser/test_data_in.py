"""Data in, in headless Chromium: the upload's check, API keys, a sync on System status, data quality.

The test stand-in (an admin, ``LOGIN_DISABLED``) uploads files of
interactions for the known book's clients and makes and revokes a key, which
is then tried against the live server's API.
"""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request

import pandas as pd
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import func, select

from data.db import session_factory, session_scope
from data.models import ApiKey, AuditEvent, Client, DataImport, Interaction
from data.repositories.events import insert_events
from data.repositories.sync_sources import save_source
from data.repositories.users import create_user
from data.sync import sync_source
from scoring.columns import DAY
from scoring.enums import ClientStatus, Role
from tests.browser import conftest_data
from tests.browser.conftest_data import (
    MANAGER_EMAIL,
    PASSWORD,
    click,
    dashboard_app,
    open_page,
    sign_in,
    wait_for_query,
)

book = conftest_data.book  # the known book, a fixture
pytestmark = pytest.mark.browser
ADMIN_EMAIL = "ada@example.com"

GOOD = (
    "client_id,ts,channel,response_hours\n"
    "c-hart,2026-01-05T10:00:00Z,email,2\n"
    "c-okafor,2026-01-05T11:00:00Z,phone,\n"
    "c-brown,2026-01-06T09:30:00Z,meeting,5.5\n"
)
BAD = (
    "client_id,ts,channel,response_hours\n"
    "c-hart,2026-01-05T10:00:00Z,email,2\n"
    "c-nobody,2026-01-05T11:00:00Z,phone,\n"
    "c-brown,next monday,meeting,5.5\n"
)


def _interactions(url: str) -> int:
    with session_scope(url) as session:
        return session.query(Interaction).count()


def _upload(dash_duo, tmp_path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    dash_duo.driver.find_element(By.CSS_SELECTOR, "#di-upload input[type=file]").send_keys(
        str(path)
    )


def _cells(dash_duo, table_id: str) -> list[list[str]]:
    rows = dash_duo.driver.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr")
    return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for row in rows]


def test_di001_an_upload_is_checked_by_line_before_it_is_imported(
    dash_duo, book, tmp_path, assert_clean_page
):
    before = _interactions(book.url)
    open_page(dash_duo, book, "?view=data")
    dash_duo.wait_for_element("#di-kind")
    Select(dash_duo.find_element("#di-kind")).select_by_value("interactions")
    dash_duo.wait_for_contains_text("#di-columns", "response_hours")

    _upload(dash_duo, tmp_path, "interactions.csv", BAD)
    dash_duo.wait_for_element("#di-problems")
    assert _cells(dash_duo, "di-problems") == [
        ["3", "client_id", "no client with this id"],
        ["4", "ts", "not an ISO 8601 timestamp (e.g. 2024-05-01T14:30:00Z)"],
    ]
    assert not dash_duo.find_element("#di-confirm").is_displayed()

    _upload(dash_duo, tmp_path, "week.csv", GOOD)
    dash_duo.wait_for_contains_text("#di-passed", "all 3 rows of interactions passed")
    assert _cells(dash_duo, "di-sample")[2] == [
        "c-brown",
        "2026-01-06T09:30:00Z",
        "meeting",
        "5.5",
    ]
    assert _interactions(book.url) == before  # nothing written by the checks
    confirm = dash_duo.find_element("#di-confirm")
    assert confirm.text == "Import 3 rows of interactions"

    click(dash_duo, confirm)
    dash_duo.wait_for_contains_text(
        "#di-imported", "Imported week.csv: 3 interactions added, 0 already there."
    )
    assert _interactions(book.url) == before + 3
    dash_duo.wait_for_element("#di-history table")
    assert [row[1:] for row in _cells(dash_duo, "di-history")] == [
        ["Test user", "Upload", "interactions", "week.csv", "3", "0", "Imported 3 rows"]
    ]
    with session_scope(book.url) as session:
        recorded = [(r.source, r.rows_added, r.problems) for r in session.query(DataImport)]
    assert recorded == [("week.csv", 3, 0)]
    assert_clean_page(dash_duo)


def _api_status(base: str, key: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/admin/customer-success/metrics", headers={"Authorization": f"Bearer {key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_ak001_a_key_is_shown_once_works_and_stops_when_revoked(dash_duo, book, assert_clean_page):
    with session_scope(book.url) as session:
        create_user(session, ADMIN_EMAIL, name="Ada Admin", role=Role.ADMIN, password=PASSWORD)
    sign_in(dash_duo, dashboard_app(book, LOGIN_DISABLED=False), ADMIN_EMAIL, "?view=keys")
    dash_duo.wait_for_element("#ak-name").send_keys("Booking system")
    click(dash_duo, dash_duo.find_element("#ak-create"))

    key = dash_duo.wait_for_element("#ak-new-key").text
    assert key.startswith("csd_")
    dash_duo.wait_for_contains_text("#ak-table", "Booking system")
    row = dash_duo.find_element("#ak-table tbody tr")
    cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
    assert cells[:3] == ["Booking system", key[:12] + "…", "Manager"]
    assert cells[4:7] == ["Never", "Never", "Active"]  # expires, last used, state
    assert _api_status(dash_duo.server.url, key) == 200

    click(dash_duo, row.find_element(By.TAG_NAME, "button"))
    dash_duo.wait_for_contains_text("#ak-dialog-text", f"Booking system ({key[:12]}…)")
    click(dash_duo, dash_duo.find_element("#ak-confirm"))
    dash_duo.wait_for_contains_text("#ak-revoked", "Revoked the key Booking system")
    dash_duo.wait_for_no_elements("#ak-new-key")  # shown once, and gone with the key
    dash_duo.wait_for_contains_text("#ak-table tbody tr", "Revoked")
    assert _api_status(dash_duo.server.url, key) == 401
    with session_scope(book.url) as session:
        assert session.scalars(select(ApiKey.revoked_at)).one() is not None
        events = session.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.subject)
            .where(AuditEvent.action.like("api_key%"))
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(event) for event in events] == [
        ("api_key_created", ADMIN_EMAIL, "Booking system"),
        ("api_key_revoked", ADMIN_EMAIL, "Booking system"),
    ]
    assert_clean_page(dash_duo)


def test_sy001_status_shows_a_folder_sync_that_refused_one_file(
    dash_duo, book, tmp_path, assert_clean_page
):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "interactions-1.csv").write_text(GOOD, encoding="utf-8")
    (drop / "interactions-2.csv").write_text(BAD, encoding="utf-8")
    with session_scope(book.url) as session:
        source_id = save_source(session, name="Booking drops", kind="folder", location=str(drop)).id
    sync_source(session_factory(book.url), source_id)

    open_page(dash_duo, book, "?view=status")
    dash_duo.wait_for_contains_text("#sy-sources", "Booking drops")
    source = dash_duo.find_element(f"#sy-source-{source_id}")
    text = source.text
    assert "Partly refused" in text
    assert "3 rows added, 0 already there (interactions 3)" in text
    assert "interactions-2.csv: refused (2 problems), moved to failed/ with " in text
    assert sorted(p.name.split("-", 1)[1] for p in (drop / "done").iterdir()) == [
        "interactions-1.csv"
    ]
    assert sorted(p.name.split("-", 1)[1] for p in (drop / "failed").iterdir()) == [
        "interactions-2.csv",
        "interactions-2.csv.errors.txt",
    ]
    assert_clean_page(dash_duo)


def test_dq001_data_quality_says_who_is_not_scored_and_why_and_opens_the_client(
    dash_duo, book, assert_clean_page
):
    """A client added three days ago with nothing recorded, and a login dated two days ahead."""
    now = dt.datetime.now(dt.UTC)
    with session_scope(book.url) as session:
        session.add(Client(id="c-fresh", name="Fresh & Newly", status=ClientStatus.ACTIVE,
                           created_at=now - dt.timedelta(days=3)))  # fmt: skip
        session.flush()
        insert_events(
            session,
            "logins",
            pd.DataFrame({"client_id": ["c-hart"], "ts": [now + dt.timedelta(days=2)]}),
        )
        active = session.scalar(
            select(func.count()).select_from(Client).where(Client.status == "active")
        )
    scored = int((book.scores[DAY] == book.today).sum())

    sign_in(dash_duo, dashboard_app(book, LOGIN_DISABLED=False), MANAGER_EMAIL, "?view=quality")
    dash_duo.wait_for_text_to_equal("#dq-scored", f"{scored} of {active}")
    onboarding = dash_duo.find_element("#dq-unscored").text
    assert "Still onboarding: nothing the score can use has been recorded yet." in onboarding
    assert "Fresh & Newly · Day 4 of 14, nothing recorded yet" in onboarding
    assert "Amelia Hart · 1 login dated after now" in dash_duo.find_element("#dq-odd-dates").text
    assert dash_duo.find_element("#dq-odd").text == "1 client"

    assert "worked out in" in dash_duo.find_element("#dq-checked").text

    with session_scope(book.url) as session:  # one more: the page works its figures out again
        session.add(Client(id="c-later", name="Later & Still", status=ClientStatus.ACTIVE,
                           created_at=now - dt.timedelta(days=1)))  # fmt: skip
    click(dash_duo, dash_duo.find_element("#dq-refresh"))
    dash_duo.wait_for_text_to_equal("#dq-scored", f"{scored} of {active + 1}")
    assert (
        "Later & Still · Day 2 of 14, nothing recorded yet"
        in dash_duo.find_element("#dq-unscored").text
    )

    buttons = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#dq-unscored button")
    click(dash_duo, next(button for button in buttons if button.text == "Fresh & Newly"))
    wait_for_query(dash_duo, {"view": "quality", "client": "c-fresh"})
    dash_duo.wait_for_contains_text("#cd-title", "Fresh & Newly")
    assert_clean_page(dash_duo)
