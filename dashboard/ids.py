"""Component IDs of the dashboard, one StrEnum per area.

Every ``id=`` in a layout and every ``Input``/``Output`` of a callback names a
member of these enums, so a typo is an ``AttributeError`` at import time
instead of a callback that silently never fires. The values carry a short
prefix per area (``shell-``, ``ov-``, ``rs-``, ``cd-``, ``iv-``, ``an-``; the admin
views ``ad-``, ``al-``, ``st-``, ``sc-``, ``ob-``) so they never collide across tabs.

A tab's callbacks take their inputs only from components inside the tab
(Dash refuses a callback whose inputs are partly missing from the page), so
each tab has its own ``dcc.Location`` (``OverviewIds.URL``,
``RiskSegmentsIds.URL``) that follows the address bar.

Repeated widgets use pattern-matching dict IDs built by the functions at the
bottom (``open_client_id``, ``segment_card_id``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Tab(StrEnum):
    """The four tabs; the value is what the URL's ``tab=`` holds."""

    OVERVIEW = "overview"
    RISK_SEGMENTS = "risk-segments"
    INTERVENTIONS = "interventions"
    ANALYTICS = "analytics"

    @property
    def label(self) -> str:
        return {
            "overview": "Overview",
            "risk-segments": "Risk Segments",
            "interventions": "Interventions",
            "analytics": "Analytics",
        }[self.value]


class ShellIds(StrEnum):
    """The frame around the tabs: navbar, tabs, URL and presentation mode."""

    URL = "shell-url"
    ROOT = "shell-root"
    TABS = "shell-tabs"
    CONTENT = "shell-content"
    PRESENTATION = "shell-presentation"
    LAST_RUN = "shell-last-run"
    LAST_RUN_WRAP = "shell-last-run-wrap"
    USER = "shell-user"
    SIGN_OUT = "shell-sign-out"
    ALERTS_MENU = "shell-alerts-menu"
    REFRESH = "shell-refresh"
    DATA_VERSION = "shell-data-version"
    RENDERED_VERSION = "shell-rendered-version"
    TAB_AREA = "shell-tab-area"
    ADMIN_MENU = "shell-admin-menu"
    # Bumped when something the navbar shows changed (alerts read, a run finished).
    NAVBAR_CHANGED = "shell-navbar-changed"


class OverviewIds(StrEnum):
    URL = "ov-url"
    PRESENTATION = "ov-presentation"
    CARDS = "ov-cards"
    RECENT = "ov-recent"
    DISTRIBUTION = "ov-distribution"
    BREAKDOWN = "ov-breakdown"
    AS_OF = "ov-as-of"


class RiskSegmentsIds(StrEnum):
    URL = "rs-url"
    TABLE_KEY = "rs-table-key"
    PRESENTATION = "rs-presentation"
    SEARCH = "rs-search"
    RISK = "rs-risk"
    WEDDING = "rs-wedding"
    ACTIVITY = "rs-activity"
    SORT = "rs-sort"
    CLEAR = "rs-clear"
    GRID = "rs-grid"
    PAGER = "rs-pager"
    SUMMARY = "rs-summary"
    FILTERS_TEXT = "rs-filters-text"
    EXPORT = "rs-export"
    EXPORT_DOWNLOAD = "rs-export-download"


class ClientDetailIds(StrEnum):
    KEY = "cd-key"
    HEADER = "cd-header"
    SCORE = "cd-score"
    CHANGE_NOTE = "cd-change-note"
    COLUMN_HISTORY = "cd-col-history"
    COLUMN_SUBSCORES = "cd-col-subscores"
    COLUMN_COMPONENTS = "cd-col-components"
    COLUMN_WATERFALL = "cd-col-waterfall"
    INTERVENTION_LIST = "cd-intervention-list"
    MODAL = "cd-modal"
    TITLE = "cd-title"
    BODY = "cd-body"
    WINDOW = "cd-window"
    CLOSE = "cd-close"
    HISTORY = "cd-history"
    SUBSCORES = "cd-subscores"
    COMPONENTS = "cd-components"
    WATERFALL = "cd-waterfall"
    INTERVENTIONS = "cd-interventions"
    # The client's record, the figures behind its score, editing it, recalculating it.
    RECORD = "cd-record"
    FIGURES = "cd-figures"
    RECORD_EDIT = "cd-record-edit"
    RECORD_FORM = "cd-record-form"
    RECORD_OWNER = "cd-record-owner"
    RECORD_STATUS = "cd-record-status"
    RECORD_ENDED = "cd-record-ended"
    RECORD_WEDDING = "cd-record-wedding"
    RECORD_PACKAGE = "cd-record-package"
    RECORD_VALUE = "cd-record-value"
    RECORD_NOTE = "cd-record-note"
    RECORD_SAVE = "cd-record-save"
    RECORD_CANCEL = "cd-record-cancel"
    RECORD_BASE = "cd-record-base"  # the record the form was opened on
    RECORD_FEEDBACK = "cd-record-feedback"
    RECORD_CHANGES = "cd-record-changes"
    RECALCULATE = "cd-recalculate"
    RECALCULATE_REQUEST = "cd-recalculate-request"
    RECALCULATE_POLL = "cd-recalculate-poll"


