"""How long work reports where it is: stage by stage, step by step.

The import, the scoring run and the demo seeding take a :class:`Progress` and
call it as they go; this one reports nothing. The command line hands them one
that draws progress bars on a terminal (``dashboard.cli.progress.bars``), so the
data layer never depends on how progress is shown.
"""

from __future__ import annotations


class Progress:
    """Where a piece of work is; this one reports nothing."""

    def stage(self, name: str, total: int = 1) -> None:
        """A new stage of ``total`` steps begins."""

    def advance(self, steps: int = 1) -> None:
        """``steps`` more steps of the current stage are done."""
