"""Data quality: each client's events per kind, why an active client has no score today, coverage, odd dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from dashboard.admin import callbacks as views
from dashboard.admin import data_quality as page
from dashboard.admin.frame import View, views_for_current_role
from dashboard.services import data_quality as quality
from dashboard.services.data_quality import (
    ClientItem,
    coverage_bands,
    events_text,
    model_from_json,
    needs_check,
    read_quality_model,
    run_quality_check,
)
from dashboard.services.jobs import QUALITY_JOB, Started, start_quality_check
from data.db import session_factory
from data.repositories.data_quality import client_event_facts
from data.repositories.locks import acquire_job_lock, job_lock_held
from data.repositories.quality_checks import data_stamp, latest_check
from data.repositories.runs import fail_run, finish_run, start_run
from scoring.enums import ClientStatus, Role
from tests.unit.dashboard.test_audit_log import sign_in

NOW = pd.Timestamp("2024-03-10 09:30", tz="UTC")
TODAY = dt.date(2024, 3, 10)
LONDON = ZoneInfo("Europe/London")  # UTC in March, BST (UTC+1) in June


def at(text: str) -> dt.datetime:
    return pd.Timestamp(text, tz="UTC").to_pydatetime()


def test_each_clients_events_are_summed_up_per_kind_against_now_and_its_creation(
    make_client, add_events, session
):
    make_client("c-ada", name="Ada & Ben", created_at=at("2024-01-01 10:00"))
    make_client("c-cy", name="Cy & Dee", created_at=at("2023-06-01 10:00"))
    add_events("logins", [
        {"client_id": "c-ada", "ts": at("2023-12-31 12:00")},  # before the client was created
        {"client_id": "c-ada", "ts": at("2024-03-05 10:00")},
        {"client_id": "c-ada", "ts": at("2024-03-12 08:00")},  # after now
    ])  # fmt: skip
    add_events("interactions", [{"client_id": "c-ada", "ts": at("2023-12-01 09:00")}])
    add_events("tasks", [
        {"client_id": "c-ada", "title": "Menu", "due_date": dt.date(2024, 3, 8),
         "completed_at": at("2024-03-11 10:00")},  # completed after now; due in the last 90 days
    ])  # fmt: skip
    add_events("tickets", [{"client_id": "c-ada", "opened_at": at("2024-03-09 15:00")}])

    facts = client_event_facts(
        session, now=NOW.to_pydatetime(), since=(NOW - pd.Timedelta(days=90)).to_pydatetime()
    ).set_index("client_id")

    ada = facts.loc["c-ada"]
    assert ada["logins_newest"] == pd.Timestamp("2024-03-05 10:00", tz="UTC")
    assert (ada["logins_recent"], ada["logins_future"], ada["logins_early"]) == (True, 1, 1)
    assert ada["interactions_newest"] == pd.Timestamp("2023-12-01 09:00", tz="UTC")
    # 1 Dec is more than 90 days before 10 Mar, and before 1 Jan.
    assert (ada["interactions_recent"], ada["interactions_future"], ada["interactions_early"]) == (
        False, 0, 1,
    )  # fmt: skip
    assert pd.isna(ada["tasks_newest"])  # its only completion is after now
    assert (ada["tasks_recent"], ada["tasks_future"], ada["tasks_early"]) == (True, 1, 0)
    assert pd.isna(ada["feedback_newest"])
    assert (ada["feedback_recent"], ada["feedback_future"], ada["feedback_early"]) == (False, 0, 0)
    assert ada["tickets_newest"] == pd.Timestamp("2024-03-09 15:00", tz="UTC")
    assert (ada["tickets_recent"], ada["tickets_future"], ada["tickets_early"]) == (True, 0, 0)

    cy = facts.loc["c-cy"]
    assert cy.filter(like="_newest").isna().all()
    assert not cy.filter(like="_recent").any()
    assert cy.filter(like="_future").sum() == 0 and cy.filter(like="_early").sum() == 0


@pytest.fixture
def book(make_client, add_events, make_score):
    """Six active clients and a churned one; only one is scored today."""
    make_client("c-scored", name="Amy & Al", created_at=at("2024-01-01 10:00"))
    make_client("c-late", name="Bea & Bo", created_at=at("2024-03-10 08:15"))  # after the 07:00 run
    make_client(
        "c-new", name="Cat & Cal", created_at=at("2024-03-05 09:00")
    )  # onboarding, no events
    make_client("c-quiet", name="Dot & Dan", created_at=at("2023-06-01 10:00"))
    make_client("c-empty", name="Eve & Ed", created_at=at("2023-06-01 10:00"))
    make_client("c-ahead", name="Fay & Fin", created_at=at("2024-03-12 10:00"))
    make_client("c-gone", name="Gil & Gus", created_at=at("2023-06-01 10:00"),
                status=ClientStatus.CHURNED, churned_at=at("2024-02-01 10:00"))  # fmt: skip
    add_events("logins", [{"client_id": "c-quiet", "ts": at("2023-09-01 10:00")}])
    make_score("c-scored", TODAY, 70.0, coverage=0.5)


def model(session):
    return read_quality_model(session, zone=LONDON, now=NOW)


def test_each_active_client_without_a_score_today_is_listed_under_the_first_reason_that_holds(
    book, session
):
    run = start_run(session, TODAY, at=at("2024-03-10 07:00"))
    finish_run(session, run.id, clients_scored=1, at=at("2024-03-10 07:02"))
    quality = model(session)

    assert (quality.day, quality.active, quality.scored, quality.unscored_count) == (TODAY, 6, 1, 5)
    assert [(group.title, group.items) for group in quality.unscored] == [
        ("Created with a date after today",
         (ClientItem("c-ahead", "Fay & Fin", "Created 12 Mar 10:00"),)),
        ("Added after today's run of 10 Mar 07:00: the next run or Recalculate this client scores them.",
         (ClientItem("c-late", "Bea & Bo", "Created 10 Mar 08:15"),)),
        ("Still onboarding: nothing the score can use has been recorded yet.",
         (ClientItem("c-new", "Cat & Cal", "Day 6 of 14, nothing recorded yet"),)),
        ("Nothing recorded yet.",
         (ClientItem("c-empty", "Eve & Ed", "Created 1 Jun 2023 11:00"),)),  # BST
        ("Nothing recent enough for the score to use.",
         (ClientItem("c-quiet", "Dot & Dan", "Newest event 1 Sep 2023"),)),
    ]  # fmt: skip


def test_without_a_full_run_today_every_unscored_client_is_put_down_to_the_run(book, session):
    assert model(session).unscored[0].title.startswith("No scoring run for today yet")

    one = start_run(session, TODAY, at=at("2024-03-10 06:00"), all_clients=False)
    finish_run(session, one.id, clients_scored=1, at=at("2024-03-10 06:01"))  # one client only
    run = start_run(session, TODAY, at=at("2024-03-10 07:00"))
    fail_run(session, run.id, "disk full\nTraceback ...", at=at("2024-03-10 07:01"))
    groups = model(session).unscored

    assert [(group.title, group.total) for group in groups] == [
        ("Today's scoring run of 10 Mar 07:00 failed: disk full", 4),
        ("Created with a date after today", 1),
    ]
    assert [item.client_id for item in groups[0].items] == ["c-late", "c-new", "c-quiet", "c-empty"]


def test_stale_kinds_coverage_and_the_newest_event_of_each_kind(book, session):
    quality = model(session)

    logins = quality.stale[0]
    assert (logins.kind, logins.clients.total, logins.share) == ("logins", 6, 1.0)
    assert logins.clients.title == "No logins in 90 days"
    assert ClientItem("c-quiet", "Dot & Dan", "Newest 1 Sep 2023") in logins.clients.items
    assert ClientItem("c-scored", "Amy & Al", "None ever") in logins.clients.items
    assert "c-gone" not in {item.client_id for item in logins.clients.items}  # active clients only

    assert quality.median_coverage == 0.5
    assert [band.clients for band in quality.bands] == [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    assert quality.lowest.items == (ClientItem("c-scored", "Amy & Al", "Coverage 50% · score 70"),)

    newest = {item.kind: (item.when, item.stale) for item in quality.newest}
    assert newest["logins"] == ("1 Sep 2023 11:00, 190 days ago", True)
    assert newest["tickets"] == ("none", True)


def test_odd_dates_name_what_is_wrong_most_first(make_client, add_events, session):
    make_client("c-1", name="Ann & Al", created_at=at("2024-02-01 10:00"))
    make_client("c-2", name="Bo & Bea", created_at=at("2024-02-01 10:00"))
    add_events("logins", [{"client_id": "c-1", "ts": at("2024-03-11 10:00")},
                          {"client_id": "c-2", "ts": at("2024-01-30 10:00")},
                          {"client_id": "c-2", "ts": at("2024-03-20 10:00")}])  # fmt: skip
    add_events("feedback", [{"client_id": "c-2", "ts": at("2024-01-31 10:00"), "rating": 4},
                            {"client_id": "c-2", "ts": at("2024-01-31 11:00"), "rating": 5}])  # fmt: skip

    odd = model(session).odd_dates

    assert odd.total == 2
    assert odd.items == (
        ClientItem("c-2", "Bo & Bea", "1 login dated after now · 1 login, 2 feedback responses "
                   "before the client was created (1 Feb 2024)"),
        ClientItem("c-1", "Ann & Al", "1 login dated after now"),
    )  # fmt: skip


def test_coverage_falls_in_bands_of_ten_percent_with_a_full_score_in_the_last():
    bands = coverage_bands(pd.Series([0.0, 0.095, 0.1, 0.299, 0.3, 0.5, 0.999, 1.0, None]))
    assert [(band.label, band.clients) for band in bands] == [
        ("0–9%", 2), ("10–19%", 1), ("20–29%", 1), ("30–39%", 1), ("40–49%", 0),
        ("50–59%", 1), ("60–69%", 0), ("70–79%", 0), ("80–89%", 0), ("90–100%", 2),
    ]  # fmt: skip


def test_events_are_named_as_a_sentence_counts_them():
    assert events_text("logins", 1) == "1 login"
    assert events_text("tasks", 3) == "3 completed tasks"
    assert events_text("feedback", 2) == "2 feedback responses"


def test_a_check_stores_the_model_the_page_draws_and_is_done_again_when_the_data_changes(
    book, session, migrated_url, make_client
):
    sessions = session_factory(migrated_url)
    session.commit()
    check = run_quality_check(sessions, zone=LONDON)

    assert check.error is None
    assert latest_check(session).id == check.id
    stored = model_from_json(latest_check(session).result)
    assert stored == read_quality_model(session, zone=LONDON, now=pd.Timestamp(check.started_at))
    assert (stored.active, stored.scored) == (6, 0)  # checked now: nobody is scored for today

    started = pd.Timestamp(check.started_at)
    assert not needs_check(check, data_stamp(session), started + pd.Timedelta(minutes=14))
    assert needs_check(check, data_stamp(session), started + pd.Timedelta(minutes=16))
    assert needs_check(None, data_stamp(session), started)
    make_client("c-another", name="Hal & Ivy")  # one more client: other data
    assert needs_check(check, data_stamp(session), started)


def test_a_check_that_fails_says_why_and_only_one_check_runs_at_a_time(
    book, session, migrated_url, monkeypatch
):
    sessions = session_factory(migrated_url)
    session.commit()

    def broken(*_args, **_kwargs):
        raise RuntimeError("the events could not be read")

    monkeypatch.setattr(quality, "read_quality_model", broken)
    failed = run_quality_check(sessions, zone=LONDON)
    assert (failed.result, failed.error) == (None, "the events could not be read")

    now = pd.Timestamp.now(tz="UTC")
    with sessions() as other, other.begin():
        assert acquire_job_lock(
            other, QUALITY_JOB, until=(now + pd.Timedelta(minutes=5)).to_pydatetime()
        )
    with sessions() as other:
        assert job_lock_held(other, QUALITY_JOB)
    assert start_quality_check(migrated_url, now=now, zone=LONDON) == Started(
        False, "The data is being checked already."
    )


def test_admins_and_managers_check_the_data_quality_and_viewers_read_why_not(
    client, session, make_user, migrated_url
):
    make_user("mo@example.com", name="Mo Manager", role=Role.MANAGER)
    make_user("vic@example.com", name="Vic Viewer", role=Role.VIEWER)
    session.commit()
    run_quality_check(session_factory(migrated_url), zone=LONDON)  # fresh: the page starts none

    sign_in(client, "mo@example.com")
    with client:
        client.get("/_dash-layout")
        assert View.QUALITY in views_for_current_role()
        drawn = page.render(0, None, None)
        assert "Scored today" in str(drawn["body"])
        assert drawn["poll_off"] is True

    viewer = client.application.test_client()
    sign_in(viewer, "vic@example.com")
    with viewer:
        viewer.get("/_dash-layout")
        assert View.QUALITY not in views_for_current_role()
        assert "Only admins and managers can check the data quality." in str(
            views.show_view("?view=quality", None)
        )
        assert "Only admins and managers can check the data quality." in str(
            page.render(0, None, None)["body"]
        )


def test_a_few_clients_are_never_shown_as_none_of_the_active():
    assert page.share_text(2 / 424) == "under 1%"
    assert page.share_text(5 / 424) == "1%"
    assert page.share_text(0.39) == "39%"
