"""The intervention rules shared by the API and the Interventions tab, on their own."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from dashboard.services.interventions import (
    InterventionConflict,
    InterventionNotFound,
    cancel_intervention,
    get_intervention,
    update_intervention,
)
from scoring.enums import InterventionStatus, Priority


def test_concurrent_edit_of_the_same_version_is_a_conflict(book, session, migrated_url):
    from data.db import make_engine

    iv_id = book.ids["low"]
    engine = make_engine(migrated_url)
    try:
        with (
            Session(engine, expire_on_commit=False) as first,
            Session(engine, expire_on_commit=False) as second,
        ):
            get_intervention(first, iv_id)  # first reads version 1 ...
            update_intervention(
                second, iv_id, actor_id=None, version=1, changes={"priority": Priority.HIGH}
            )
            second.commit()  # ... second writes version 2 in the meantime
            with pytest.raises(InterventionConflict) as conflict:
                update_intervention(
                    first, iv_id, actor_id=None, version=1, changes={"priority": Priority.URGENT}
                )
            assert conflict.value.code == "version_conflict"
            # The answer names the version now current, as every 409 of an edit does.
            assert conflict.value.details == {"current_version": 2}
            first.rollback()
    finally:
        engine.dispose()
    session.expire_all()
    assert get_intervention(session, iv_id).priority == Priority.HIGH


def test_unknown_field_is_a_programming_error(book, session):
    with pytest.raises(ValueError, match="not editable"):
        update_intervention(
            session, book.ids["low"], actor_id=None, version=1, changes={"client_id": "c-ash"}
        )


def test_not_found(book, session):
    with pytest.raises(InterventionNotFound):
        cancel_intervention(session, 10_000, actor_id=None)


def test_cancel_records_who_and_when(book, session):
    cancelled = cancel_intervention(
        session, book.ids["high"], actor_id=book.team.admin.id, note="Client paused"
    )

    assert cancelled.status == InterventionStatus.CANCELLED
    assert cancelled.cancelled_at is not None
    assert [(n.author_id, n.body) for n in cancelled.notes] == [
        (book.team.admin.id, "Status in progress → cancelled."),
        (book.team.admin.id, "Client paused"),
    ]