class AdminIds(StrEnum):
    """The admin views (``?view=``) and their frame: System status, Scheduled reports, Outbox."""

    WRAP = "ad-wrap"
    AREA = "ad-area"
    VIEW_KEY = "ad-view-key"


class AlertIds(StrEnum):
    """The alerts bell's list and actions."""

    HEADER = "al-header"
    LIST = "al-list"
    FEEDBACK = "al-feedback"
    SHOWN_UP_TO = "al-shown-up-to"  # the newest unread alert the bell showed


class StatusIds(StrEnum):
    RECALCULATE = "st-recalculate"
    REQUEST = "st-request"
    POLL = "st-poll"
    FEEDBACK = "st-feedback"
    PROGRESS = "st-progress"
    FACTS = "st-facts"
    RUNS = "st-runs"
    SOURCES = "st-sources"


class ScheduleIds(StrEnum):
    FEEDBACK = "sc-feedback"
    TABLE = "sc-table"
    CHANGED = "sc-changed"
    PENDING = "sc-pending"
    POLL = "sc-poll"
    EDITOR = "sc-editor"
    EDITOR_TITLE = "sc-editor-title"
    EDITING = "sc-editing"
    SAVE = "sc-save"
    CANCEL = "sc-cancel"
    FORM_ERROR = "sc-form-error"
    CONFIRM = "sc-confirm"
    CONFIRM_TEXT = "sc-confirm-text"
    DELETING = "sc-deleting"
    DELETE = "sc-delete"
    KEEP = "sc-keep"
    NAME = "sc-name"
    FREQUENCY = "sc-frequency"
    WEEKDAY = "sc-weekday"
    WEEKDAY_ROW = "sc-weekday-row"
    DAY_OF_MONTH = "sc-day-of-month"
    DAY_OF_MONTH_ROW = "sc-day-of-month-row"
    HOUR = "sc-hour"
    PERIOD = "sc-period"
    SEGMENT = "sc-segment"
    FORMAT = "sc-format"
    RECIPIENTS = "sc-recipients"
    ACTIVE = "sc-active"


class OutboxIds(StrEnum):
    REFRESH = "ob-refresh"
    TABLE = "ob-table"
    DOWNLOAD = "ob-download"
    FEEDBACK = "ob-feedback"


class QualityIds(StrEnum):
    REFRESH = "dq-refresh"
    POLL = "dq-poll"
    SHOWN = "dq-shown"
    STATUS = "dq-status"
    BODY = "dq-body"
    COVERAGE = "dq-coverage"


class DataImportIds(StrEnum):
    """The Import data view: what and which file, the check before writing, the history."""

    KIND = "di-kind"
    COLUMNS = "di-columns"
    UPLOAD = "di-upload"
    PREVIEW = "di-preview"
    CONFIRM = "di-confirm"
    RESULT = "di-result"
    DONE = "di-done"
    REFRESH = "di-refresh"
    HISTORY = "di-history"


SYNC_NOW = "sy-now"
SYNC_DELETE = "sy-delete"
SYNC_QUERY = "sy-query"


def sync_now_id(source_id: int) -> dict[str, Any]:
    """The id of the "Sync now" button of source ``source_id``."""
    return {"type": SYNC_NOW, "source": source_id}


def sync_delete_id(source_id: int) -> dict[str, Any]:
    """The id of the confirmed "Delete" of source ``source_id``."""
    return {"type": SYNC_DELETE, "source": source_id}


def sync_query_id(kind: str, part: str) -> dict[str, Any]:
    """The id of a kind's query (``part="query"``) or watermark column (``"watermark"``) in the form."""
    return {"type": SYNC_QUERY, "kind": kind, "part": part}


