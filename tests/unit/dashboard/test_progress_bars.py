"""Long commands draw progress bars on a terminal and print nothing anywhere else."""

from __future__ import annotations

import io

from rich.console import Console

from dashboard.cli.progress import bars


def _report(console: Console) -> None:
    with bars(console) as progress:
        progress.stage("Reading logins.csv", 4)
        progress.advance(4)
        progress.stage("Writing", 2)
        progress.advance(1)


def test_a_terminal_sees_each_stage_completed():
    out = io.StringIO()
    _report(Console(file=out, force_terminal=True, width=100))
    text = out.getvalue()
    assert "Reading logins.csv" in text
    assert "4/4" in text
    assert "2/2" in text  # the last stage is shown complete when the work ends


def test_a_pipe_or_log_gets_nothing():
    out = io.StringIO()
    _report(Console(file=out, force_terminal=False))
    assert out.getvalue() == ""
