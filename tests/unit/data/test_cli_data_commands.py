"""``csd init-db``, ``csd create-user`` and ``csd import`` through click's CliRunner."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dashboard.cli import main
from data.db import session_scope
from data.models import Client, DataImport, Login, User
from data.repositories.users import verify_password


@pytest.fixture
def run(db_url):
    """Run ``csd`` against the test database: ``run("init-db")``."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, env={"DATABASE_URL": db_url})

    return invoke


def _count(url: str, model) -> int:
    with session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_init_db_is_safe_to_rerun(run):
    first = run("init-db")
    assert first.exit_code == 0, first.output
    assert "migrated to revision" in first.stdout
    second = run("init-db")
    assert second.exit_code == 0
    assert "is up to date" in second.stdout


def test_commands_other_than_init_db_need_the_schema(run):
    result = run("create-user", "ann@example.com", "--name", "Ann", "--role", "admin")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("run `csd init-db` first")
    assert len(result.stderr.strip().splitlines()) == 1


def test_create_user_with_a_generated_password(run, db_url):
    run("init-db")
    result = run("create-user", "Ann@Example.com", "--name", "Ann", "--role", "manager")
    assert result.exit_code == 0, result.output
    assert "Created manager ann@example.com" in result.stdout
    password = re.search(r"Password \(shown only now\): (\S+)", result.stdout).group(1)
    with session_scope(db_url) as session:
        assert verify_password(session, "ann@example.com", password) is not None


def test_create_user_with_a_password_on_stdin(run, db_url):
    run("init-db")
    result = run(
        "create-user",
        "bo@example.com",
        "--name",
        "Bo",
        "--role",
        "viewer",
        "--password-stdin",
        input="a long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password" not in result.stdout
    with session_scope(db_url) as session:
        assert verify_password(session, "bo@example.com", "a long passphrase").name == "Bo"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["ann@example.com", "--name", "Again", "--role", "admin"],
            None,
            "Error: a user with email ann@example.com already exists",
        ),
        (
            ["x@example.com", "--name", "X", "--role", "admin", "--password-stdin"],
            "short\n",
            "Error: password must be at least 8 characters",
        ),
        (
            ["x@example.com", "--name", "X", "--role", "admin", "--password-stdin"],
            "",
            "Error: no password on standard input",
        ),
        (
            ["nobody", "--name", "X", "--role", "admin"],
            None,
            "Error: 'nobody' is not an email address",
        ),
    ],
)
def test_create_user_fails_with_one_line_and_writes_nothing(run, db_url, args, stdin, message):
    run("init-db")
    run("create-user", "ann@example.com", "--name", "Ann", "--role", "admin")
    result = run("create-user", *args, input=stdin)
    assert result.exit_code == 1
    assert result.stderr.strip() == message
    assert _count(db_url, User) == 1


def test_create_user_rejects_an_unknown_role(run):
    run("init-db")
    result = run("create-user", "x@example.com", "--name", "X", "--role", "owner")
    assert result.exit_code == 2
    assert "'owner' is not one of 'admin', 'manager', 'viewer'" in result.stderr


def test_import_good_and_bad_files(run, db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run("init-db")
    (tmp_path / "clients.csv").write_text("id,name\nc1,Amy\nc2,Bo\n")
    result = run("import", "clients", "clients.csv")
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.strip()
        == "Imported clients from clients.csv: 2 new, 0 updated (2 rows read)."
    )

    (tmp_path / "logins.csv").write_text(
        "client_id,ts\nc1,2024-05-01T10:00:00Z\nc1,2024-05-01T10:00:00Z\n"
    )
    assert run("import", "logins", "logins.csv").stdout.strip() == (
        "Imported logins from logins.csv: 1 new, 1 already present (2 rows read)."
    )
    assert run("import", "logins", "logins.csv").stdout.strip() == (
        "Imported logins from logins.csv: 0 new, 2 already present (2 rows read)."
    )

    (tmp_path / "bad.csv").write_text(
        "client_id,ts\nc1,2024-05-02T10:00:00Z\nc3,2024-05-01\nc1,soon\n"
    )
    result = run("import", "logins", "bad.csv")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "bad.csv:3: client_id: no client with this id",
        "bad.csv:4: ts: not an ISO 8601 timestamp (e.g. 2024-05-01T14:30:00Z)",
        "Error: bad.csv: 2 problems; nothing imported",
    ]
    assert _count(db_url, Login) == 1
    assert _count(db_url, Client) == 2
    with session_scope(db_url) as session:
        history = session.execute(
            select(
                DataImport.via, DataImport.kind, DataImport.source, DataImport.rows_added,
                DataImport.rows_already_present, DataImport.problems,
            ).order_by(DataImport.id)
        ).all()  # fmt: skip
    assert [tuple(row) for row in history] == [
        ("command_line", "clients", "clients.csv", 2, 0, 0),
        ("command_line", "logins", "logins.csv", 1, 1, 0),
        ("command_line", "logins", "logins.csv", 0, 2, 0),
        ("command_line", "logins", "bad.csv", 0, 0, 2),
    ]


def test_import_of_a_missing_file(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run("init-db")
    result = run("import", "clients", "nothere.csv")
    assert result.exit_code == 1
    assert (
        result.stderr.splitlines()[0]
        == "nothere.csv: cannot read the file: No such file or directory"
    )


def test_unexpected_errors_are_one_line(tmp_path):
    result = CliRunner().invoke(main, ["init-db"], env={"DATABASE_URL": "nosuchdb://x"})
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("Error: database error: ")
    assert "Traceback" not in result.output


def test_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    listed = {
        line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()
    }
    assert {"init-db", "create-user", "import", "seed-demo", "score", "token", "serve"} <= listed


def test_every_registered_command_loads_under_its_name():
    """The one table of commands (dashboard.cli.COMMANDS) names modules and commands that exist."""
    from dashboard.cli import COMMANDS

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    for name in COMMANDS:
        assert f"  {name} " in result.output
        assert main.get_command(None, name).name == name


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "dashboard.example.com"])
def test_serve_refuses_the_debugger_on_a_host_others_can_reach(host, monkeypatch):
    import dashboard.application

    def never(*args, **kwargs):
        raise AssertionError("the app must not be built")

    monkeypatch.setattr(dashboard.application, "create_app", never)
    result = CliRunner().invoke(main, ["serve", "--debug", "--host", host])

    assert result.exit_code == 2
    assert "only allowed on a loopback host" in result.output
    assert host in result.output


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_serve_allows_the_debugger_on_loopback(host, monkeypatch):
    import dashboard.application

    started = []

    class FakeApp:
        def run(self, **kwargs):
            started.append(kwargs)

    monkeypatch.setattr(dashboard.application, "create_app", lambda: FakeApp())
    result = CliRunner().invoke(main, ["serve", "--debug", "--host", host])

    assert result.exit_code == 0, result.output
    assert started == [{"host": host, "port": 8050, "debug": True}]
