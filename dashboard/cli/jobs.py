"""``csd seed-demo``, ``csd demo-admin`` and ``csd score``: the demo book and the daily job."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click
from sqlalchemy import func, select

from data.db import database_url, session_factory, session_scope
from data.demo_book import TEAM
from data.demo_seed import seed_demo
from data.models import Client
from data.repositories.users import generate_password, set_password, user_by_email
from data.scoring_job import ScoringFailed, run_scoring
from data.sync import DEMO_SOURCE_NAME, add_demo_sync_source

from .group import require_current_schema
from .progress import bars

DEMO_ADMIN_EMAIL = TEAM[0][0]
MAX_DEMO_CLIENTS = 1_000_000
# The demo holds its whole score history in memory, about 150 bytes a client-day (plus
# the events): 100,000 clients x 180 days fit in a few GiB.
MAX_DEMO_SCORE_DAYS = 36_500_000


def _day(_ctx, _param, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


@click.command("seed-demo")
@click.option(
    "--clients",
    default=500,
    show_default=True,
    type=click.IntRange(1, MAX_DEMO_CLIENTS),
    help="Client couples.",
)
@click.option(
    "--days",
    default=180,
    show_default=True,
    type=click.IntRange(1, 730),
    help="Days of score history.",
)
@click.option(
    "--seed",
    default=2026,
    show_default=True,
    type=int,
    help="Random seed: the same seed gives the same book.",
)
@click.option("--today", callback=_day, help="Last day of the history (default: today, UTC).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has clients.")
@click.option(
    "--sync-folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also add a sync source on this folder, with the last day's interactions dropped in it.",
)
def seed_demo_command(
    clients: int,
    days: int,
    seed: int,
    today: dt.date | None,
    if_empty: bool,
    sync_folder: Path | None,
) -> None:
    """Seed a realistic demo book, scored by the real engine, with its history.

    On a terminal, a progress bar shows each stage; otherwise only the summary is printed.
    """
    if clients * days > MAX_DEMO_SCORE_DAYS:
        raise click.BadParameter(
            f"{clients:,} clients x {days} days is more than {MAX_DEMO_SCORE_DAYS:,} client-days;"
            " choose fewer clients or days",
            param_hint="--clients/--days",
        )
    url = database_url()
    require_current_schema(url)
    started = time.perf_counter()
    with session_scope(url) as session:
        existing = session.scalar(select(func.count()).select_from(Client))
        if existing and if_empty:
            click.echo(f"Database already has {existing} clients: demo data not seeded.")
            return
        try:
            with bars() as progress:
                summary = seed_demo(
                    session,
                    clients=clients,
                    days=days,
                    seed=seed,
                    today=today or dt.datetime.now(dt.UTC).date(),
                    progress=progress,
                )
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    seconds = time.perf_counter() - started
    risk = ", ".join(
        f"{summary.risk_today.get(level, 0)} {level}"
        for level in ("low", "medium", "high", "critical")
    )
    statuses = ", ".join(
        f"{n} {status}" for status, n in sorted(summary.interventions_by_status.items())
    )
    click.echo(
        f"Seeded {summary.clients} clients and {summary.score_rows:,} daily scores over {days} days"
        f" in {seconds:.1f} s."
    )
    click.echo(f"Risk today: {risk}.")
    click.echo(f"Interventions: {statuses}; alerts: {summary.alerts}.")
    if sync_folder is not None:
        with session_scope(url) as session:
            dropped = add_demo_sync_source(session, sync_folder)
        click.echo(
            f"Sync source {DEMO_SOURCE_NAME!r} on {sync_folder}, with {dropped.name} dropped in it."
        )


@click.command("demo-admin")
def demo_admin_command() -> None:
    """Give the demo admin a new one-time password and print the sign-in details."""
    url = database_url()
    require_current_schema(url)
    password = generate_password()
    with session_scope(url) as session:
        user = user_by_email(session, DEMO_ADMIN_EMAIL)
        if user is None:
            raise click.ClickException(
                f"no demo admin ({DEMO_ADMIN_EMAIL}); run `csd seed-demo` first"
            )
        set_password(user, password)
    click.echo(f"Sign in as {DEMO_ADMIN_EMAIL} with password {password}")


@click.command("score")
@click.option(
    "--as-of", "as_of", callback=_day, help="Day to score, YYYY-MM-DD (default: today, UTC)."
)
@click.option(
    "--client", "client_ids", multiple=True, help="Score only this client id (repeatable)."
)
@click.option("--force", is_flag=True, help="Score again clients already scored that day.")
def score_command(as_of: dt.date | None, client_ids: tuple[str, ...], force: bool) -> None:
    """Run the daily scoring job: scores, history, trends, alerts and automatic interventions."""
    url = database_url()
    require_current_schema(url)
    try:
        with bars() as progress:
            summary = run_scoring(
                session_factory(url),
                as_of=as_of,
                client_ids=client_ids or None,
                force=force,
                progress=progress,
            )
    except ScoringFailed as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Scored {summary.clients_scored} clients for {summary.as_of}"
        f" ({summary.clients_skipped} already scored that day) in {summary.seconds:.1f} s;"
        f" {summary.interventions_created} automatic interventions, {summary.alerts_created} alerts."
    )
