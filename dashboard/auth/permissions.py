"""Who may do what, decided on the server for every request: the one place that answers it.

DESIGN 4: admins may do everything; managers everything but user and system
administration; viewers (the shared screen) only read.

| action                                               | admin | manager | viewer |
|------------------------------------------------------|-------|---------|--------|
| see every tab, System status, Scheduled reports      | yes   | yes     | yes    |
| create and change interventions, mark alerts read    | yes   | yes     | no     |
| create, edit, delete, run a schedule; send test mail | yes   | yes     | no     |
| edit a client's record, Recalculate (now, a client)  | yes   | yes     | no     |
| Data quality (who is not scored and why, odd data)   | yes   | yes     | no     |
| import over the API (with a token or an API key)    | yes   | yes     | no     |
| import in the app, API keys, sync sources, Outbox    | yes   | no      | no     |

Every callback and API operation that changes something asks ``can_write()``
or ``is_admin()`` itself (``require_writer()`` refuses with a 403); hiding a
button is only a courtesy to the person looking at it. Outside a request, or
without sign-in set up, nobody may write.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_request_context
from werkzeug.exceptions import Forbidden

from dashboard.auth.members import WRITER_ROLES, AppUser, TestingStandIn, signed_in_user
from scoring.enums import Role

NOT_A_WRITER = "Your role can view this page but not change anything on it."
NOT_AN_ADMIN = "Only admins can do this."


class WriteForbidden(Forbidden):
    """The signed-in member's role may only read (403)."""

    description = "Your role can view the dashboard but not change it."


@dataclass(frozen=True)
class Requester:
    """Whoever makes the current request: ``id`` (None for the test stand-in), name, email, role."""

    id: int | None
    name: str
    email: str
    role: Role

    @property
    def can_write(self) -> bool:
        return self.role in WRITER_ROLES


NOBODY = Requester(id=None, name="", email="", role=Role.VIEWER)


def _user() -> AppUser | TestingStandIn | None:
    """The signed-in user (or the test stand-in), None outside a request or without sign-in set up."""
    if not has_request_context() or not hasattr(current_app, "login_manager"):
        return None
    return signed_in_user()


def requester() -> Requester:
    """Whoever makes the current request; ``NOBODY`` (a viewer) when nobody is signed in."""
    user = _user()
    if user is None:
        return NOBODY
    try:
        role = Role(getattr(user, "role", Role.VIEWER))
    except ValueError:
        role = Role.VIEWER
    user_id = getattr(user, "id", None)
    return Requester(
        id=int(user_id) if isinstance(user_id, int) else None,
        name=str(getattr(user, "name", "") or ""),
        email=str(getattr(user, "email", "") or ""),
        role=role,
    )


def current_role() -> Role:
    """The role of whoever makes the current request; a viewer when nobody is signed in."""
    return requester().role


def is_admin() -> bool:
    """Whether the current request comes from an admin."""
    return current_role() is Role.ADMIN


def can_write() -> bool:
    """Whether the current request may change things (admins and managers)."""
    return requester().can_write


def require_writer() -> None:
    """Refuse (403) unless whoever makes the current request may change things."""
    if not can_write():
        raise WriteForbidden()
