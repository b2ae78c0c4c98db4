"""``register_callbacks(app)``: every callback of the dashboard, registered on one app instance.

Callbacks are added with ``@app.callback`` on the instance, never with the
module-level ``dash.callback``: each app built by ``create_app`` (one per test)
gets its own complete set.
"""

from __future__ import annotations

from dash import Dash

from dashboard import shell
from dashboard.tabs import client_detail


def register_callbacks(app: Dash) -> None:
    """Register the shell's, each tab's and the client detail's callbacks on ``app``."""
    shell.register(app)
    for module in shell.TAB_MODULES.values():
        module.register(app)
    client_detail.register(app)
