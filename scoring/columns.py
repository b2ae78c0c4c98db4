"""Column names of the frames the engine takes and returns.

Input frames use the names of the CSV import (DESIGN 4a) with ``client_id`` as
the key; timestamps are timezone-aware UTC (or naive UTC) pandas datetimes and
dates are ``datetime.date`` / ``datetime64[D]`` values.
"""

from __future__ import annotations

from .model import COMPONENT_COLUMNS, SUBSCORES

CLIENT_ID = "client_id"
DAY = "day"

# clients
CREATED_AT = "created_at"
STATUS = "status"
CHURNED_AT = "churned_at"
COMPLETED_AT = "completed_at"  # when a client's engagement ended because the wedding is done
OWNER_ID = "owner_id"
WEDDING_DATE = "wedding_date"
CONTRACT_VALUE = "contract_value"  # integer minor units

# events
TS = "ts"
RESPONSE_HOURS = "response_hours"
KIND = "kind"
DUE_DATE = "due_date"
RATING = "rating"
SENTIMENT = "sentiment"
OPENED_AT = "opened_at"
RESOLVED_AT = "resolved_at"
RESOLUTION_RATING = "resolution_rating"

# features (raw inputs of the components, one row per client)
F_LOGINS_30D = "logins_30d"
F_INTERACTIONS_7D = "interactions_7d"
F_DAYS_SINCE_ACTIVITY = "days_since_activity"  # NaN when never active
F_MEDIAN_RESPONSE_HOURS = "median_response_hours"
F_TASKS_DUE = "tasks_due"
F_TASKS_DONE = "tasks_done"
F_MILESTONES_DUE = "milestones_due"
F_MILESTONES_ON_TIME = "milestones_on_time"
F_ITEMS_DUE = "items_due"  # tasks + milestones due by D (overdue has no data when 0)
F_OVERDUE = "overdue"
F_VELOCITY_DONE = "velocity_done"
F_VELOCITY_DUE = "velocity_due"
F_MEAN_RATING = "mean_rating"
F_MEAN_SENTIMENT = "mean_sentiment"
F_TICKETS_30D = "tickets_30d"
F_MEAN_RESOLUTION = "mean_resolution"
FEATURE_COLUMNS = (
    F_LOGINS_30D, F_INTERACTIONS_7D, F_DAYS_SINCE_ACTIVITY, F_MEDIAN_RESPONSE_HOURS,
    F_TASKS_DUE, F_TASKS_DONE, F_MILESTONES_DUE, F_MILESTONES_ON_TIME, F_ITEMS_DUE,
    F_OVERDUE, F_VELOCITY_DONE, F_VELOCITY_DUE, F_MEAN_RATING, F_MEAN_SENTIMENT,
    F_TICKETS_30D, F_MEAN_RESOLUTION,
)

# scores (one row per client and day)
OVERALL = "overall"
ENGAGEMENT, PROGRESS, SATISFACTION = SUBSCORES
COVERAGE = "coverage"
RISK_LEVEL = "risk_level"
TREND = "trend"
SCORE_INT = "score"  # the overall score as shown: integer, round half up
PRIMARY_FACTOR = "primary_factor"
SCORE_COLUMNS = (OVERALL, *SUBSCORES, *COMPONENT_COLUMNS, COVERAGE, RISK_LEVEL)