class SyncIds(StrEnum):
    """The sync sources: the managed list, and the form that adds one."""

    LIST = "sy-list"
    CHANGED = "sy-changed"
    NAME = "sy-name"
    KIND = "sy-kind"
    LOCATION = "sy-location"
    EVERY = "sy-every"
    SAVE = "sy-save"
    QUERIES = "sy-queries"
    FOLDER_HELP = "sy-folder-help"
    FEEDBACK = "sy-feedback"


API_KEY_REVOKE = "ak-revoke"


def api_key_revoke_id(key_id: int) -> dict[str, Any]:
    """The id of the Revoke button of key ``key_id``."""
    return {"type": API_KEY_REVOKE, "key": key_id}


class ApiKeyIds(StrEnum):
    """The API keys view: the new-key form, the key shown once, the list and the revoke dialog."""

    NAME = "ak-name"
    ROLE = "ak-role"
    EXPIRES = "ak-expires"
    CREATE = "ak-create"
    CREATED = "ak-created"
    CHANGED = "ak-changed"
    REFRESH = "ak-refresh"
    TABLE = "ak-table"
    FEEDBACK = "ak-feedback"
    DIALOG = "ak-dialog"
    DIALOG_TEXT = "ak-dialog-text"
    TARGET = "ak-target"
    CANCEL = "ak-cancel"
    CONFIRM = "ak-confirm"


class AuditIds(StrEnum):
    """The Audit log view: its filters and table."""

    REFRESH = "au-refresh"
    ACTIONS = "au-actions"
    WHO = "au-who"
    PERIOD = "au-period"
    TABLE = "au-table"


class InterventionsIds(StrEnum):
    """The Interventions tab: filters, the queue, the new-intervention form and the manage dialog."""

    URL = "iv-url"
    QUEUE_KEY = "iv-queue-key"
    CHANGED = "iv-changed"
    PRESENTATION = "iv-presentation"
    # Filters.
    STATUS = "iv-status"
    PRIORITY = "iv-priority"
    TYPE = "iv-type"
    ASSIGNEE = "iv-assignee"
    SOURCE = "iv-source"
    MINE = "iv-mine"
    OVERDUE_ONLY = "iv-overdue-only"
    CLEAR = "iv-clear"
    # The queue.
    SUMMARY = "iv-summary"
    COUNTS = "iv-counts"
    TABLE = "iv-table"
    PAGER = "iv-pager"
    NEW = "iv-new"
    EXPORT = "iv-export"
    DOWNLOAD = "iv-download"
    NOTICE = "iv-notice"
    # The new-intervention form.
    FORM = "iv-form"
    FORM_CLIENT = "iv-form-client"
    FORM_CLIENT_HINT = "iv-form-client-hint"
    FORM_TYPE = "iv-form-type"
    FORM_PRIORITY = "iv-form-priority"
    FORM_ASSIGNEE = "iv-form-assignee"
    FORM_DUE_DATE = "iv-form-due-date"
    FORM_DUE_TIME = "iv-form-due-time"
    FORM_DUE_HINT = "iv-form-due-hint"
    FORM_TITLE = "iv-form-title"
    FORM_NOTES = "iv-form-notes"
    FORM_SAVE = "iv-form-save"
    FORM_CLOSE = "iv-form-close"
    FORM_ALERT = "iv-form-alert"
    # The manage dialog.
    MANAGE = "iv-manage"
    MANAGE_TITLE = "iv-manage-title"
    MANAGE_FACTS = "iv-manage-facts"
    MANAGE_LOADED = "iv-manage-loaded"
    MANAGE_STATUS = "iv-manage-status"
    MANAGE_OUTCOME_BLOCK = "iv-manage-outcome-block"
    MANAGE_OUTCOME = "iv-manage-outcome"
    MANAGE_RESPONDED = "iv-manage-responded"
    MANAGE_PRIORITY = "iv-manage-priority"
    MANAGE_ASSIGNEE = "iv-manage-assignee"
    MANAGE_DUE_DATE = "iv-manage-due-date"
    MANAGE_DUE_TIME = "iv-manage-due-time"
    MANAGE_NOTE = "iv-manage-note"
    MANAGE_HISTORY = "iv-manage-history"
    MANAGE_ALERT = "iv-manage-alert"
    MANAGE_SAVE = "iv-manage-save"
    MANAGE_RELOAD = "iv-manage-reload"
    MANAGE_CANCEL = "iv-manage-cancel"
    MANAGE_CANCEL_CONFIRM = "iv-manage-cancel-confirm"
    MANAGE_CANCEL_KEEP = "iv-manage-cancel-keep"
    MANAGE_CANCEL_ROW = "iv-manage-cancel-row"
    MANAGE_CLOSE = "iv-manage-close"
    MANAGE_READONLY = "iv-manage-readonly"


