"""Progress bars of the long commands (``csd import``, ``csd score``, ``csd seed-demo``).

On a terminal, one rich progress bar per stage on standard error; anywhere else
(cron, CI, pipes, tests) nothing at all, so logs keep only the commands'
summary lines. The work reports through ``data.progress.Progress``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from data.progress import Progress


class _Bars(Progress):
    """Each stage as a rich progress bar, completed when the next one begins."""

    def __init__(self, bars: RichProgress) -> None:
        self.bars = bars
        self.task: TaskID | None = None
        self.total = 0

    def stage(self, name: str, total: int = 1) -> None:
        self.finish()
        self.task, self.total = self.bars.add_task(name, total=total), total

    def advance(self, steps: int = 1) -> None:
        if self.task is not None:
            self.bars.advance(self.task, steps)

    def finish(self) -> None:
        """Show the current stage as complete (a stage may skip steps)."""
        if self.task is not None:
            self.bars.update(self.task, completed=self.total)


@contextmanager
def bars(console: Console | None = None) -> Iterator[Progress]:
    """A :class:`Progress` drawing bars when standard error is a terminal; silent otherwise."""
    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield Progress()
        return
    columns = (
        TextColumn("{task.description:<32}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with RichProgress(*columns, console=console) as rich_bars:
        reporter = _Bars(rich_bars)
        yield reporter
        reporter.finish()
