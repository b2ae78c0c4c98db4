"""Editing a client's record: the form's checks, the change history, work moving with the owner, ending a client."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from dashboard.services.client_records import (
    ClientRecord,
    RecordConflict,
    RecordError,
    client_changes,
    edit_client_record,
    read_form,
    record_of,
)
from dashboard.services.imports import Sender
from data.models import (
    AuditEvent,
    ClientChange,
    HealthScore,
    InterventionNote,
    ScoreDaySummary,
)
from scoring.enums import ClientStatus, InterventionStatus, Outcome, Role, Source

TODAY = dt.date(2024, 3, 10)
NOW = dt.datetime(2024, 3, 10, 9, 30, tzinfo=dt.UTC)


def form(**values):
    base = {"owner_id": "", "status": "active", "ended_on": "", "wedding_date": "",
            "package": "", "contract_value": ""}  # fmt: skip
    return {**base, **values}


def test_the_form_reads_amounts_dates_and_an_owner_as_a_person_types_them():
    record = read_form(
        form(owner_id="7", wedding_date="2024-09-14", package="  Premium plus ",
             contract_value="5,100.50"),
        today=TODAY,
    )  # fmt: skip
    assert record == ClientRecord(
        owner_id=7, status=ClientStatus.ACTIVE, ended_on=None,
        wedding_date=dt.date(2024, 9, 14), package="Premium plus", contract_value=510050,
    )  # fmt: skip


def test_the_form_names_every_bad_field_at_once():
    with pytest.raises(RecordError) as caught:
        read_form(
            form(status="churned", wedding_date="14/09/2024", contract_value="-20"), today=TODAY
        )
    assert caught.value.fields == {
        "ended_on": "Give the day the client churned.",
        "wedding_date": "Not a date (YYYY-MM-DD).",
        "contract_value": "Must not be negative.",
    }
    with pytest.raises(RecordError) as caught:
        read_form(form(status="completed", ended_on="2024-03-11"), today=TODAY)
    assert caught.value.fields == {"ended_on": "Cannot be after today."}


def test_an_active_client_keeps_no_end_day_whatever_the_form_holds():
    assert read_form(form(ended_on="2024-03-01"), today=TODAY).ended_on is None


@pytest.fixture
def book(session, make_user, make_client):
    ana = make_user(name="Ana Lee")
    ben = make_user(name="Ben Ode")
    cleo = make_user(name="Cleo Park")
    client = make_client("c-1", owner_id=ana.id, package="Classic", contract_value=425000,
                         wedding_date=dt.date(2024, 9, 14))  # fmt: skip
    return ana, ben, cleo, client


def _edit(session, client, edit, *, base=None, note="", sender=None):
    return edit_client_record(
        session, client.id, edit, base=base or record_of(client),
        sender=sender or Sender(actor="lead@example.com", actor_id=None),
        author_name="Team Lead", note=note, now=NOW,
    )  # fmt: skip


def test_a_saved_edit_is_kept_with_who_changed_what_from_what_and_why(session, book):
    ana, ben, _, client = book
    edit = ClientRecord(ben.id, ClientStatus.ACTIVE, None, dt.date(2024, 9, 21), "Premium",
                        510050)  # fmt: skip
    result = _edit(session, client, edit, note="Moved after the venue change")
    session.refresh(client)
    assert (client.owner_id, client.package, client.contract_value, client.wedding_date) == (
        ben.id, "Premium", 510050, dt.date(2024, 9, 21))  # fmt: skip
    assert [(c.field, c.before, c.after) for c in result.changes] == [
        ("Owner", "Ana Lee", "Ben Ode"),
        ("Wedding date", "2024-09-14", "2024-09-21"),
        ("Package", "Classic", "Premium"),
        ("Contract value", "£4,250", "£5,100.50"),
    ]
    [history] = client_changes(session, "c-1")
    assert (history["author"], history["note"]) == ("Team Lead", "Moved after the venue change")
    assert len(history["changes"]) == 4
    event = session.scalars(select(AuditEvent)).one()
    assert (event.action, event.subject, event.actor) == (
        "client_edited", "client c-1", "lead@example.com")  # fmt: skip
    assert event.detail.startswith("Owner Ana Lee → Ben Ode; Wedding date 2024-09-14 → 2024-09-21")


def test_nothing_changed_and_no_note_writes_nothing(session, book):
    *_, client = book
    result = _edit(session, client, record_of(client))
    assert result.changes == []
    assert session.scalar(select(func.count()).select_from(ClientChange)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_an_edit_made_meanwhile_refuses_the_save_and_writes_nothing(session, book):
    ana, ben, cleo, client = book
    opened = record_of(client)
    client.package = "Changed by someone else"
    session.flush()
    edit = ClientRecord(cleo.id, ClientStatus.ACTIVE, None, opened.wedding_date, "Classic",
                        opened.contract_value)  # fmt: skip
    with pytest.raises(RecordConflict, match=r"\(package\)"):
        _edit(session, client, edit, base=opened)
    session.refresh(client)
    assert client.owner_id == ana.id
    assert session.scalar(select(func.count()).select_from(ClientChange)) == 0


def test_a_new_owner_takes_the_open_automatic_work_held_by_the_old_one_or_by_nobody(
    session, book, make_intervention
):
    ana, ben, cleo, client = book
    held = make_intervention("c-1", source=Source.AUTO, assigned_to=ana.id)
    unassigned = make_intervention("c-1", source=Source.AUTO, assigned_to=None)
    given_away = make_intervention("c-1", source=Source.AUTO, assigned_to=cleo.id)
    manual = make_intervention("c-1", source=Source.MANUAL, assigned_to=ana.id)
    done = make_intervention("c-1", source=Source.AUTO, assigned_to=ana.id,
                             status=InterventionStatus.COMPLETED, outcome=Outcome.RESOLVED,
                             completed_at=NOW)  # fmt: skip
    edit = ClientRecord(ben.id, ClientStatus.ACTIVE, None, dt.date(2024, 9, 14), "Classic", 425000)
    result = _edit(session, client, edit)
    assert result.interventions_moved == 2
    for row in (held, unassigned, given_away, manual, done):
        session.refresh(row)
    assert [row.assigned_to for row in (held, unassigned, given_away, manual, done)] == [
        ben.id, ben.id, cleo.id, ana.id, ana.id]  # fmt: skip
    assert held.version == 2
    notes = session.scalars(
        select(InterventionNote.body).where(InterventionNote.intervention_id == held.id)
    ).all()
    assert "Moved with the client to its new owner." in notes


def test_a_churned_client_loses_the_scores_of_its_end_day_and_later(session, book, make_score):
    *_, client = book
    for day in (8, 9, 10):
        make_score("c-1", dt.date(2024, 3, day), 55.0)
    edit = ClientRecord(client.owner_id, ClientStatus.CHURNED, dt.date(2024, 3, 9),
                        dt.date(2024, 9, 14), "Classic", 425000)  # fmt: skip
    result = _edit(session, client, edit)
    assert result.score_days_removed == 2
    days = session.scalars(select(HealthScore.day).where(HealthScore.client_id == "c-1")).all()
    assert days == [dt.date(2024, 3, 8)]
    summary_days = set(session.scalars(select(ScoreDaySummary.day)))
    assert summary_days == {dt.date(2024, 3, 8)}
    session.refresh(client)
    assert client.churned_at.replace(tzinfo=dt.UTC) == dt.datetime(2024, 3, 9, tzinfo=dt.UTC)
    assert record_of(client).ended_on == dt.date(2024, 3, 9)
    [history] = client_changes(session, "c-1")
    assert [(c.field, c.before, c.after) for c in history["changes"]] == [
        ("Status", "active", "churned"), ("Ended on", "none", "2024-03-09")]  # fmt: skip


def test_a_client_cannot_end_before_it_was_created_nor_go_to_an_inactive_member_or_a_viewer(
    session, book, make_user
):
    *_, client = book
    gone = make_user(name="Gone", active=False)
    early = ClientRecord(client.owner_id, ClientStatus.CHURNED, dt.date(2023, 12, 31),
                         dt.date(2024, 9, 14), "Classic", 425000)  # fmt: skip
    with pytest.raises(RecordError) as caught:
        _edit(session, client, early)
    assert caught.value.fields == {
        "ended_on": "Cannot be before the client was created (2024-01-01)."
    }
    with pytest.raises(RecordError) as caught:
        _edit(session, client, ClientRecord(gone.id, ClientStatus.ACTIVE, None,
                                            dt.date(2024, 9, 14), "Classic", 425000))  # fmt: skip
    assert caught.value.fields == {"owner_id": "Not an active admin or manager."}
    screen = make_user(name="Meeting Room", role=Role.VIEWER)
    with pytest.raises(RecordError) as caught:
        _edit(session, client, ClientRecord(screen.id, ClientStatus.ACTIVE, None,
                                            dt.date(2024, 9, 14), "Classic", 425000))  # fmt: skip
    assert caught.value.fields == {"owner_id": "Not an active admin or manager."}


def test_the_record_survives_the_round_trip_through_the_page(book):
    *_, client = book
    record = record_of(client)
    assert ClientRecord.from_json(json.loads(json.dumps(record.to_json()))) == record
