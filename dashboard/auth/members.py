"""Who makes the request: the signed-in team member, the API token's member, or nobody."""

from __future__ import annotations

from flask import (
    g,
)
from flask_login import (
    AnonymousUserMixin,
    UserMixin,
    current_user,
)

from dashboard.sessions import write_session
from data.models import User
from data.repositories.api_keys import live_key
from scoring.enums import Role

WRITER_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


class AppUser(UserMixin):
    """The signed-in team member: ``id``, ``email``, ``name``, ``role`` (a ``Role``) and ``active``."""

    def __init__(self, user: User) -> None:
        self.id: int = user.id
        self.email: str = user.email
        self.name: str = user.name
        self.role: Role = Role(user.role)
        self._active: bool = bool(user.active)

    @property
    def is_active(self) -> bool:
        return self._active

    @property
    def can_write(self) -> bool:
        return self.role in WRITER_ROLES

    def __repr__(self) -> str:
        return f"AppUser(id={self.id}, email={self.email!r}, role={self.role.value})"


class Guest(AnonymousUserMixin):
    """Nobody signed in: a viewer without a name (the guard keeps such requests out anyway)."""

    id = None
    email = ""
    name = ""
    role = Role.VIEWER
    can_write = False


class TestingStandIn(AnonymousUserMixin):
    """Who ``LOGIN_DISABLED`` (tests only) lets in: an admin stand-in."""

    id = None
    email = ""
    name = "Test user"
    role = Role.ADMIN
    can_write = True


class KeyHolder(AnonymousUserMixin):
    """Whoever sends an API key (an integration): the key's role, named after the key; no member id."""

    id = None
    email = ""

    def __init__(self, name: str, role: Role) -> None:
        self.name = f"API key: {name}"
        self.role = role

    @property
    def can_write(self) -> bool:
        return self.role in WRITER_ROLES


def load_key_holder(key: str) -> KeyHolder | None:
    """Who sends ``key``: None when it is no key, revoked or expired (checked on every request)."""
    with write_session() as db:
        stored = live_key(db, key)
        return KeyHolder(stored.name, Role(stored.role)) if stored is not None else None


def load_member(user_id: str) -> AppUser | None:
    if not user_id.isdigit() or len(user_id) > 12:
        return None
    with write_session() as db:
        user = db.get(User, int(user_id))
        return AppUser(user) if user is not None and user.active else None


def signed_in_user() -> AppUser | TestingStandIn | KeyHolder | None:
    """Who makes the current request: the API token's user, else the session's; None when nobody."""
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user
    user = current_user._get_current_object()
    if isinstance(user, AppUser | TestingStandIn):
        return user
    return None
