"""Report schedules: when they run next, what they accept, and claiming the due ones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from data.models_reports import ReportFormat, ReportFrequency, ReportSchedule, ReportStatus
from data.repositories.schedules import (
    ScheduleChanged,
    ScheduleError,
    claim_due_schedules,
    create_schedule,
    delete_schedule,
    next_run_after,
    parse_recipients,
    record_schedule_run,
    schedules_frame,
    update_schedule,
    validated_fields,
)
from scoring.enums import Period, Segment

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


WEEKLY = {
    "name": "Monday summary", "frequency": "weekly", "weekday": 0, "hour": 9, "period": "7d",
    "segment": "all", "format": "pdf", "recipients": "lead@example.com, Team@Example.com",
}  # fmt: skip


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (utc(2024, 3, 25, 8, 0), utc(2024, 3, 25, 9, 0)),  # Monday 08:00 GMT: today at 09:00
        (utc(2024, 3, 25, 9, 0), utc(2024, 4, 1, 8, 0)),  # at 09:00: next Monday, 09:00 BST
        (utc(2024, 3, 27, 12, 0), utc(2024, 4, 1, 8, 0)),
    ],
)
def test_weekly_schedules_run_on_their_weekday_at_the_local_hour(after, expected):
    assert next_run_after("weekly", weekday=0, hour=9, after=after, zone=LONDON) == expected


@pytest.mark.parametrize(
    ("day", "after", "expected"),
    [
        (31, utc(2024, 2, 10), utc(2024, 2, 29, 9)),  # the last day of a short month
        (31, utc(2024, 2, 29, 10), utc(2024, 3, 31, 8)),  # BST began that morning
        (5, utc(2024, 12, 20), utc(2025, 1, 5, 9)),  # into the next year
        (1, utc(2024, 6, 1, 7, 59), utc(2024, 6, 1, 8)),
    ],
)
def test_monthly_schedules_run_on_their_day_of_the_month(day, after, expected):
    assert (
        next_run_after(ReportFrequency.MONTHLY, day_of_month=day, hour=9, after=after, zone=LONDON)
        == expected
    )


def test_recipients_are_split_trimmed_and_lower_cased_once_each():
    assert parse_recipients(" A@x.com; b@y.org  a@x.com,") == ["a@x.com", "b@y.org"]
    assert parse_recipients(["c@z.com", "C@Z.com"]) == ["c@z.com"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "  "}, "name"),
        ({"frequency": "daily"}, "frequency"),
        ({"weekday": None}, "weekday"),
        ({"weekday": 7}, "weekday"),
        ({"frequency": "monthly", "day_of_month": 0}, "day_of_month"),
        ({"hour": 24}, "hour"),
        ({"hour": 9.5}, "hour"),
        ({"period": "2w"}, "period"),
        ({"segment": "vip"}, "segment"),
        ({"format": "xlsx"}, "format"),
        ({"recipients": ""}, "recipients"),
        ({"recipients": "lead@example.com, not-an-address"}, "recipients"),
    ],
)
def test_a_bad_field_is_named(session, change, field):
    with pytest.raises(ScheduleError) as raised:
        create_schedule(session, zone=LONDON, now=utc(2024, 3, 20), **(WEEKLY | change))
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Monday\u2028summary", "U+2028"),  # a line separator pasted into the form
        ("Monday\nsummary", "U+000A"),
        ("Monday\r\nsummary", "U+000D"),
        ("Monday\tsummary", "U+0009"),
        ("Monday\u2029summary", "U+2029"),
        ("Monday\x85summary", "U+0085"),
        ("Monday\x00summary", "U+0000"),
    ],
)
def test_a_name_with_a_line_break_or_control_character_is_refused(name, code):
    with pytest.raises(ScheduleError) as raised:
        validated_fields(WEEKLY | {"name": name})
    assert raised.value.field == "name"
    assert str(raised.value) == f"name: remove the line break or control character ({code})"


def test_a_line_break_around_the_name_is_trimmed_not_refused():
    assert validated_fields(WEEKLY | {"name": "\u2028Monday summary\n"})["name"] == "Monday summary"


def test_recipients_on_separate_lines_are_fine_but_a_control_character_in_one_is_refused():
    assert parse_recipients("a@x.com\nb@y.org\u2028c@z.com") == ["a@x.com", "b@y.org", "c@z.com"]
    with pytest.raises(ScheduleError) as raised:
        parse_recipients("a@x.com, b\x07@y.org")
    assert str(raised.value) == "recipients: remove the line break or control character (U+0007)"


def test_a_new_schedule_runs_at_its_next_occurrence(session, make_user):
    lead = make_user(name="Lena Lead")

    schedule = create_schedule(
        session, zone=LONDON, created_by=lead.id, now=utc(2024, 3, 20), **WEEKLY
    )

    assert schedule.next_run_at == utc(2024, 3, 25, 9)
    assert schedule.recipients == "lead@example.com, team@example.com"
    assert schedule.recipient_list == ["lead@example.com", "team@example.com"]
    assert (schedule.period, schedule.segment, schedule.format) == (
        Period.D7,
        Segment.ALL,
        ReportFormat.PDF,
    )
    frame = schedules_frame(session)
    assert frame[["name", "frequency", "created_by_name"]].values.tolist() == [
        ["Monday summary", "weekly", "Lena Lead"]
    ]


def test_changing_the_timing_moves_the_next_run_and_other_changes_do_not(session):
    schedule = create_schedule(session, zone=LONDON, now=utc(2024, 3, 20), **WEEKLY)

    update_schedule(
        session, schedule.id, zone=LONDON, now=utc(2024, 3, 21), recipients="x@example.com"
    )
    assert schedule.next_run_at == utc(2024, 3, 25, 9)
    update_schedule(
        session, schedule.id, zone=LONDON, now=utc(2024, 3, 21), frequency="monthly", day_of_month=1
    )
    assert (schedule.weekday, schedule.day_of_month, schedule.next_run_at) == (
        None,
        1,
        utc(2024, 4, 1, 8),
    )
    update_schedule(session, schedule.id, zone=LONDON, now=utc(2024, 3, 21), active=False)
    assert schedule.next_run_at is None
    with pytest.raises(LookupError):
        update_schedule(session, 999, zone=LONDON, name="x")
    assert delete_schedule(session, schedule.id) and not delete_schedule(session, schedule.id)


def test_a_save_made_on_an_older_version_is_refused_and_writes_nothing(session):
    schedule = create_schedule(session, zone=LONDON, now=utc(2024, 3, 20), **WEEKLY)
    assert schedule.version == 1
    # Two people open version 1; the first saves, which makes version 2.
    update_schedule(session, schedule.id, zone=LONDON, version=1, recipients="a@example.com")
    assert schedule.version == 2

    with pytest.raises(ScheduleChanged) as conflict:
        update_schedule(session, schedule.id, zone=LONDON, version=1, recipients="b@example.com")

    assert conflict.value.current_version == 2
    assert "Someone else changed this schedule since you opened it" in str(conflict.value)
    session.refresh(schedule)
    assert (schedule.recipients, schedule.version) == ("a@example.com", 2)
    # A run recorded on it does not count as a change: the form opened on 2 still saves.
    record_schedule_run(session, schedule.id, status=ReportStatus.SENT, at=utc(2024, 3, 25, 9))
    update_schedule(session, schedule.id, zone=LONDON, version=2, recipients="b@example.com")
    assert (schedule.recipients, schedule.version) == ("b@example.com", 3)


def test_claiming_due_schedules_moves_them_on(session):
    due = create_schedule(session, zone=LONDON, now=utc(2024, 3, 20), **WEEKLY)
    later = create_schedule(
        session, zone=LONDON, now=utc(2024, 3, 20), **(WEEKLY | {"name": "Later", "weekday": 1})
    )
    paused = create_schedule(
        session, zone=LONDON, now=utc(2024, 3, 20), **(WEEKLY | {"name": "Paused"})
    )
    paused.active = False
    session.flush()

    claimed = claim_due_schedules(session, zone=LONDON, now=utc(2024, 3, 25, 9, 3))

    assert [(c.schedule_id, c.name, c.due_at) for c in claimed] == [
        (due.id, "Monday summary", utc(2024, 3, 25, 9))
    ]
    assert claimed[0].recipients == ("lead@example.com", "team@example.com")
    assert due.next_run_at == utc(2024, 4, 1, 8)
    assert later.next_run_at == utc(2024, 3, 26, 9)
    assert claim_due_schedules(session, zone=LONDON, now=utc(2024, 3, 25, 9, 8)) == []


def test_a_run_is_recorded_on_the_schedule(session):
    schedule = create_schedule(session, zone=LONDON, now=utc(2024, 3, 20), **WEEKLY)

    record_schedule_run(
        session, schedule.id, status=ReportStatus.FAILED, error="x" * 5000, at=utc(2024, 3, 25, 9)
    )

    stored = session.get(ReportSchedule, schedule.id)
    assert (stored.last_status, stored.last_run_at, len(stored.last_error)) == (
        ReportStatus.FAILED, utc(2024, 3, 25, 9), 4000,
    )  # fmt: skip
    record_schedule_run(session, schedule.id, status=ReportStatus.SENT, at=utc(2024, 4, 1, 8))
    assert (stored.last_status, stored.last_error) == (ReportStatus.SENT, None)
