"""The models speak the engine's language: score column names, enum values, UTC timestamps."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Enum
from sqlalchemy.dialects import postgresql, sqlite

from data.importer import IMPORT_KINDS, KINDS
from data.models import Base, HealthScore, UTCDateTime
from data.repositories.events import ALL_COLUMNS, EVENT_KINDS
from data.repositories.scores import STORED_SCORE_COLUMNS
from scoring import columns as col
from scoring.model import COMPONENTS, SUBSCORES

KEY_AND_BOOKKEEPING = {"id", "client_id", "day", "updated_at"}


def test_health_score_columns_are_the_engines_names():
    stored = set(HealthScore.__table__.c.keys()) - KEY_AND_BOOKKEEPING
    expected = {
        col.OVERALL,
        *SUBSCORES,
        *(component.column for component in COMPONENTS),
        *col.FEATURE_COLUMNS,
        col.COVERAGE,
        col.RISK_LEVEL,
        col.TREND,
        col.PRIMARY_FACTOR,
    }
    assert stored == expected
    assert set(STORED_SCORE_COLUMNS) == expected


def test_every_component_and_feature_column_is_a_nullable_float():
    table = HealthScore.__table__
    for name in (*col.SCORE_COLUMNS, *col.FEATURE_COLUMNS):
        if name == col.RISK_LEVEL:
            continue
        assert table.c[name].nullable, name
        assert table.c[name].type.python_type is float, name


def test_enum_columns_store_the_enum_values():
    checked = 0
    for table in Base.metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, Enum):
                members = list(column.type.enum_class)
                assert column.type.enums == [member.value for member in members], column
                checked += 1
    assert checked >= 10


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "pg"])
def test_timestamps_are_written_as_utc(dialect):
    kind = UTCDateTime()
    naive = dt.datetime(2024, 5, 1, 10, 0)
    in_paris = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    expected = dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.UTC)
    for value in (naive, in_paris):
        bound = kind.process_bind_param(value, dialect)
        if dialect.name == "sqlite":
            assert bound == expected.replace(tzinfo=None)
        else:
            assert bound == expected and bound.utcoffset() == dt.timedelta(0)


def test_timestamps_are_read_as_aware_utc():
    kind = UTCDateTime()
    read = kind.process_result_value(dt.datetime(2024, 5, 1, 10, 0), sqlite.dialect())
    assert read == dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.UTC)
    assert read.tzinfo is dt.UTC


def test_import_kinds_match_the_event_tables():
    assert set(IMPORT_KINDS) == {"clients", *EVENT_KINDS}
    for kind in EVENT_KINDS:
        assert tuple(column.name for column in KINDS[kind]) == ALL_COLUMNS[kind]
