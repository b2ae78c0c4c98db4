"""``GET /api/admin/customer-success/metrics``: the Analytics tab's figures for a period and segment."""

from __future__ import annotations

from dashboard.api.frames import as_date, records
from dashboard.api.operations import operation
from dashboard.api.schemas import (
    DailyRiskCounts,
    DailyScore,
    InterventionActivity,
    InterventionMetrics,
    InterventionTypeMetrics,
    Metrics,
    MetricsQuery,
    MetricsResponse,
    OverviewMetrics,
    RetentionMetrics,
    RiskFactor,
    Trends,
)
from dashboard.services.metrics import PeriodMetrics, metrics_for
from dashboard.sessions import write_session


@operation(
    "GET",
    "/admin/customer-success/metrics",
    summary="Dashboard metrics and analytics",
    description=(
        "For the period ending today (7d, 30d, 90d or 1y) and the client segment: the overview "
        "figures, retention and intervention KPIs, intervention results by type, the top risk "
        "factors and, with `include_trends=true`, the daily series behind the trend charts."
    ),
    tag="Metrics",
    response=MetricsResponse,
    query=MetricsQuery,
    errors=(400, 401),
)
def get_metrics(query: MetricsQuery) -> MetricsResponse:
    with write_session() as db:
        result = metrics_for(db, query.period, query.segment, include_trends=query.include_trends)
    return MetricsResponse(data=metrics_model(result))


def metrics_model(result: PeriodMetrics) -> Metrics:
    """``PeriodMetrics`` under the API's names."""
    by_type = result.interventions_by_type.rename_axis("type").reset_index()
    trends = None
    if result.daily_scores is not None:
        trends = Trends(
            average_score=[
                DailyScore(**row | {"day": as_date(row["day"])})
                for row in records(result.daily_scores)
            ],
            risk_distribution=[
                DailyRiskCounts(**row | {"day": as_date(row["day"])})
                for row in records(result.daily_risk_counts)
            ],
            interventions=[
                InterventionActivity(**row | {"period_start": as_date(row["period_start"])})
                for row in records(result.intervention_activity)
            ],
        )
    return Metrics(
        period=result.period,
        segment=result.segment,
        start=result.start,
        end=result.end,
        overview=OverviewMetrics(**result.overview),
        retention=RetentionMetrics(**result.retention),
        interventions=InterventionMetrics(**result.interventions),
        interventions_by_type=[InterventionTypeMetrics(**row) for row in records(by_type)],
        top_risk_factors=[RiskFactor(**row) for row in records(result.top_risk_factors)],
        trends=trends,
    )
