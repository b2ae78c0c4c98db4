"""Alembic environment of the dashboard's schema.

The database comes from, in order: a connection handed over by code in
``config.attributes["connection"]`` (``data.db.upgrade_database``), a URL in
``config.attributes["url"]``, the ``sqlalchemy.url`` option, or
``DATABASE_URL`` (``data.db.database_url``). Constraint names follow the
models' naming convention, so autogenerate and both backends agree.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import data.models_reports  # noqa: F401  (its tables join Base.metadata)
from data.db import database_url, make_engine
from data.models import Base

config = context.config
target_metadata = Base.metadata


def _configured_url() -> str:
    return (
        config.attributes.get("url") or config.get_main_option("sqlalchemy.url") or database_url()
    )


def _run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Write the migration SQL for the configured URL instead of running it."""
    context.configure(
        url=_configured_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the handed-over connection, or on a new one."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    engine = make_engine(_configured_url())
    try:
        with engine.begin() as new_connection:
            _run_with(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
