"""Enumerations shared by the scoring engine, the database models, the API and the UI.

Each is defined once here; the models store their ``value`` strings, the API
validates against them and the UI labels them with ``label``.
"""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class RiskLevel(_Labelled):
    """Risk band of an integer health score (DESIGN 5)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def severity(self) -> int:
        """0 for low up to 3 for critical: larger is worse."""
        return list(RiskLevel).index(self)

    @property
    def band(self) -> tuple[int, int]:
        return RISK_BANDS[self]

    @property
    def action(self) -> str:
        return RISK_ACTIONS[self]


RISK_BANDS: dict[RiskLevel, tuple[int, int]] = {
    RiskLevel.LOW: (80, 100),
    RiskLevel.MEDIUM: (60, 79),
    RiskLevel.HIGH: (40, 59),
    RiskLevel.CRITICAL: (0, 39),
}

RISK_ACTIONS: dict[RiskLevel, str] = {
    RiskLevel.LOW: "Monitor regularly",
    RiskLevel.MEDIUM: "Increase engagement",
    RiskLevel.HIGH: "Proactive intervention",
    RiskLevel.CRITICAL: "Immediate action",
}

AT_RISK_LEVELS = (RiskLevel.HIGH, RiskLevel.CRITICAL)


class Trend(_Labelled):
    IMPROVING = "improving"
    STABLE = "stable"
    DECLINING = "declining"


class ClientStatus(_Labelled):
    ACTIVE = "active"
    CHURNED = "churned"
    COMPLETED = "completed"


class TaskKind(_Labelled):
    TASK = "task"
    MILESTONE = "milestone"


class Role(_Labelled):
    ADMIN = "admin"
    MANAGER = "manager"
    VIEWER = "viewer"


class InterventionType(_Labelled):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    ACCOUNT_REVIEW = "account_review"

    @property
    def label(self) -> str:
        return {"call": "Phone call"}.get(self.value, super().label)


class Priority(_Labelled):
    """Intervention priority; ``rank`` 0 is the most urgent."""

    URGENT = "urgent"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return list(Priority).index(self)


class InterventionStatus(_Labelled):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES

    @property
    def is_final(self) -> bool:
        return not self.is_open


OPEN_STATUSES = (InterventionStatus.PENDING, InterventionStatus.IN_PROGRESS)

# Allowed status moves (DESIGN 6): pending -> in_progress -> completed, any open -> cancelled.
ALLOWED_MOVES: dict[InterventionStatus, frozenset[InterventionStatus]] = {
    InterventionStatus.PENDING: frozenset(
        {InterventionStatus.IN_PROGRESS, InterventionStatus.CANCELLED}
    ),
    InterventionStatus.IN_PROGRESS: frozenset(
        {InterventionStatus.COMPLETED, InterventionStatus.CANCELLED}
    ),
    InterventionStatus.COMPLETED: frozenset(),
    InterventionStatus.CANCELLED: frozenset(),
}


class Source(_Labelled):
    MANUAL = "manual"
    AUTO = "auto"


class Outcome(_Labelled):
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    NO_RESPONSE = "no_response"


class AlertKind(_Labelled):
    SCORE_DROP = "score_drop"
    RISK_WORSENED = "risk_worsened"


class Period(StrEnum):
    """Analytics and report periods, with their length in days."""

    D7 = "7d"
    D30 = "30d"
    D90 = "90d"
    Y1 = "1y"

    @property
    def days(self) -> int:
        return {"7d": 7, "30d": 30, "90d": 90, "1y": 365}[self.value]

    @property
    def label(self) -> str:
        return {"7d": "Last 7 days", "30d": "Last 30 days", "90d": "Last 90 days", "1y": "Last year"}[
            self.value
        ]


class Segment(StrEnum):
    ALL = "all"
    NEW_CLIENTS = "new_clients"
    EXISTING_CLIENTS = "existing_clients"

    @property
    def label(self) -> str:
        return {"all": "All clients", "new_clients": "New clients", "existing_clients": "Existing clients"}[
            self.value
        ]
