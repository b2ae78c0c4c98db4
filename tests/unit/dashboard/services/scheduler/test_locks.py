"""Job locks: taken once until they expire, released by their holder; PostgreSQL gives up at once."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import select

from data.models_reports import JobLock
from data.repositories.locks import (
    acquire_job_lock,
    job_lock,
    lock_key,
    release_job_lock,
    take_turn,
)
from tests.unit.dashboard.services.reports.conftest import sessions_for

T = dt.datetime(2024, 3, 31, 2, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def test_a_lock_is_taken_once_until_it_expires(session):
    assert acquire_job_lock(session, "daily-scoring", until=T + HOUR, holder="a", now=T)
    assert not acquire_job_lock(
        session, "daily-scoring", until=T + 2 * HOUR, holder="b", now=T + HOUR / 2
    )
    assert acquire_job_lock(session, "other-job", until=T + HOUR, holder="b", now=T)

    row = job_lock(session, "daily-scoring")
    assert (row.holder, row.locked_until) == ("a", T + HOUR)
    # Expired: the next runner takes it.
    assert acquire_job_lock(session, "daily-scoring", until=T + 3 * HOUR, holder="b", now=T + HOUR)
    session.expire_all()
    assert job_lock(session, "daily-scoring").holder == "b"


def test_only_the_holder_releases_a_lock(session):
    acquire_job_lock(session, "report-schedules", until=T + HOUR, holder="a", now=T)

    assert not release_job_lock(session, "report-schedules", holder="b", now=T)
    assert release_job_lock(session, "report-schedules", holder="a", now=T)
    assert acquire_job_lock(session, "report-schedules", until=T + HOUR, holder="b", now=T)
    assert session.scalar(select(JobLock.holder)) == "b"


def test_lock_keys_are_stable_signed_64_bit_numbers():
    assert lock_key("daily-scoring") == lock_key("daily-scoring") != lock_key("report-schedules")
    assert -(2**63) <= lock_key("daily-scoring") < 2**63


def test_on_postgresql_a_second_runner_gives_up_without_waiting(migrated_url):
    if not migrated_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers by waiting for its write lock")
    first, second = sessions_for(migrated_url)(), sessions_for(migrated_url)()
    try:
        with first.begin():
            assert acquire_job_lock(first, "daily-scoring", until=T + HOUR, holder="a", now=T)
            started = time.perf_counter()
            with second.begin():
                # The first runner's transaction is still open: its advisory lock is held.
                assert not acquire_job_lock(
                    second, "daily-scoring", until=T + HOUR, holder="b", now=T + 2 * HOUR
                )
            assert time.perf_counter() - started < 1
    finally:
        first.close()
        second.close()


def test_a_turn_lasts_as_long_as_its_transaction(migrated_url):
    if not migrated_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers by waiting for its write lock")
    first, second = sessions_for(migrated_url)(), sessions_for(migrated_url)()
    try:
        with first.begin():
            assert take_turn(first, "manual-scoring")
            with second.begin():
                assert not take_turn(second, "manual-scoring")  # held while the first is open
        with second.begin():
            assert take_turn(second, "manual-scoring")  # committed: nothing outlives it
    finally:
        first.close()
        second.close()
