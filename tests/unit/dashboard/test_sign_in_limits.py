"""Limits on password guessing: 10 attempts per account and 30 per address in 5 minutes.

Counted for the sign-in form and ``POST /api/auth/token`` together, in the
database (or Redis), so every worker sees the same count.
"""

from __future__ import annotations

import logging
import re
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from data.repositories import rate_limits
from tests.conftest import SECRET, TEST_PASSWORD

TOKEN = "/api/auth/token"
EMAIL = "lead@example.com"
WRONG = "not-the-password-4711"


@pytest.fixture
def lead(session, make_user):
    user = make_user(EMAIL, name="Lee Lead")
    session.commit()
    return user


@pytest.fixture
def clock(monkeypatch):
    """The limits' clock, moved by hand: ``clock.now`` seconds since the epoch."""

    class Clock:
        now = 1_800_000_000.0

    monkeypatch.setattr(rate_limits, "clock", lambda: Clock.now)
    return Clock


def token(client, password: str, email: str = EMAIL):
    return client.post(TOKEN, json={"email": email, "password": password})


def form_sign_in(client, password: str, email: str = EMAIL):
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf})


def new_worker(migrated_url):
    """Another app on the same database: what a second gunicorn worker is."""
    from app import create_app

    return create_app({"TESTING": True, "DATABASE_URL": migrated_url, "SECRET_KEY": SECRET})


def test_the_11th_attempt_in_the_window_gets_429_and_the_right_password_works_after_it(
    client, lead, clock
):
    answers = [token(client, WRONG).status_code for _ in range(10)]
    assert answers == [401] * 10

    clock.now += 60  # a minute later, the 11th: refused, even with the right password
    refused = token(client, TEST_PASSWORD)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert refused.get_json()["error"]["message"].startswith("Too many sign-in attempts. Try again")
    # The first attempt leaves the window 300 s after it, 240 s from now (+1 for the second begun).
    assert refused.headers["Retry-After"] == "241"

    clock.now += 240  # one second short of the wait: still refused
    assert token(client, TEST_PASSWORD).status_code == 429
    clock.now += 1  # the wait is over: the first attempts have left the window
    assert token(client, TEST_PASSWORD).status_code == 200


def test_the_form_says_how_long_to_wait(client, lead, clock):
    for _ in range(10):
        assert form_sign_in(client, WRONG).status_code == 401

    refused = form_sign_in(client, WRONG)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "301"
    page = refused.get_data(as_text=True)
    assert "Too many sign-in attempts. Try again in 6 minutes." in page
    assert f'value="{EMAIL}"' in page  # the email stays typed in the form
    assert WRONG not in page


def test_the_form_and_the_api_share_one_count_across_workers(client, lead, clock, migrated_url):
    other = new_worker(migrated_url).server.test_client()
    for _ in range(5):
        assert form_sign_in(client, WRONG).status_code == 401
        assert token(other, WRONG).status_code == 401

    assert token(client, WRONG).status_code == 429
    assert form_sign_in(other, TEST_PASSWORD).status_code == 429


def test_an_account_is_counted_whatever_the_case_of_its_email(client, lead, clock):
    for index in range(10):
        email = EMAIL.upper() if index % 2 else EMAIL
        assert token(client, WRONG, email=email).status_code == 401
    assert token(client, TEST_PASSWORD, email=f"  {EMAIL.title()} ").status_code == 429


def test_other_accounts_still_sign_in_while_one_is_limited(client, lead, make_user, session, clock):
    make_user("other@example.com", name="Ola Other")
    session.commit()
    for _ in range(11):
        token(client, WRONG)
    assert token(client, TEST_PASSWORD).status_code == 429
    assert token(client, TEST_PASSWORD, email="other@example.com").status_code == 200


def test_one_address_may_not_try_many_accounts(client, lead, clock):
    # 30 attempts on 30 accounts (none exists): each account once, the address 30 times.
    answers = {token(client, WRONG, email=f"guess{n}@example.com").status_code for n in range(30)}
    assert answers == {401}
    assert token(client, TEST_PASSWORD).status_code == 429  # the 31st from this address

    clock.now += 301
    assert token(client, TEST_PASSWORD).status_code == 200


def test_failures_are_logged_without_the_password(client, lead, clock, caplog):
    with caplog.at_level(logging.WARNING):
        for _ in range(11):
            token(client, WRONG)
            form_sign_in(client, WRONG)
    assert EMAIL in caplog.text
    assert "sign-in refused (too many attempts)" in caplog.text
    assert WRONG not in caplog.text


def test_a_get_of_the_sign_in_page_is_not_an_attempt(client, lead, clock):
    for _ in range(40):
        assert client.get("/login").status_code == 200
    assert token(client, TEST_PASSWORD).status_code == 200


# -- the database storage ----------------------------------------------------------------


def test_the_database_keeps_a_moving_window(migrated_url, clock):
    storage = rate_limits.DatabaseStorage(url=migrated_url)
    assert [storage.acquire_entry("k", 3, 60) for _ in range(4)] == [True, True, True, False]
    # (the oldest counted time, the count): all three at the same moment
    assert storage.get_moving_window("k", 3, 60) == (clock.now, 3)
    assert storage.get_moving_window("other", 3, 60) == (clock.now, 0)

    clock.now += 30
    assert not storage.acquire_entry("k", 3, 60)
    clock.now += 31  # the first three are older than the window
    assert storage.acquire_entry("k", 3, 60)
    assert storage.get_moving_window("k", 3, 60) == (clock.now, 1)

    storage.clear("k")
    assert storage.get_moving_window("k", 3, 60) == (clock.now, 0)
    assert storage.check()


# -- in Redis, when REDIS_URL is set -----------------------------------------------------


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="needs Redis on 127.0.0.1:6379")
def test_with_redis_url_the_count_is_kept_in_redis(migrated_url, lead):
    import redis

    from app import create_app

    url = "redis://127.0.0.1:6379/15"
    redis.Redis.from_url(url).flushdb()
    config = {"TESTING": True, "DATABASE_URL": migrated_url, "SECRET_KEY": SECRET}
    first = create_app({**config, "REDIS_URL": url}).server.test_client()
    second = create_app({**config, "REDIS_URL": url}).server.test_client()
    try:
        for _ in range(5):
            assert token(first, WRONG).status_code == 401
            assert token(second, WRONG).status_code == 401
        assert token(first, TEST_PASSWORD).status_code == 429
        assert redis.Redis.from_url(url).dbsize() > 0
    finally:
        redis.Redis.from_url(url).flushdb()


def test_simultaneous_attempts_are_counted_one_at_a_time(migrated_url):
    # 20 attempts at once on one key with a limit of 10: exactly 10 are let through,
    # however the workers' transactions interleave.
    storage = rate_limits.DatabaseStorage(url=migrated_url)
    with ThreadPoolExecutor(max_workers=20) as pool:
        let_through = list(pool.map(lambda _: storage.acquire_entry("k", 10, 300), range(20)))
    assert let_through.count(True) == 10
    assert storage.get_moving_window("k", 10, 300)[1] == 10
