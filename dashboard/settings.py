"""Every setting of the dashboard, read from the environment in one place (DESIGN 2).

``Settings.from_environ(environ, overrides)`` reads the variables of
``NAMES`` (default: the process environment) into one typed, frozen object;
nothing else in ``dashboard/`` reads ``os.environ`` (``data/db.py`` reads
``DATABASE_URL`` for the engine of the command line).

Decisions:

- ``create_app(config)`` reads the settings once: the environment, with the
  entries of ``config`` named like a variable winning (``CSD_TIMEZONE``,
  ``CSD_SCORE_TARGET``, ...). They are kept on the Flask app and
  :func:`current` returns them inside a request. Outside an app (a ``csd``
  command, a test calling a function directly) :func:`current` reads the
  environment afresh, so a command sees the environment it was started with.
- A value that does not parse falls back to its default with a warning in the
  log, never an error at start-up: a typo in ``CSD_SCORE_AT`` must not take
  the dashboard down.
"""

from __future__ import annotations

import logging
import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_SCORE_TARGET = 70
DEFAULT_SCORE_AT = "02:00"
STARTTLS_PORT = 587
TLS_PORT = 465
PLAIN_PORT = 25

# The environment variables of the dashboard (the README's table of settings).
NAMES = (
    "DATABASE_URL",
    "SECRET_KEY",
    "SESSION_COOKIE_SECURE",
    "CSD_TIMEZONE",
    "CSD_SCORE_TARGET",
    "CSD_SCORE_AT",
    "CSD_SCHEDULER",
    "CSD_REPORTS_DIR",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "SMTP_FROM",
    "SMTP_TLS",
    "REDIS_URL",
    "CSD_TRUSTED_PROXIES",
)
_EXTENSION = "csd.settings"
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_TRUE = ("1", "true", "on", "yes")
_FALSE = ("0", "false", "off", "no")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send mail: ``SMTP_HOST`` (mail is sent only when it is set),
    ``SMTP_PORT`` (default 587 with a user name, else 25), ``SMTP_USER`` and
    ``SMTP_PASSWORD``, ``SMTP_FROM`` (default: the user name, else
    ``customer-success@`` the host's name), ``SMTP_TLS`` (``off`` to send
    without encryption, on purpose, to a relay that offers none; else port 465
    speaks TLS from the start and every other port must upgrade with
    STARTTLS before anything, a password included, is sent)."""

    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    tls: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, Any] | None = None) -> SmtpSettings | None:
        """The settings of ``SMTP_*`` in ``environ`` (default: the process environment); None without a host."""
        env = os.environ if environ is None else environ
        host = _text(env, "SMTP_HOST")
        if not host:
            return None
        user = _text(env, "SMTP_USER") or None
        port_text = _text(env, "SMTP_PORT")
        try:
            port = int(port_text) if port_text else (STARTTLS_PORT if user else PLAIN_PORT)
        except ValueError:
            log.warning("SMTP_PORT=%r is not a number; using %s", port_text, PLAIN_PORT)
            port = PLAIN_PORT
        sender = _text(env, "SMTP_FROM") or user or f"customer-success@{socket.getfqdn()}"
        password = env.get("SMTP_PASSWORD")
        tls = _text(env, "SMTP_TLS").lower() not in _FALSE
        return cls(host, port, user, str(password) if password else None, sender, tls)


@dataclass(frozen=True)
class Settings:
    """The dashboard's settings, typed; see :data:`NAMES` and the README."""

    database_url: str | None  # DATABASE_URL; None: data.db's local SQLite file
    secret_key: str | None  # SECRET_KEY
    # SESSION_COOKIE_SECURE=1/0 (true/false, on/off, yes/no); unset: on whenever DATABASE_URL is set
    session_cookie_secure: bool
    timezone: ZoneInfo  # CSD_TIMEZONE, default Europe/London
    score_target: int  # CSD_SCORE_TARGET (0-100), default 70
    score_at: tuple[int, int]  # CSD_SCORE_AT (HH:MM), default 02:00
    scheduler: bool  # CSD_SCHEDULER=on
    test_run: bool  # under pytest (PYTEST_CURRENT_TEST) or TESTING: no scheduler
    reports_dir: Path | None  # CSD_REPORTS_DIR
    smtp: SmtpSettings | None  # SMTP_*
    redis_url: str | None = None  # REDIS_URL: where the sign-in limits count; else the database
    trusted_proxies: int = 0  # CSD_TRUSTED_PROXIES: reverse proxies in front (X-Forwarded-For)

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, Any] | None = None, overrides: Mapping[str, Any] | None = None
    ) -> Settings:
        """The settings of ``environ`` (default: the process environment), where the
        entries of ``overrides`` named in :data:`NAMES` (and ``TESTING``) win when given."""
        env: dict[str, Any] = dict(os.environ if environ is None else environ)
        given = {
            name: value
            for name, value in (overrides or {}).items()
            if (name in NAMES or name == "TESTING") and value not in (None, "")
        }
        env |= given
        reports_dir = _text(env, "CSD_REPORTS_DIR")
        return cls(
            database_url=_text(env, "DATABASE_URL") or None,
            secret_key=_text(env, "SECRET_KEY") or None,
            session_cookie_secure=_flag(env.get("SESSION_COOKIE_SECURE"))
            if _text(env, "SESSION_COOKIE_SECURE")
            else bool(_text(env, "DATABASE_URL")),
            timezone=zone_named(_text(env, "CSD_TIMEZONE")),
            score_target=_score_target(env.get("CSD_SCORE_TARGET")),
            score_at=time_of_day(_text(env, "CSD_SCORE_AT")),
            scheduler=_text(env, "CSD_SCHEDULER").lower() == "on",
            test_run=bool(env.get("TESTING")) or "PYTEST_CURRENT_TEST" in env,
            reports_dir=Path(reports_dir) if reports_dir else None,
            smtp=SmtpSettings.from_env(env),
            redis_url=_text(env, "REDIS_URL") or None,
            trusted_proxies=_count(env.get("CSD_TRUSTED_PROXIES"), "CSD_TRUSTED_PROXIES"),
        )


