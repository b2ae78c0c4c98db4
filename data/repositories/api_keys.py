"""API keys: make one (the key is returned once), find the live key a request carries, list, revoke.

A key reads ``csd_`` followed by 43 URL-safe characters (32 random bytes).
Only its SHA-256 digest is stored: a key has the entropy of a random secret,
so a plain digest is enough (a password needs a slow hash; a key does not)
and one indexed lookup finds it. Its first 12 characters are kept to tell
keys apart on the list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.models import API_KEY_NAME_LENGTH, ApiKey, User, utcnow
from data.repositories._frames import read_frame
from scoring.enums import Role

KEY_START = "csd_"
PREFIX_LENGTH = 12
# last_used_at is written at most once a minute per key, not on every request.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


class ApiKeyError(ValueError):
    """A key that cannot be made as asked; the message names what is wrong."""


def is_api_key(token: str) -> bool:
    """Whether a bearer token is an API key (a signed token never starts so)."""
    return token.startswith(KEY_START)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_api_key(
    session: Session,
    name: str,
    role: Role | str,
    *,
    created_by: int | None,
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> tuple[ApiKey, str]:
    """(the stored key, the key itself): the only time the key is known."""
    now = now or utcnow()
    name = (name or "").strip()
    if not name:
        raise ApiKeyError("Give the key a name that says who uses it, e.g. 'Booking system'.")
    if len(name) > API_KEY_NAME_LENGTH:
        raise ApiKeyError(f"The name is longer than {API_KEY_NAME_LENGTH} characters.")
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise ApiKeyError("The name must not hold line breaks or control characters.")
    try:
        role = Role(role)
    except ValueError:
        raise ApiKeyError(f"Unknown role {role!r}; use admin, manager or viewer.") from None
    if expires_at is not None and expires_at <= now:
        raise ApiKeyError("The expiry must be in the future.")
    key = KEY_START + secrets.token_urlsafe(32)
    stored = ApiKey(
        name=name,
        prefix=key[:PREFIX_LENGTH],
        key_hash=_digest(key),
        role=role,
        created_by=created_by,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(stored)
    session.flush()
    return stored, key


def live_key(session: Session, key: str, *, now: dt.datetime | None = None) -> ApiKey | None:
    """The stored key ``key`` is, when it is neither revoked nor expired; marks it used."""
    now = now or utcnow()
    stored = session.scalar(select(ApiKey).where(ApiKey.key_hash == _digest(key)))
    if stored is None or stored.revoked_at is not None:
        return None
    if stored.expires_at is not None and stored.expires_at <= now:
        return None
    if stored.last_used_at is None or now - stored.last_used_at >= LAST_USED_PRECISION:
        stored.last_used_at = now
    return stored


def revoke_api_key(
    session: Session, key_id: int, *, now: dt.datetime | None = None
) -> ApiKey | None:
    """Revoke key ``key_id`` (from its next request on); the key, or None when there is no such key."""
    stored = session.get(ApiKey, key_id)
    if stored is None:
        return None
    if stored.revoked_at is None:
        session.execute(
            update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=now or utcnow())
        )
        session.refresh(stored)
    return stored


def api_keys_frame(session: Session) -> pd.DataFrame:
    """Every key, newest first: id, name, prefix, role, created_by_name, created_at, expires_at, revoked_at, last_used_at."""
    query = (
        select(
            ApiKey.id,
            ApiKey.name,
            ApiKey.prefix,
            ApiKey.role,
            User.name.label("created_by_name"),
            ApiKey.created_at,
            ApiKey.expires_at,
            ApiKey.revoked_at,
            ApiKey.last_used_at,
        )
        .outerjoin(User, User.id == ApiKey.created_by)
        .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    )
    return read_frame(session, query)
