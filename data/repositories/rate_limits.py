"""Rate limits kept in the app's database: a ``limits`` storage for the moving window.

The sign-in limits (``dashboard.auth.throttle``) use Flask-Limiter, which keeps
its counts in a ``limits`` storage. Its own storages are the process's memory
(each worker would count alone, so four workers would allow four times the
guesses), Redis, Memcached and the like. The embedded default must need none
of them, so this storage keeps the counts in ``rate_limit_entries`` of the
app's database, shared by every worker and every app instance; with
``REDIS_URL`` set, Redis is used instead.

It supports the moving window only (the strategy the sign-in limits use): an
entry per counted event, and a limit of N per window reached when N entries
of the key are younger than the window. Entries older than the window are
deleted as the key is counted again. Times are seconds since the epoch, as
``limits`` counts them. A key is stored as its digest: it holds what a
stranger typed as an email, which may carry a NUL or half a surrogate pair
that a database text column refuses, and be of any length.

Register it by importing this module; its URI is ``csd-database://`` with the
database URL in the ``url`` option.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from limits.storage import MovingWindowSupport, Storage
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from data.db import session_factory
from data.models import RateLimitEntry
from data.repositories.locks import lock_key

SCHEME = "csd-database"


def stored_key(key: str) -> str:
    """The digest a key is stored under (hex, 40 characters)."""
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()


def clock() -> float:
    """Now, in seconds since the epoch (one place to read it, for the tests to move)."""
    return time.time()


class DatabaseStorage(Storage, MovingWindowSupport):
    """A ``limits`` storage in the app's database (moving window only; see the module)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        *,
        url: str | None = None,
        sessions: Callable[[], Session] | None = None,
        **options: float | str | bool,
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._sessions = sessions or session_factory(url)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    # -- the moving window ------------------------------------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Count ``amount`` events of ``key`` unless that would pass ``limit`` in ``expiry`` s."""
        if amount > limit:
            return False
        key = stored_key(key)
        now = clock()
        table = RateLimitEntry.__table__
        with self._sessions() as session, session.begin():
            # One count at a time per key, or simultaneous attempts all see the same count:
            # PostgreSQL takes an advisory lock on the key; SQLite's first write (the delete)
            # takes the database's write lock.
            if session.get_bind().dialect.name == "postgresql":
                session.execute(select(func.pg_advisory_xact_lock(lock_key(f"rate-limit:{key}"))))
            session.execute(delete(table).where(table.c.key == key, table.c.at < now - expiry))
            counted = session.scalar(select(func.count()).where(table.c.key == key)) or 0
            if counted + amount > limit:
                return False
            session.execute(insert(table), [{"key": key, "at": now}] * amount)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """(the oldest counted time of the window, how many are counted) of ``key``."""
        now = clock()
        table = RateLimitEntry.__table__
        latest = (
            select(table.c.at)
            .where(table.c.key == stored_key(key), table.c.at >= now - expiry)
            .order_by(table.c.at.desc())
            .limit(limit)
            .subquery()
        )
        with self._sessions() as session:
            oldest, counted = session.execute(
                select(func.min(latest.c.at), func.count()).select_from(latest)
            ).one()
        return (float(oldest) if counted else now), int(counted)

    # -- the rest of a storage --------------------------------------------------------------

    def clear(self, key: str) -> None:
        """Forget every count of ``key``."""
        table = RateLimitEntry.__table__
        with self._sessions() as session, session.begin():
            session.execute(delete(table).where(table.c.key == stored_key(key)))

    def reset(self) -> int | None:
        """Forget every count; the number of entries removed."""
        with self._sessions() as session, session.begin():
            return session.execute(delete(RateLimitEntry.__table__)).rowcount

    def check(self) -> bool:
        """Whether the database answers."""
        try:
            with self._sessions() as session:
                session.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("the database storage supports the moving window only")

    def get(self, key: str) -> int:
        raise NotImplementedError("the database storage supports the moving window only")

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("the database storage supports the moving window only")
