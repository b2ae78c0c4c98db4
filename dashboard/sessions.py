"""The one way to the database inside the app: ``read_session()`` to look, ``write_session()`` to change.

Both open a session (``data.db.session_scope``) on the app's database: its
``DATABASE_URL`` setting inside a request or app context, else the one
``data.db`` takes from the environment (the scheduler's jobs and the
commands run outside a request).

- ``read_session()``: nothing done in it is kept; it is rolled back at the end,
  so a view can never write by accident.
- ``write_session()``: one transaction, committed when the block ends and
  rolled back, entirely, when it raises.
- ``app_database_url()``: that URL, for work that opens its own sessions
  (reports, the outbox, a scoring run); None means "from the environment".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from data.db import session_scope


def app_database_url() -> str | None:
    """The app's ``DATABASE_URL`` setting when it has one, else None (``data.db`` reads the environment)."""
    if has_app_context():
        return current_app.config.get("DATABASE_URL") or None
    return None


@contextmanager
def read_session() -> Iterator[Session]:
    """A session on the app's database for reading; nothing it does is kept."""
    with session_scope(app_database_url()) as session:
        yield session
        session.rollback()


@contextmanager
def write_session() -> Iterator[Session]:
    """A session on the app's database in one transaction: committed at the end, undone on an error."""
    with session_scope(app_database_url()) as session:
        yield session