def init_settings(server, config: Mapping[str, Any] | None = None) -> Settings:
    """Read the settings of the Flask ``server`` once (the environment, then ``config``) and keep them."""
    settings = Settings.from_environ(overrides=config)
    server.extensions[_EXTENSION] = settings
    return settings


def current() -> Settings:
    """The settings of the app handling this request, else those of the environment now."""
    from flask import current_app, has_app_context

    if has_app_context():
        settings = current_app.extensions.get(_EXTENSION)
        if settings is not None:
            return settings
        return Settings.from_environ(overrides=current_app.config)
    return Settings.from_environ()


def zone_named(name: str | None) -> ZoneInfo:
    """The time zone ``name``; Europe/London when it is empty or unknown (with a warning)."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("CSD_TIMEZONE=%r is not a known time zone; using %s", name, DEFAULT_TIMEZONE)
        return ZoneInfo(DEFAULT_TIMEZONE)


def time_of_day(text: str | None) -> tuple[int, int]:
    """Hour and minute of ``HH:MM``; 02:00 when empty or not a time (with a warning)."""
    text = (text or "").strip() or DEFAULT_SCORE_AT
    match = _TIME.match(text)
    if match is None:
        log.warning("CSD_SCORE_AT=%r is not a time HH:MM; using %s", text, DEFAULT_SCORE_AT)
        match = _TIME.match(DEFAULT_SCORE_AT)
    return int(match.group(1)), int(match.group(2))


def _score_target(value: Any) -> int:
    try:
        target = int(value) if value not in (None, "") else DEFAULT_SCORE_TARGET
    except (TypeError, ValueError):
        return DEFAULT_SCORE_TARGET
    return target if 0 <= target <= 100 else DEFAULT_SCORE_TARGET


def _count(value: Any, name: str) -> int:
    """A whole number of at least 0; 0 when empty or not one (with a warning)."""
    if value in (None, ""):
        return 0
    try:
        number = int(str(value).strip())
    except ValueError:
        number = -1
    if number < 0:
        log.warning("%s=%r is not a whole number of 0 or more; using 0", name, value)
        return 0
    return number


def _text(env: Mapping[str, Any], name: str) -> str:
    value = env.get(name)
    return "" if value is None else str(value).strip()


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in _TRUE
