"""What the navbar shows: the last scoring run and the data version (the bell has its own model in ``dashboard.admin.models``)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.orm import Session

from dashboard.formatting import date_text, local_time_text
from data.models import RunStatus
from data.repositories import runs as runs_repo


@dataclass(frozen=True)
class ShellStatus:
    """The navbar's facts: the last scoring run and the data version (the bell has its own)."""

    run_text: str
    run_detail: str
    run_failed: bool
    data_version: int | None


def shell_status(session: Session, *, zone: ZoneInfo, now: pd.Timestamp) -> ShellStatus:
    """What the navbar shows; ``data_version`` changes when a new scoring run succeeds."""
    success = runs_repo.last_successful_run(session)
    latest = runs_repo.latest_run(session)
    if success is not None and success.finished_at is not None:
        run_text = f"Scores updated {local_time_text(success.finished_at, zone, now=now)}"
        run_detail = (
            f"Scoring run for {date_text(success.as_of)}: {success.clients_scored:,} clients scored "
            f"({zone.key} time)"
        )
    else:
        run_text, run_detail = "No scoring run yet", "Run `csd score` to score the clients."
    failed = (
        latest is not None
        and latest.status == RunStatus.FAILED
        and (success is None or latest.started_at > success.started_at)
    )
    if failed:
        run_detail = f"The latest scoring run, started {local_time_text(latest.started_at, zone, now=now)}, failed."
    return ShellStatus(
        run_text=run_text,
        run_detail=run_detail,
        run_failed=failed,
        data_version=success.id if success is not None else None,
    )