class AnalyticsIds(StrEnum):
    """The Analytics tab: period and segment, the KPI cards, the charts and the report download."""

    URL = "an-url"
    KEY = "an-key"
    PRESENTATION = "an-presentation"
    METRICS = "an-metrics"
    PERIOD = "an-period"
    SEGMENT = "an-segment"
    RANGE = "an-range"
    CARDS = "an-cards"
    TREND = "an-trend"
    RISK = "an-risk"
    ACTIVITY = "an-activity"
    BY_TYPE = "an-by-type"
    TEAM = "an-team"
    TEAM_TABLE = "an-team-table"
    FACTORS = "an-factors"
    DOWNLOAD_PDF = "an-download-pdf"
    DOWNLOAD_CSV = "an-download-csv"
    DOWNLOAD = "an-download"
    DOWNLOAD_STATUS = "an-download-status"


# Pattern-matching ID types.
OPEN_CLIENT = "open-client"
SEGMENT_CARD = "rs-segment-card"
SEGMENT_COUNT = "rs-segment-count"
IV_OPEN = "iv-open"
IV_FIELD_ERROR = "iv-field-error"
ADMIN_VIEW_LINK = "ad-view-link"
ALERT_READ = "al-read"
ALERT_ACTION = "al-action"
SCHEDULE_ACTION = "sc-action"
SCHEDULE_ERROR = "sc-error"
OUTBOX_ATTACHMENT = "ob-attachment"


def open_client_id(client_id: str, source: str) -> dict[str, Any]:
    """ID of anything that opens a client's detail when clicked (``source`` keeps IDs unique)."""
    return {"type": OPEN_CLIENT, "client": client_id, "source": source}


def segment_card_id(level: str) -> dict[str, Any]:
    """ID of the Risk Segments card of one risk level."""
    return {"type": SEGMENT_CARD, "level": level}


def segment_count_id(level: str) -> dict[str, Any]:
    """ID of the client count on the Risk Segments card of one risk level."""
    return {"type": SEGMENT_COUNT, "level": level}


def stat_card_id(key: str, part: str) -> str:
    """ID of the ``value`` or ``delta`` of the Overview stat card ``key``."""
    return f"ov-card-{key}-{part}"


def admin_view_link_id(view: str, source: str) -> dict[str, Any]:
    """ID of a menu item or pill that opens the admin view ``view``."""
    return {"type": ADMIN_VIEW_LINK, "view": view, "source": source}


def alert_read_id(alert_id: int) -> dict[str, Any]:
    """ID of the "mark as read" button of one alert in the bell."""
    return {"type": ALERT_READ, "alert": int(alert_id)}


def alert_action_id(action: str) -> dict[str, Any]:
    """ID of a bell action for writers only (``mark-all``, ``test-mail``): absent for viewers, so a pattern."""
    return {"type": ALERT_ACTION, "action": action}


def schedule_action_id(action: str, schedule_id: int = 0) -> dict[str, Any]:
    """ID of a schedule button: ``new`` (id 0), or a row's ``run``, ``edit`` or ``delete``."""
    return {"type": SCHEDULE_ACTION, "action": action, "schedule": int(schedule_id)}


def schedule_error_id(field: str) -> dict[str, Any]:
    """ID of the message beside the schedule form's field ``field`` (a ScheduleError's field)."""
    return {"type": SCHEDULE_ERROR, "field": field}


def outbox_attachment_id(mail_id: int) -> dict[str, Any]:
    """ID of the download button of one outbox mail's attachment."""
    return {"type": OUTBOX_ATTACHMENT, "mail": int(mail_id)}


def intervention_open_id(intervention_id: int) -> dict[str, Any]:
    """ID of the queue's button that opens one intervention in the manage dialog."""
    return {"type": IV_OPEN, "intervention": int(intervention_id)}


def field_error_id(form: str, field: str) -> dict[str, Any]:
    """ID of the message beside one field of an Interventions form (``form``: ``new`` or ``manage``)."""
    return {"type": IV_FIELD_ERROR, "form": form, "field": field}


def kpi_card_id(key: str, part: str) -> str:
    """ID of the ``value``, ``previous`` or ``change`` of the Analytics KPI card ``key``."""
    return f"an-kpi-{key.replace('_', '-')}-{part}"
