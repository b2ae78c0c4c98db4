"""CSV import (DESIGN 4a): good files, bad rows reported with their lines and nothing
written, idempotence, and header checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from data.importer import (
    CsvImportError,
    _read_cells,
    _read_cells_with_csv_module,
    import_csv,
)
from data.models import Client, Feedback, Interaction, Login, Task, Ticket
from data.repositories.clients import clients_frame
from data.repositories.events import event_rows


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """Files are named relative to the working directory, as a user would type them."""
    monkeypatch.chdir(tmp_path)


def _write(tmp_path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return Path(name)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _problems(session, kind, path) -> list[str]:
    with pytest.raises(CsvImportError) as caught:
        import_csv(session, kind, path)
    return caught.value.problems


# --- clients ------------------------------------------------------------------------------


def test_good_clients_file(session, tmp_path, make_user):
    owner = make_user("olive@example.com")
    path = _write(
        tmp_path,
        "clients.csv",
        "id,name,email,partner_names,wedding_date,venue,package,contract_value,status,owner_email,created_at,churned_at\n"
        "c1,Amy & Bo,Amy@Example.com,Amy & Bo,2025-06-01,Kew Gardens,Gold,1250.50,,OLIVE@example.com,2024-01-15T09:30:00,\n"
        "c2,Cat,,,2024-06-01,,,0.29,completed,,2023-05-01T00:00:00+02:00,\n"
        'c3,"Dee, Eve",,,,,,1234567.89,churned,,2024-01-01T00:00:00Z,2024-03-01T12:00:00Z\n'
        "c4,Fay,,,,,,19.9,Active,,,\n",
    )
    summary = import_csv(session, "clients", path)
    assert (summary.rows, summary.inserted, summary.updated) == (4, 4, 0)

    frame = clients_frame(session).set_index("client_id")
    assert frame["contract_value"].tolist() == [125050, 29, 123456789, 1990]
    assert frame["status"].tolist() == ["active", "completed", "churned", "active"]
    assert frame.loc["c1", "owner_id"] == owner.id
    assert frame.loc["c1", "created_at"] == pd.Timestamp("2024-01-15 09:30", tz="UTC")
    assert frame.loc["c2", "created_at"] == pd.Timestamp("2023-04-30 22:00", tz="UTC")
    assert frame.loc["c2", "completed_at"] == pd.Timestamp("2024-06-01 23:59:59", tz="UTC")
    assert frame.loc["c3", "name"] == "Dee, Eve"
    assert frame.loc["c3", "churned_at"] == pd.Timestamp("2024-03-01 12:00", tz="UTC")
    assert pd.isna(frame.loc["c1", "completed_at"]) and pd.isna(frame.loc["c1", "churned_at"])
    assert session.get(Client, "c1").email == "amy@example.com"
    # no created_at: the time of import
    assert pd.Timestamp.now(tz="UTC") - frame.loc["c4", "created_at"] < pd.Timedelta(minutes=1)


def test_reimporting_clients_updates_them_and_keeps_what_the_file_lacks(session, tmp_path):
    path = _write(tmp_path, "clients.csv", "id,name,venue\nc1,Amy,Kew\nc2,Bo,\n")
    import_csv(session, "clients", path)
    created = clients_frame(session).set_index("client_id")["created_at"]

    again = import_csv(session, "clients", path)
    assert (again.inserted, again.updated) == (0, 2)
    assert _count(session, Client) == 2

    renamed = _write(tmp_path, "renamed.csv", "id,name\nc1,Amy Smith\n")
    import_csv(session, "clients", renamed)
    frame = clients_frame(session).set_index("client_id")
    assert frame.loc["c1", ["name", "venue"]].tolist() == ["Amy Smith", "Kew"]
    assert frame["created_at"].equals(created)


def test_bad_clients_file_reports_every_bad_cell_and_writes_nothing(session, tmp_path, make_user):
    make_user("olive@example.com")
    path = _write(
        tmp_path,
        "bad-clients.csv",
        "id,name,email,wedding_date,contract_value,status,owner_email,churned_at\n"
        "c1,Amy,amy@example.com,2025-06-01,1250.00,active,olive@example.com,\n"
        'c2,,not-an-email,2025-02-30,"1,200",gone,nobody@example.com,\n'
        "c1,Amy again,,,-5,,,\n"
        "c3,Cat,,,12.345,active,,2024-03-01T00:00:00Z\n"
        f"{'x' * 65},Long,,,,,,\n"
        ",Nameless,,,,,,\n",
    )
    assert _problems(session, "clients", path) == [
        "bad-clients.csv:3: name: required, but empty",
        "bad-clients.csv:3: email: not an email address",
        "bad-clients.csv:3: wedding_date: not a date (expected YYYY-MM-DD)",
        "bad-clients.csv:3: contract_value: not an amount (digits with up to 2 decimals, e.g. 1250.00)",
        "bad-clients.csv:3: status: must be one of active, churned, completed",
        "bad-clients.csv:3: owner_email: no team member with this email",
        "bad-clients.csv:4: id: repeats the id of line 2",
        "bad-clients.csv:4: contract_value: must not be negative",
        "bad-clients.csv:5: contract_value: not an amount (digits with up to 2 decimals, e.g. 1250.00)",
        "bad-clients.csv:5: churned_at: given, but the status is not churned",
        "bad-clients.csv:6: id: longer than 64 characters",
        "bad-clients.csv:7: id: required, but empty",
    ]
    assert _count(session, Client) == 0


# --- events -------------------------------------------------------------------------------


@pytest.fixture
def clients(make_client):
    make_client("c1")
    make_client("c2")


def test_good_event_files(session, tmp_path, clients):
    files = {
        "logins": "client_id,ts\nc1,2024-05-01T10:00:00\nc1,2024-05-01T14:00:00+02:00\nc2,2024-05-02\n",
        "interactions": "client_id,ts,channel,response_hours\nc1,2024-05-01T10:00:00Z,email,3.5\nc2,2024-05-01T11:00:00Z,,\n",
        "tasks": "client_id,title,kind,due_date,completed_at\nc1,Book band,,2024-06-01,\nc1,Venue signed,milestone,2024-02-01,2024-01-30T16:00:00Z\n",
        "feedback": 'client_id,ts,rating,sentiment,comment\nc1,2024-05-01T10:00:00Z,4,-0.25,"Lovely, thanks"\nc2,2024-05-01T10:00:00Z,,1,\n',
        "tickets": "client_id,opened_at,resolved_at,resolution_rating\nc1,2024-05-01T10:00:00Z,2024-05-02T10:00:00Z,5\nc2,2024-05-03T10:00:00Z,,\n",
    }
    for kind, text in files.items():
        summary = import_csv(session, kind, _write(tmp_path, f"{kind}.csv", text))
        assert (summary.inserted, summary.duplicates) == (summary.rows, 0), kind

    logins = event_rows(session, "logins")
    # naive = UTC; an offset is converted; a bare date is midnight UTC
    assert logins["ts"].tolist() == [
        pd.Timestamp("2024-05-01 10:00", tz="UTC"),
        pd.Timestamp("2024-05-01 12:00", tz="UTC"),
        pd.Timestamp("2024-05-02 00:00", tz="UTC"),
    ]
    interactions = event_rows(session, "interactions")
    assert interactions["response_hours"].tolist()[0] == 3.5 and pd.isna(
        interactions["response_hours"].iloc[1]
    )
    tasks = event_rows(session, "tasks")
    assert tasks[["title", "kind"]].values.tolist() == [
        ["Venue signed", "milestone"],
        ["Book band", "task"],
    ]
    feedback = event_rows(session, "feedback")
    assert feedback[["rating", "sentiment"]].iloc[0].tolist() == [4, -0.25]
    assert feedback["comment"].iloc[0] == "Lovely, thanks"
    assert _count(session, Ticket) == 2


def test_bad_event_rows_are_all_reported_and_nothing_is_written(session, tmp_path, clients):
    logins = _write(
        tmp_path,
        "logins.csv",
        "client_id,ts\n"
        "c1,2024-05-01T10:00:00Z\n"
        "c9,2024-05-01T10:00:00Z\n"
        "c1,01/05/2024\n"
        ",2024-05-01\n"
        "c1\n"
        "\n"
        "c2,2024-13-01T00:00:00Z\n",
    )
    assert _problems(session, "logins", logins) == [
        "logins.csv:3: client_id: no client with this id",
        "logins.csv:4: ts: not an ISO 8601 timestamp (e.g. 2024-05-01T14:30:00Z)",
        "logins.csv:5: client_id: required, but empty",
        "logins.csv:6: expected 2 cells, found 1",
        "logins.csv:8: ts: not an ISO 8601 timestamp (e.g. 2024-05-01T14:30:00Z)",
    ]
    feedback = _write(
        tmp_path,
        "feedback.csv",
        "client_id,ts,rating,sentiment\nc1,2024-05-01,6,1.5\nc1,2024-05-01,4.5,x\nc1,,3,-1\n",
    )
    assert _problems(session, "feedback", feedback) == [
        "feedback.csv:2: rating: must be a whole number from 1 to 5",
        "feedback.csv:2: sentiment: must be a number from -1 to 1",
        "feedback.csv:3: rating: must be a whole number from 1 to 5",
        "feedback.csv:3: sentiment: must be a number from -1 to 1",
        "feedback.csv:4: ts: required, but empty",
    ]
    others = {
        "interactions": (
            "client_id,ts,response_hours\nc1,2024-05-01,-1\n",
            ["interactions.csv:2: response_hours: must be a number of hours, 0 or more"],
        ),
        "tasks": (
            "client_id,title,kind,due_date\nc1,,chore,2024-02-30\n",
            [
                "tasks.csv:2: title: required, but empty",
                "tasks.csv:2: kind: must be one of task, milestone",
                "tasks.csv:2: due_date: not a date (expected YYYY-MM-DD)",
            ],
        ),
        "tickets": (
            "client_id,opened_at,resolved_at,resolution_rating\n"
            "c1,2024-05-02T00:00:00Z,2024-05-01T00:00:00Z,\nc1,2024-05-02T00:00:00Z,,4\n",
            [
                "tickets.csv:2: resolved_at: before opened_at",
                "tickets.csv:3: resolution_rating: given, but resolved_at is empty",
            ],
        ),
    }
    for kind, (text, expected) in others.items():
        assert _problems(session, kind, _write(tmp_path, f"{kind}.csv", text)) == expected, kind
    for model in (Login, Interaction, Task, Feedback, Ticket):
        assert _count(session, model) == 0


def test_importing_the_same_file_twice_adds_nothing(session, tmp_path, clients):
    path = _write(
        tmp_path,
        "interactions.csv",
        "client_id,ts,channel,response_hours\n"
        "c1,2024-05-01T10:00:00Z,email,2.5\n"
        "c1,2024-05-01T10:00:00Z,email,2.5\n"  # repeated within the file
        "c1,2024-05-01T10:00:00Z,phone,2.5\n"
        "c1,2024-05-01T11:00:00+01:00,,\n"
        "c1,2024-05-01T10:00:00Z,,\n",  # the same instant as the line above
    )
    first = import_csv(session, "interactions", path)
    assert (first.rows, first.inserted, first.duplicates) == (5, 3, 2)
    second = import_csv(session, "interactions", path)
    assert (second.inserted, second.duplicates) == (0, 5)
    assert _count(session, Interaction) == 3


def test_header_must_name_known_columns_once_and_every_required_one(session, tmp_path, clients):
    extra = _write(tmp_path, "extra.csv", "client_id,ts,device\nc1,2024-05-01,phone\n")
    assert _problems(session, "logins", extra) == [
        "extra.csv:1: device: unknown column (expected client_id, ts)"
    ]
    missing = _write(tmp_path, "missing.csv", "Client_ID,Ts,Ts\nc1,2024-05-01,2024-05-02\n")
    assert _problems(session, "logins", missing) == ["missing.csv:1: ts: repeated column"]
    no_title = _write(tmp_path, "tasks.csv", "client_id,due_date\nc1,2024-05-01\n")
    assert _problems(session, "tasks", no_title) == ["tasks.csv:1: title: required column missing"]
    assert _problems(session, "logins", _write(tmp_path, "empty.csv", "")) == [
        "empty.csv:1: the file is empty; expected a header row"
    ]
    assert _count(session, Login) == 0


def test_more_than_fifty_problems_are_summarised(session, tmp_path, clients):
    path = _write(tmp_path, "many.csv", "client_id,ts\n" + "c1,never\n" * 60)
    with pytest.raises(CsvImportError) as caught:
        import_csv(session, "logins", path)
    report = caught.value.report()
    assert len(report) == 51
    assert report[0] == "many.csv:2: ts: not an ISO 8601 timestamp (e.g. 2024-05-01T14:30:00Z)"
    assert report[49].startswith("many.csv:51: ts:")
    assert report[50] == "... and 10 more"
    assert str(caught.value) == "many.csv: 60 problems; nothing imported"


def test_text_that_is_not_utf8_is_rejected_with_its_line(session, tmp_path, clients):
    path = Path("latin1.csv")
    path.write_bytes("client_id,ts\nc1,2024-05-01\nc1,caf\xe9\n".encode("latin-1"))
    assert _problems(session, "logins", path) == ["latin1.csv:3: not UTF-8 text"]


def test_a_byte_order_mark_and_blank_lines_are_fine(session, tmp_path, clients):
    path = Path("bom.csv")
    path.write_bytes("\ufeffclient_id,ts\r\nc1,2024-05-01\r\n\r\n,\r\n".encode())
    assert import_csv(session, "logins", path).inserted == 1
    assert event_rows(session, "logins")["ts"].tolist() == [
        pd.Timestamp(dt.date(2024, 5, 1), tz="UTC")
    ]


def test_unknown_kind(session, tmp_path):
    with pytest.raises(ValueError, match="unknown import kind"):
        import_csv(session, "weddings", tmp_path / "x.csv")


def test_an_event_in_two_files_and_twice_in_one_is_added_once(session, tmp_path, clients):
    first = _write(
        tmp_path,
        "march.csv",
        "client_id,ts\n"
        "c1,2024-03-01T10:00:00Z\n"
        "c2,2024-03-01T10:00:00Z\n"
        "c1,2024-03-01T12:00:00+02:00\n",  # the first line again, with an offset
    )
    second = _write(
        tmp_path,
        "april.csv",
        "ts,client_id\n2024-03-01T10:00:00Z,c2\n2024-04-01T10:00:00Z,c2\n",
    )
    summary = import_csv(session, "logins", first)
    assert (summary.rows, summary.inserted, summary.duplicates) == (3, 2, 1)
    summary = import_csv(session, "logins", second)
    assert (summary.rows, summary.inserted, summary.duplicates) == (2, 1, 1)
    logins = event_rows(session, "logins")
    assert logins.values.tolist() == [
        ["c1", pd.Timestamp("2024-03-01 10:00", tz="UTC")],
        ["c2", pd.Timestamp("2024-03-01 10:00", tz="UTC")],
        ["c2", pd.Timestamp("2024-04-01 10:00", tz="UTC")],
    ]


def test_a_quoted_cell_over_several_lines_keeps_the_line_numbers(session, tmp_path, clients):
    path = _write(
        tmp_path,
        "feedback.csv",
        "client_id,ts,rating,comment\n"
        'c1,2024-05-01T10:00:00Z,4,"Lovely,\nthanks ""so"" much\n"\n'  # lines 2-4
        "c1,2024-05-02T10:00:00Z,9,\n"  # line 5
        'c2,2024-05-03T10:00:00Z,,"one\r\ntwo"\n'  # lines 6-7
        "c9,2024-05-04T10:00:00Z,3,fine\n"  # line 8
        "c1,2024-05-05T10:00:00Z,3\n",  # line 9
    )
    assert _problems(session, "feedback", path) == [
        "feedback.csv:5: rating: must be a whole number from 1 to 5",
        "feedback.csv:8: client_id: no client with this id",
        "feedback.csv:9: expected 4 cells, found 3",
    ]
    good = _write(
        tmp_path,
        "good.csv",
        "client_id,ts,comment\n"
        'c1,2024-05-01T10:00:00Z," Lovely,\nthanks ""so"" much\n"\n'
        'c2,2024-05-03T10:00:00Z,"one\r\ntwo"\n',
    )
    assert import_csv(session, "feedback", good).inserted == 2
    assert event_rows(session, "feedback")["comment"].tolist() == [
        'Lovely,\nthanks "so" much',
        "one\r\ntwo",
    ]


def test_unusual_quoting_is_read_as_the_csv_module_reads_it(session, tmp_path, clients):
    # A quote inside an unquoted cell is a plain character; a cell may go on after its quotes.
    path = _write(
        tmp_path,
        "interactions.csv",
        "client_id,ts,channel\n"
        'c1,2024-05-01T10:00:00Z,say "hi"\n'
        'c1,2024-05-02T10:00:00Z,"e"mail\n'
        "c1,2024-05-03T10:00:00Z,x,y\n",
    )
    assert _problems(session, "interactions", path) == [
        "interactions.csv:4: expected 3 cells, found 4"
    ]
    readable = _write(
        tmp_path,
        "ok.csv",
        'client_id,ts,channel\nc1,2024-05-01T10:00:00Z,say "hi"\nc1,2024-05-02T10:00:00Z,"e"mail\n',
    )
    assert import_csv(session, "interactions", readable).inserted == 2
    assert event_rows(session, "interactions")["channel"].tolist() == ['say "hi"', "email"]


def test_cells_are_trimmed_and_rows_of_empty_cells_skipped(session, tmp_path, clients):
    path = _write(
        tmp_path,
        "tasks.csv",
        " Client_ID , title ,kind,due_date\n"
        " c1 ,\tBook band ,  MILESTONE ,2024-06-01 \n"
        " , , , \n"
        "c2,Pick flowers,,2024-06-02\n",
    )
    summary = import_csv(session, "tasks", path)
    assert (summary.rows, summary.inserted) == (2, 2)
    tasks = event_rows(session, "tasks")
    assert tasks[["client_id", "title", "kind"]].values.tolist() == [
        ["c1", "Book band", "milestone"],
        ["c2", "Pick flowers", "task"],
    ]


def test_a_row_with_too_many_cells_is_reported_with_its_count(session, tmp_path, clients):
    path = _write(
        tmp_path,
        "logins.csv",
        "client_id,ts\nc1,2024-05-01T10:00:00Z,extra,more\nc1,2024-05-01T10:00:00Z,\n",
    )
    assert _problems(session, "logins", path) == [
        "logins.csv:2: expected 2 cells, found 4",
        "logins.csv:3: expected 2 cells, found 3",
    ]
    assert _count(session, Login) == 0


def test_a_header_after_blank_lines_is_refused(session, tmp_path, clients):
    path = _write(tmp_path, "late.csv", "\n\nclient_id,ts\nc1,2024-05-01\n")
    assert _problems(session, "logins", path) == ["late.csv:1: the header row is empty"]
    only_blank = _write(tmp_path, "blank.csv", "\n , \n\n")
    assert _problems(session, "logins", only_blank) == [
        "blank.csv:1: the file is empty; expected a header row"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,2\n",
        "a,b\r\n1,2\r\n\r\n3\r\n , \r\n4,5,6",
        'a,b\n"x\ny",2\n"",""\n"q""q",3\n',
        " a , b \n 1 ,\t2\n",
        "a,b\n\n\n1,2\n",
        "a,b\ncafé ,\u00a02\n",
        'a,b\n"1\r\n",2\n',
    ],
)
def test_the_fast_reader_reads_as_the_csv_module(text):
    data = text.encode()
    fast, slow = _read_cells("f.csv", data), _read_cells_with_csv_module("f.csv", data)
    assert fast.header == slow.header
    assert fast.lines.tolist() == slow.lines.tolist()
    assert fast.problems == slow.problems
    trimmed = slow.cells.apply(lambda cells: cells.str.strip())
    assert fast.cells.values.tolist() == trimmed.values.tolist()
