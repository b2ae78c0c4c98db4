"""The ``csd`` command line (DESIGN 3): operational tasks against ``DATABASE_URL``.

Every command exits non-zero with a one-line error on bad input and writes
nothing when it fails: each works in one transaction (``session_scope``).
``csd --debug`` shows the traceback of an unexpected error instead.

Each command group is a module of this package (``data``, ``jobs``,
``reports``, ``token``, ``serve``); the table below registers every command
in one place. Adding a command: write it with ``@click.command(...)`` in its
group's module and add a line here; a command is imported only when it runs
or ``--help`` lists it (so ``csd import`` never pays for importing Dash).
"""

from __future__ import annotations

from .group import main

COMMANDS = {
    "init-db": "dashboard.cli.data:init_db",
    "create-user": "dashboard.cli.data:create_user_command",
    "import": "dashboard.cli.data:import_command",
    "seed-demo": "dashboard.cli.jobs:seed_demo_command",
    "demo-admin": "dashboard.cli.jobs:demo_admin_command",
    "score": "dashboard.cli.jobs:score_command",
    "token": "dashboard.cli.token:token_command",
    "serve": "dashboard.cli.serve:serve_command",
    "report": "dashboard.cli.reports:report_command",
    "send-test-mail": "dashboard.cli.reports:send_test_mail_command",
    "run-schedules": "dashboard.cli.reports:run_schedules_command",
    "daily-job": "dashboard.cli.reports:daily_job_command",
    "sync": "dashboard.cli.reports:sync_command",
}
for _name, _target in COMMANDS.items():
    main.add_lazy_command(_name, _target)

__all__ = ["COMMANDS", "main"]
