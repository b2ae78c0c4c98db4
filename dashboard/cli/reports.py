"""``csd report``, ``csd send-test-mail`` and ``csd run-schedules``: reports and mail from the command line.

``csd report`` writes the file through a temporary file beside ``--out`` and
renames it into place, so a failed run never leaves half a report behind.
``csd run-schedules`` runs the due report schedules and ``csd daily-job`` the
daily scoring with its alert mail, exactly as the in-app scheduler does
(under the same database locks), for deployments that run them from cron
with ``CSD_SCHEDULER=off``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from dashboard.clock import display_zone
from dashboard.services.mail import send_mail
from data.db import database_url, session_factory, session_scope
from data.models_reports import ReportFormat
from scoring.enums import Period, Segment

from .group import require_current_schema


@click.command("report")
@click.option(
    "--period",
    type=click.Choice([p.value for p in Period]),
    default=Period.D30.value,
    show_default=True,
    help="The period ending today.",
)
@click.option(
    "--segment",
    type=click.Choice([s.value for s in Segment]),
    default=Segment.ALL.value,
    show_default=True,
    help="New clients were created in the period; existing ones before it.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ReportFormat]),
    required=True,
    help="csv: a zip of clients.csv, interventions.csv and kpis.csv; pdf: the report for meetings.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="File to write, or an existing folder to write the report into under its own name.",
)
def report_command(period: str, segment: str, fmt: str, out: Path) -> None:
    """Write the report of a period and segment as a CSV zip or a PDF."""
    from dashboard.services.reports import render_report

    url = database_url()
    require_current_schema(url)
    with session_scope(url) as session:
        report = render_report(session, period, segment, fmt, zone=display_zone())
        session.rollback()
    target = out / report.filename if out.is_dir() else out
    if not target.parent.is_dir():
        raise click.ClickException(f"folder {target.parent} does not exist")
    _write_atomically(target, report.content)
    data = report.data
    click.echo(
        f"Wrote {target} ({len(report.content):,} bytes): {data.period.label.lower()}, "
        f"{data.segment.label.lower()}, {data.start} to {data.end}"
        + ("" if data.has_data else "; no data for this period")
        + "."
    )


def _write_atomically(target: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@click.command("send-test-mail")
@click.argument("email")
def send_test_mail_command(email: str) -> None:
    """Send a test notification to EMAIL through SMTP (or into the outbox without SMTP)."""
    url = database_url()
    require_current_schema(url)
    result = send_mail(
        email,
        "Customer Success Dashboard: test notification",
        "This is a test notification from the Customer Success Dashboard.\n\n"
        "Alerts about clients whose health score fell and scheduled reports are sent the same way.\n",
        url=url,
    )
    if result.via == "none" or (result.via == "outbox" and result.error):
        raise click.ClickException(result.describe())
    click.echo(result.describe())


@click.command("run-schedules")
def run_schedules_command() -> None:
    """Run the report schedules that are due (for cron, with CSD_SCHEDULER=off)."""
    from dashboard.services.scheduler import run_due_reports

    url = database_url()
    require_current_schema(url)
    outcome = run_due_reports(session_factory(url), url=url, zone=display_zone())
    if outcome is None:
        click.echo("Another runner is running the report schedules; nothing done.")
        return
    if not outcome:
        click.echo("No report schedule is due.")
    for result in outcome:
        click.echo(result.describe())


@click.command("daily-job")
def daily_job_command() -> None:
    """Run the daily scoring and mail its alerts, once per day across runners (for cron)."""
    from dashboard.services.scheduler import run_daily_job

    url = database_url()
    require_current_schema(url)
    outcome = run_daily_job(session_factory(url), url=url)
    click.echo(outcome.describe())
    if outcome.error:
        raise click.ClickException(outcome.error)


@click.command("sync")
@click.option(
    "--source", "names", multiple=True, help="Pull only the source of this name (repeatable)."
)
def sync_command(names: tuple[str, ...]) -> None:
    """Pull every configured sync source once (for cron), or only those named."""
    from sqlalchemy import select

    from dashboard.services.scheduler import run_syncs
    from data.models import SyncSource

    url = database_url()
    require_current_schema(url)
    sessions = session_factory(url)
    with sessions() as session:
        sources = dict(
            session.execute(select(SyncSource.name, SyncSource.id).order_by(SyncSource.name)).all()
        )
    if not sources:
        click.echo(
            "No sync source is configured; an admin adds them in the app (gear menu, Import data)."
        )
        return
    unknown = [name for name in names if name not in sources]
    if unknown:
        raise click.ClickException(
            f"no sync source called {', '.join(unknown)}; the sources are: {', '.join(sources)}"
        )
    chosen = [sources[name] for name in names] if names else list(sources.values())
    outcomes = run_syncs(sessions, source_ids=chosen)
    if outcomes is None:
        raise click.ClickException("another sync is running; try again when it has finished")
    for outcome in outcomes:
        click.echo(outcome.describe())
    failed = [outcome.source for outcome in outcomes if outcome.status != "succeeded"]
    if failed:
        raise click.ClickException(f"not everything was imported from: {', '.join(failed)}")
