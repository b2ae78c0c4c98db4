"""API bearer tokens: JSON Web Tokens signed with HS256 and the application's ``SECRET_KEY``.

A token names its user (``sub``, the user id as a string) and expires
(``exp``); it carries no role. The role and the ``active`` flag are read from
the database on every request, so a change of role or a deactivated account
takes effect at once, whatever tokens are out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jwt

from data.models import User

ALGORITHM = "HS256"
ISSUER = "customer-success-dashboard"
DEFAULT_TOKEN_HOURS = 24.0
MAX_TOKEN_HOURS = 24.0 * 366
# Clock difference between machines that is still accepted on ``exp`` and ``iat``.
LEEWAY_SECONDS = 30


class TokenError(Exception):
    """A bearer token that cannot be accepted; ``reason`` is ``expired`` or ``invalid``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int  # seconds


def issue_token(
    user: User,
    hours: float = DEFAULT_TOKEN_HOURS,
    *,
    secret_key: str,
    now: dt.datetime | None = None,
) -> IssuedToken:
    """A signed token for ``user`` that expires ``hours`` hours from ``now`` (default: the current time)."""
    if not 0 < hours <= MAX_TOKEN_HOURS:
        raise ValueError(f"hours must be more than 0 and at most {MAX_TOKEN_HOURS:g}")
    if not secret_key:
        raise ValueError("a secret key is needed to sign tokens")
    issued = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    lifetime = dt.timedelta(hours=hours)
    claims = {
        "sub": str(user.id),
        "iss": ISSUER,
        "iat": issued,
        "exp": issued + lifetime,
    }
    token = jwt.encode(claims, secret_key, algorithm=ALGORITHM)
    return IssuedToken(access_token=token, expires_in=int(lifetime.total_seconds()))


def user_id_from_token(token: str, *, secret_key: str) -> int:
    """The user id a token was issued to; raises TokenError when it is expired, forged or garbled."""
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": ["sub", "exp", "iat", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("expired", "The bearer token has expired; ask for a new one.") from None
    except jwt.PyJWTError:
        raise TokenError("invalid", "The bearer token is not valid.") from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.isdigit() or len(subject) > 12:
        raise TokenError("invalid", "The bearer token is not valid.")
    return int(subject)
