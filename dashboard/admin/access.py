"""Who may do what on the admin views, decided on the server for every request.

DESIGN 4: admins may do everything; managers everything but user and system
administration; viewers (the shared screen) only read. On these views:

| action                                  | admin | manager | viewer |
|-----------------------------------------|-------|---------|--------|
| see System status, Scheduled reports    | yes   | yes     | yes    |
| Recalculate now                         | yes   | no      | no     |
| create, edit, delete, run a schedule    | yes   | yes     | no     |
| mark alerts read, send a test mail      | yes   | yes     | no     |
| read the Outbox, download attachments   | yes   | no      | no     |

Every callback that changes something asks ``can_write()`` or ``is_admin()``
itself; hiding a button is only a courtesy to the person looking at it.
"""

from __future__ import annotations

from flask import current_app, has_request_context

from scoring.enums import Role

NOT_A_WRITER = "Your role can view this page but not change anything on it."
NOT_AN_ADMIN = "Only admins can do this."


def _user():
    """The signed-in user (or the test stand-in), None outside a request or without sign-in set up."""
    if not has_request_context() or not hasattr(current_app, "login_manager"):
        return None
    from dashboard.auth import signed_in_user

    return signed_in_user()


def current_role() -> Role:
    """The role of whoever makes the current request; a viewer when nobody is signed in."""
    user = _user()
    try:
        return Role(getattr(user, "role", Role.VIEWER))
    except ValueError:
        return Role.VIEWER


def is_admin() -> bool:
    """Whether the current request comes from an admin."""
    return current_role() is Role.ADMIN


def can_write() -> bool:
    """Whether the current request may change things (admins and managers)."""
    return current_role() in (Role.ADMIN, Role.MANAGER)


def current_user_id() -> int | None:
    """The signed-in member's id (None for the test stand-in)."""
    user_id = getattr(_user(), "id", None)
    return int(user_id) if isinstance(user_id, int) else None


def current_user_contact() -> tuple[str, str]:
    """The signed-in member's (name, email); empty strings when unknown."""
    user = _user()
    return str(getattr(user, "name", "") or ""), str(getattr(user, "email", "") or "")
