"""``/metrics`` and ``/risk-segments``: figures worked out by hand on the book of ``conftest``."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.api.metrics import metrics_model
from dashboard.services.metrics import metrics_for
from tests.unit.dashboard.api.conftest import BASE, TODAY

METRICS = f"{BASE}/metrics"
SEGMENTS = f"{BASE}/risk-segments"


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


# --------------------------------------------------------------------------- metrics


def test_metrics_default_period(client, book, headers):
    response = client.get(METRICS, headers=headers("viewer"))

    assert response.status_code == 200
    data = response.get_json()["data"]
    assert (data["period"], data["segment"], data["start"], data["end"]) == (
        "30d",
        "all",
        day(-29),
        day(0),
    )
    assert data["overview"] == {
        "total_clients": 5,
        "scored_clients": 5,
        "at_risk": 2,  # Ash (critical) and bay (high)
        "average_health_score": 64.6,  # (35 + 53 + 64 + 91 + 80) / 5
        "active_interventions": 4,
        "overdue_interventions": 1,
        "score_date": day(0),
    }
    retention = data["retention"]
    assert (retention["clients_at_start"], retention["churned"], retention["retention_rate"]) == (
        5,
        0,
        1.0,
    )
    assert retention["risk_counts"] == {"low": 2, "medium": 1, "high": 1, "critical": 1}
    measures = data["interventions"]
    assert (measures["created"], measures["open"], measures["overdue"]) == (6, 4, 1)
    assert (measures["completed"], measures["cancelled"], measures["success_rate"]) == (1, 1, 1.0)
    by_type = {row["type"]: row for row in data["interventions_by_type"]}
    assert list(by_type) == ["call", "email", "meeting", "account_review"]
    assert by_type["call"]["created"] == 3  # urgent, done and cancelled
    # Only Ash's score fell between the first and last scored days, all through logins: 50 -> 35.4.
    [factor] = data["top_risk_factors"]
    assert (factor["factor"], factor["label"], factor["clients_affected"]) == (
        "logins",
        "Logins",
        1,
    )
    assert factor["mean_points_lost"] == pytest.approx(14.6)
    assert data["trends"] is None


def test_metrics_with_trends(client, book, headers):
    data = client.get(f"{METRICS}?period=30d&include_trends=true", headers=headers()).get_json()[
        "data"
    ]

    trends = data["trends"]
    assert trends["average_score"] == [
        {"day": day(-7), "average_score": 60.5, "clients": 4},  # (50 + 48 + 64 + 80) / 4
        {"day": day(0), "average_score": 64.6, "clients": 5},
    ]
    assert trends["risk_distribution"] == [
        {"day": day(-7), "low": 1, "medium": 1, "high": 2, "critical": 0},
        {"day": day(0), "low": 2, "medium": 1, "high": 1, "critical": 1},
    ]
    activity = trends["interventions"]
    assert len(activity) == 30  # one row per day for 30d
    created = {row["period_start"]: row["created"] for row in activity if row["created"]}
    completed = {row["period_start"]: row["completed"] for row in activity if row["completed"]}
    assert created == {day(-3): 6}
    assert completed == {day(-1): 1}


def test_metrics_yearly_activity_is_weekly(client, book, headers):
    data = client.get(f"{METRICS}?period=1y&include_trends=1", headers=headers()).get_json()["data"]
    starts = [dt.date.fromisoformat(row["period_start"]) for row in data["trends"]["interventions"]]
    assert all(start.weekday() == 0 for start in starts)
    assert sum(row["created"] for row in data["trends"]["interventions"]) == 6


def test_metrics_week_has_no_factors_without_two_scored_days(client, book, headers):
    data = client.get(f"{METRICS}?period=7d", headers=headers()).get_json()["data"]
    assert data["start"] == day(-6)
    assert data["top_risk_factors"] == []


def test_metrics_new_clients_segment_is_empty(client, book, headers):
    data = client.get(f"{METRICS}?segment=new_clients", headers=headers()).get_json()["data"]
    assert data["overview"]["total_clients"] == 0
    assert data["overview"]["average_health_score"] is None
    assert data["interventions"]["created"] == 0


def test_metrics_existing_clients_are_everyone_here(client, book, headers):
    everyone = client.get(f"{METRICS}?segment=all", headers=headers()).get_json()["data"]
    existing = client.get(f"{METRICS}?segment=existing_clients", headers=headers()).get_json()["data"]
    assert existing["overview"] == everyone["overview"]


def test_metrics_guide_parameters(client, book, headers):
    response = client.get(
        f"{METRICS}?period=90d&include_trends=true&segment=existing_clients", headers=headers()
    )
    assert response.status_code == 200


def test_metrics_equal_the_shared_function(client, book, headers, session):
    data = client.get(f"{METRICS}?period=90d&include_trends=true", headers=headers()).get_json()[
        "data"
    ]
    shared = metrics_for(session, "90d", "all", include_trends=True)
    assert metrics_model(shared).model_dump(mode="json") == data


def test_metrics_on_an_empty_database(client, team, headers):
    data = client.get(f"{METRICS}?include_trends=true", headers=headers()).get_json()["data"]
    assert data["overview"]["scored_clients"] == 0
    assert data["trends"]["average_score"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=2w", "period"),
        ("period=30", "period"),
        ("segment=vip", "segment"),
        ("include_trends=maybe", "include_trends"),
        ("page=2", "page"),
    ],
)
def test_metrics_bad_parameter_is_400(client, book, headers, query, field):
    response = client.get(f"{METRICS}?{query}", headers=headers())
    assert response.status_code == 400
    assert [item["field"] for item in response.get_json()["error"]["details"]] == [field]


# --------------------------------------------------------------------------- risk segments


def clients(response) -> list[str]:
    return [row["client_id"] for row in response.get_json()["data"]]


def test_segments_counts_and_averages(client, book, headers):
    body = client.get(SEGMENTS, headers=headers()).get_json()

    assert body["score_date"] == day(0)
    assert [(s["risk_level"], s["count"], s["average_score"]) for s in body["segments"]] == [
        ("low", 2, 85.5),  # 91 and 80
        ("medium", 1, 64.0),
        ("high", 1, 53.0),
        ("critical", 1, 35.0),
    ]
    assert body["segments"][3] | {"count": 0, "average_score": 0} == {
        "risk_level": "critical",
        "label": "Critical",
        "min_score": 0,
        "max_score": 39,
        "action": "Immediate action",
        "count": 0,
        "average_score": 0,
    }
    assert body["pagination"] == {"page": 1, "limit": 20, "total": 5, "has_next": False}


def test_segment_client_rows(client, book, headers):
    ash = client.get(SEGMENTS, headers=headers()).get_json()["data"][0]
    assert ash == {
        "client_id": "c-ash",
        "client_name": "Ash Wedding",
        "partner_names": "Ash & Rowan",
        "venue": "Kew Gardens",
        "wedding_date": day(20),
        "days_to_wedding": 20,
        "current_score": 35,
        "risk_level": "critical",
        "trend_direction": "declining",
        "coverage": 0.8,
        "primary_factor": None,
        "last_interaction": None,
        "open_interventions": 1,
        "owner_id": book.team.manager.id,
        "owner_name": "Max Manager",
        "last_updated": ash["last_updated"],
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("risk_level=low", ["c-elm", "c-dee"]),
        ("search=kew", ["c-ash", "c-cox"]),
        (f"wedding_from={day(30)}", ["c-bay", "c-cox", "c-elm"]),
        (f"wedding_to={day(100)}", ["c-ash", "c-bay"]),
        (f"wedding_from={day(30)}&wedding_to={day(300)}", ["c-bay", "c-cox"]),
        ("activity=active", ["c-cox", "c-dee"]),
        ("activity=idle", ["c-bay"]),
        ("activity=dormant", ["c-ash", "c-elm"]),
        ("sort_by=wedding_date", ["c-ash", "c-bay", "c-cox", "c-elm", "c-dee"]),
        ("sort_by=wedding_date&sort_order=desc", ["c-elm", "c-cox", "c-bay", "c-ash", "c-dee"]),
        ("sort_by=client_name&sort_order=desc", ["c-elm", "c-dee", "c-cox", "c-bay", "c-ash"]),
        ("sort_by=last_interaction", ["c-ash", "c-bay", "c-cox", "c-dee", "c-elm"]),
        ("risk_level=low&activity=active", ["c-dee"]),
    ],
)
def test_segment_filters_and_sort(client, book, headers, query, expected):
    assert clients(client.get(f"{SEGMENTS}?{query}", headers=headers())) == expected


def test_segment_counts_ignore_the_filters(client, book, headers):
    body = client.get(f"{SEGMENTS}?risk_level=critical", headers=headers()).get_json()
    assert [s["count"] for s in body["segments"]] == [2, 1, 1, 1]
    assert body["pagination"]["total"] == 1


def test_segment_pages(client, book, headers):
    last = client.get(f"{SEGMENTS}?limit=3&page=2", headers=headers()).get_json()
    beyond = client.get(f"{SEGMENTS}?limit=3&page=9", headers=headers()).get_json()
    assert [row["client_id"] for row in last["data"]] == ["c-elm", "c-dee"]
    assert last["pagination"] == {"page": 2, "limit": 3, "total": 5, "has_next": False}
    assert beyond["data"] == []


def test_segments_before_any_scoring(client, team, headers):
    body = client.get(SEGMENTS, headers=headers()).get_json()
    assert body["score_date"] is None
    assert [s["count"] for s in body["segments"]] == [0, 0, 0, 0]
    assert body["data"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("risk_level=severe", "risk_level"),
        ("wedding_from=2024-13-01", "wedding_from"),
        ("wedding_to=soon", "wedding_to"),
        ("activity=sleepy", "activity"),
        ("sort_by=password", "sort_by"),
        ("sort_order=random", "sort_order"),
        ("limit=101", "limit"),
        ("page=abc", "page"),
        ("segment=all", "segment"),
    ],
)
def test_segment_bad_parameter_is_400(client, book, headers, query, field):
    response = client.get(f"{SEGMENTS}?{query}", headers=headers())
    assert response.status_code == 400
    assert [item["field"] for item in response.get_json()["error"]["details"]] == [field]


def test_reports_download_a_pdf_or_a_zip_and_name_a_bad_parameter(client, book, headers):
    viewer = headers("viewer")  # reading a report is not a write
    pdf = client.get("/api/admin/customer-success/reports?period=7d", headers=viewer)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    archive = client.get("/api/admin/customer-success/reports?format=csv", headers=viewer)
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    bad = client.get("/api/admin/customer-success/reports?format=docx", headers=viewer)
    assert bad.status_code == 400 and bad.json["error"]["details"][0]["field"] == "format"
