"""Database engine, sessions and schema migrations.

The database is named by ``DATABASE_URL``; without it, an SQLite file at
``instance/csd.sqlite3`` under the project root is used (the embedded default
of ``make run``). PostgreSQL is reached through psycopg 3
(``postgresql+psycopg://``); ``postgres://`` and ``postgresql://`` URLs are
accepted and mapped to that driver.

Engines are created once per URL and process (``engine_for``); sessions come
from ``session_scope``, which commits on success and rolls back on error.
Repositories never commit: the caller of ``session_scope`` owns the
transaction.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "instance" / "csd.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Key of the PostgreSQL advisory lock that serialises concurrent migrations.
_MIGRATION_LOCK_KEY = 4_216_871_530


def database_url() -> str:
    """The configured database URL: ``DATABASE_URL``, else the SQLite file under ``instance/``."""
    configured = os.environ.get("DATABASE_URL", "").strip()
    if configured:
        return normalise_url(configured)
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def normalise_url(url: str) -> str:
    """Map ``postgres://`` and ``postgresql://`` URLs to the psycopg 3 driver; others unchanged."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def display_url(url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str | None = None) -> Engine:
    """A new engine for ``url`` (default: ``database_url()``).

    SQLite connections use WAL journaling, enforce foreign keys and wait up to
    15 s for a lock; PostgreSQL connections are checked before use. A database
    error's message never holds the values of its statement (``hide_parameters``):
    it is logged and recorded (a failed run's error) where others may read it.
    """
    url = normalise_url(url or database_url())
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if (
            parsed.database
            and parsed.database != ":memory:"
            and not parsed.database.startswith("file:")
        ):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 15}, hide_parameters=True)
        event.listen(engine, "connect", _configure_sqlite_connection)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _configure_sqlite_connection(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
    finally:
        cursor.close()


_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker[Session]] = {}
_registry_lock = threading.Lock()


def engine_for(url: str | None = None) -> Engine:
    """The process-wide engine of ``url`` (default: ``database_url()``), created on first use."""
    url = normalise_url(url or database_url())
    with _registry_lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    """The process-wide session factory of ``url``; objects stay readable after commit."""
    url = normalise_url(url or database_url())
    engine = engine_for(url)
    with _registry_lock:
        if url not in _factories:
            _factories[url] = sessionmaker(bind=engine, expire_on_commit=False)
        return _factories[url]


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session in one transaction: committed when the block succeeds, rolled back on error."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_engines() -> None:
    """Close every process-wide engine's connections and forget them (tests, after a fork)."""
    with _registry_lock:
        engines = list(_engines.values())
        _engines.clear()
        _factories.clear()
    for engine in engines:
        engine.dispose()


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration of the packaged migrations, for ``url`` when given.

    The URL travels in ``cfg.attributes["url"]`` (read by ``migrations/env.py``),
    so a password with ``%`` in it needs no escaping.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        cfg.attributes["url"] = normalise_url(url)
    return cfg


def upgrade_database(url: str | None = None) -> str:
    """Create or migrate the schema to the newest revision (Alembic ``upgrade head``).

    Safe to rerun and to run from several processes at once (PostgreSQL
    serialises them with an advisory lock). Returns the revision reached.
    """
    url = normalise_url(url or database_url())
    cfg = alembic_config(url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
        return head_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest migration revision shipped with the code."""
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def current_revision(url: str | None = None) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def schema_is_current(url: str | None = None) -> bool:
    """True when the database schema is at the newest revision."""
    return current_revision(url) == head_revision()
