"""The ``SECRET_KEY`` that signs session cookies and API tokens (``dashboard.auth.server``)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dashboard.settings import Settings
from data.db import DEFAULT_SQLITE_PATH

SECRET_KEY_FILE = DEFAULT_SQLITE_PATH.parent / "secret_key"


MIN_SECRET_KEY_LENGTH = 32


def resolve_secret_key(config: Mapping[str, Any], *, database_configured: bool) -> str:
    """The ``SECRET_KEY`` to use: the configured one, else a development or test key (module docstring).

    Raises RuntimeError when a deployment (``database_configured``) has none or a short one.
    """
    key = config.get("SECRET_KEY") or ""
    testing = bool(config.get("TESTING"))
    if key:
        if len(key) < MIN_SECRET_KEY_LENGTH and not testing:
            raise RuntimeError(
                f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters; generate one with "
                "python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        return key
    if testing:
        return secrets.token_hex(32)
    if database_configured:
        raise RuntimeError(
            "SECRET_KEY is not set: it is required when DATABASE_URL is set; generate one with "
            "python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return development_secret_key()


def development_secret_key(path: Path = SECRET_KEY_FILE) -> str:
    """The key kept in ``instance/secret_key``, created (mode 0600) by the first process that needs it."""
    try:
        existing = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(candidate, path)  # atomic, and fails if another process got there first
    finally:
        candidate.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()


def secret_key_from_environment() -> str:
    """The key ``create_app`` would use with the environment's settings (for ``csd token``)."""
    configured = Settings.from_environ()
    return resolve_secret_key(
        {"SECRET_KEY": configured.secret_key or ""},
        database_configured=bool(configured.database_url),
    )
