"""``register_callbacks(app)``: every callback of the dashboard, registered on one app instance.

Callbacks are added with ``@app.callback`` on the instance, never with the
module-level ``dash.callback``: each app built by ``create_app`` (one per test)
gets its own complete set. This list is the one place that says which
modules register callbacks.
"""

from __future__ import annotations

from dash import Dash

from dashboard.admin import alerts as admin_alerts
from dashboard.admin import api_keys as admin_api_keys
from dashboard.admin import audit_log as admin_audit
from dashboard.admin import callbacks as admin_views
from dashboard.admin import data_import as admin_data_import
from dashboard.admin import data_quality as admin_data_quality
from dashboard.admin import data_sources as admin_data_sources
from dashboard.admin import outbox as admin_outbox
from dashboard.admin import schedules as admin_schedules
from dashboard.admin import status as admin_status
from dashboard.shell import callbacks as shell
from dashboard.tabs.analytics import callbacks as analytics
from dashboard.tabs.client_detail import callbacks as client_detail
from dashboard.tabs.client_detail import record_callbacks as client_record
from dashboard.tabs.interventions import callbacks as interventions_queue
from dashboard.tabs.interventions.form import callbacks as new_intervention_form
from dashboard.tabs.interventions.manage import callbacks as manage_dialog
from dashboard.tabs.overview import callbacks as overview
from dashboard.tabs.risk_segments import callbacks as risk_segments


def register_callbacks(app: Dash) -> None:
    """Register the shell's, the admin views', the bell's, each tab's and the client detail's callbacks."""
    for module in (
        shell, admin_views, admin_alerts, admin_status, admin_schedules, admin_outbox, admin_audit,
        admin_data_import, admin_data_quality, admin_data_sources, admin_api_keys,
        overview, risk_segments, interventions_queue, new_intervention_form, manage_dialog,
        analytics, client_detail, client_record,
    ):  # fmt: skip
        module.CALLBACKS.register(app)
