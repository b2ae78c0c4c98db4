"""Score repository: idempotent upsert, the current-scores table (filters, search, sort,
paging, counts) and history, with hand-built rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from data.models import HealthScore
from data.repositories.scores import (
    current_scores,
    daily_summary,
    latest_score_day,
    score_history,
    scores_on,
    upsert_scores,
)
from scoring.enums import ClientStatus, InterventionStatus, Outcome, RiskLevel

D = dt.date(2024, 3, 10)
D1 = dt.date(2024, 3, 9)


def test_upsert_is_idempotent_and_replaces_values(session, make_client):
    make_client("c1")
    make_client("c2")
    frame = pd.DataFrame(
        {
            "client_id": ["c1", "c2", "c2"],
            "day": [D, D, D1],
            "overall": [55.0, 81.2, None],
            "risk_level": ["high", "low", None],
            "c_logins": [10.0, None, None],
        }
    )
    assert upsert_scores(session, frame) == 2  # the row without an overall score is not stored
    assert upsert_scores(session, frame) == 2
    assert session.scalar(select(func.count(HealthScore.id))) == 2

    changed = pd.DataFrame(
        {"client_id": ["c1"], "day": [D], "overall": [41.0], "risk_level": [RiskLevel.HIGH]}
    )
    upsert_scores(session, changed)
    stored = scores_on(session, D).set_index("client_id")
    assert stored.loc["c1", "overall"] == 41.0
    assert stored.loc["c1", "c_logins"] == 10.0  # a column the frame lacks keeps its value
    assert stored.loc["c2", "overall"] == 81.2
    assert session.scalar(select(func.count(HealthScore.id))) == 2


def test_upsert_needs_the_key_and_score_columns(session):
    with pytest.raises(ValueError, match="risk_level"):
        upsert_scores(session, pd.DataFrame({"client_id": ["c1"], "day": [D], "overall": [50.0]}))


def test_latest_score_day(session, make_client, make_score):
    assert latest_score_day(session) is None
    make_client("c1")
    make_score("c1", D1, 50.0)
    make_score("c1", D, 52.0)
    assert latest_score_day(session) == D


@pytest.fixture
def scored(session, make_client, make_score, make_user, make_intervention, add_events):
    """Six clients scored on D (and older rows on D-1 that must not show)."""
    owner = make_user(name="Olive Owner")
    rows = [
        # id, name, partner names, venue, wedding date, overall, days since activity
        ("c1", "amelia Rose", "Amelia & Tom", "Kew Gardens", dt.date(2024, 6, 1), 85.0, 2),
        ("c2", "Beth Hall", "Beth & Sam", "Rosewood Barn", dt.date(2024, 7, 15), 72.5, 10),
        ("c3", "Cara Lee", "Cara & Jo", "Hedsor House", None, 55.0, 30),
        ("c4", "Dana Moss", "Dana & Lou", "The Roseate", dt.date(2024, 5, 20), 38.2, 31),
        ("c5", "Eve Park", "Eve & Primrose", "Babington House", dt.date(2024, 9, 1), 79.5, None),
        ("c6", "Faye 100% Wong", "Faye & Kim", "Kew Gardens", dt.date(2024, 8, 8), 60.0, 7),
    ]
    for n, (client_id, name, partners, venue, wedding, overall, days) in enumerate(rows):
        make_client(
            client_id,
            name=name,
            partner_names=partners,
            venue=venue,
            wedding_date=wedding,
            owner_id=owner.id if client_id == "c1" else None,
        )
        make_score(
            client_id,
            D,
            overall,
            days_since_activity=days,
            updated_at=dt.datetime(2024, 3, 10, 7, n, tzinfo=dt.UTC),
        )
    make_score("c1", D1, 20.0)
    make_client("c7", name="Gina Gone", status=ClientStatus.CHURNED)
    make_score("c7", D1, 30.0)
    add_events(
        "interactions",
        [
            {"client_id": "c1", "ts": dt.datetime(2024, 3, 9, 12, tzinfo=dt.UTC)},
            {"client_id": "c1", "ts": dt.datetime(2024, 2, 9, 12, tzinfo=dt.UTC)},
            {"client_id": "c2", "ts": dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)},
            {"client_id": "c3", "ts": dt.datetime(2024, 2, 1, 12, tzinfo=dt.UTC)},
        ],
    )
    make_intervention("c3", status=InterventionStatus.PENDING)
    make_intervention("c3", status=InterventionStatus.IN_PROGRESS)
    make_intervention("c3", status=InterventionStatus.COMPLETED, outcome=Outcome.RESOLVED)
    make_intervention("c4", status=InterventionStatus.CANCELLED)
    return owner


def _ids(frame: pd.DataFrame) -> list[str]:
    return frame["client_id"].tolist()


def test_current_scores_are_those_of_the_latest_day(session, scored):
    frame, total = current_scores(session)
    assert total == 6
    assert set(frame["day"]) == {pd.Timestamp(D)}
    row = frame.set_index("client_id").loc["c1"]
    assert row["client_name"] == "amelia Rose"
    assert row["owner_name"] == "Olive Owner"
    assert row["overall"] == 85.0


def test_integer_score_rounds_half_up(session, scored):
    frame, _ = current_scores(session)
    scores = dict(zip(frame["client_id"], frame["score"], strict=True))
    assert scores == {"c4": 38, "c3": 55, "c6": 60, "c2": 73, "c5": 80, "c1": 85}


def test_filter_by_risk_level(session, scored):
    frame, total = current_scores(session, risk_level=[RiskLevel.HIGH, "critical"])
    assert (_ids(frame), total) == (["c4", "c3"], 2)
    frame, total = current_scores(session, risk_level="low")
    assert (_ids(frame), total) == (["c5", "c1"], 2)


def test_search_is_case_insensitive_on_name_partners_and_venue(session, scored):
    frame, total = current_scores(session, search="ROSE", sort_by="client_name")
    # name "amelia Rose", venue "Rosewood Barn", venue "The Roseate", partner "Eve & Primrose"
    assert (_ids(frame), total) == (["c1", "c2", "c4", "c5"], 4)


def test_search_treats_wildcards_literally(session, scored):
    assert _ids(current_scores(session, search="100%")[0]) == ["c6"]
    assert current_scores(session, search="_")[1] == 0
    assert current_scores(session, search="   ")[1] == 6


def test_filter_by_wedding_dates(session, scored):
    frame, total = current_scores(
        session,
        wedding_from=dt.date(2024, 6, 1),
        wedding_to=dt.date(2024, 8, 8),
        sort_by="wedding_date",
    )
    assert (_ids(frame), total) == (["c1", "c2", "c6"], 3)


@pytest.mark.parametrize(
    ("activity", "expected"),
    [("active", ["c6", "c1"]), ("idle", ["c3", "c2"]), ("dormant", ["c4", "c5"])],
)
def test_filter_by_activity(session, scored, activity, expected):
    frame, total = current_scores(session, activity=activity)
    assert (_ids(frame), total) == (expected, len(expected))


@pytest.mark.parametrize(
    ("sort_by", "sort_order", "expected"),
    [
        ("score", "asc", ["c4", "c3", "c6", "c2", "c5", "c1"]),
        ("score", "desc", ["c1", "c5", "c2", "c6", "c3", "c4"]),
        ("client_name", "asc", ["c1", "c2", "c3", "c4", "c5", "c6"]),
        ("client_name", "desc", ["c6", "c5", "c4", "c3", "c2", "c1"]),
        ("wedding_date", "asc", ["c4", "c1", "c2", "c6", "c5", "c3"]),
        ("wedding_date", "desc", ["c5", "c6", "c2", "c1", "c4", "c3"]),
        ("last_interaction", "asc", ["c3", "c2", "c1", "c4", "c5", "c6"]),
        ("last_interaction", "desc", ["c1", "c2", "c3", "c4", "c5", "c6"]),
        ("last_updated", "desc", ["c6", "c5", "c4", "c3", "c2", "c1"]),
    ],
)
def test_sorting_puts_missing_values_last(session, scored, sort_by, sort_order, expected):
    frame, _ = current_scores(session, sort_by=sort_by, sort_order=sort_order)
    assert _ids(frame) == expected


@pytest.mark.parametrize(
    ("sort_by", "sort_order", "page", "expected"),
    [
        # c4 c1 c2 c6 c5 have a wedding date, c3 none: page 3 of 2 rows spans both.
        ("wedding_date", "asc", 3, ["c5", "c3"]),
        ("wedding_date", "desc", 3, ["c4", "c3"]),
        # c1 c2 c3 have interactions, c4 c5 c6 none (by name): pages 2 and 3.
        ("last_interaction", "desc", 2, ["c3", "c4"]),
        ("last_interaction", "desc", 3, ["c5", "c6"]),
        ("last_interaction", "asc", 3, ["c5", "c6"]),
    ],
)
def test_pages_run_on_from_the_values_into_the_missing_ones(
    session, scored, sort_by, sort_order, page, expected
):
    frame, total = current_scores(
        session, sort_by=sort_by, sort_order=sort_order, page=page, limit=2
    )
    assert (_ids(frame), total) == (expected, 6)


def test_page_two_of_three(session, scored):
    frame, total = current_scores(session, sort_by="score", page=2, limit=2)
    assert total == 6
    assert frame["client_name"].tolist() == ["Faye 100% Wong", "Beth Hall"]
    frame, total = current_scores(session, page=4, limit=2)
    assert (len(frame), total) == (0, 6)


def test_rows_carry_open_interventions_and_last_interaction(session, scored):
    frame = current_scores(session)[0].set_index("client_id")
    assert frame["open_interventions"].to_dict() == {
        "c4": 0,
        "c3": 2,
        "c6": 0,
        "c2": 0,
        "c5": 0,
        "c1": 0,
    }
    assert frame.loc["c1", "last_interaction"] == pd.Timestamp("2024-03-09 12:00", tz="UTC")
    assert pd.isna(frame.loc["c4", "last_interaction"])


def test_bad_arguments_are_rejected(session):
    with pytest.raises(ValueError, match="sort_by"):
        current_scores(session, sort_by="colour")
    with pytest.raises(ValueError, match="page"):
        current_scores(session, page=0)
    with pytest.raises(ValueError, match="activity"):
        current_scores(session, activity="asleep")


def test_no_scores_yet_gives_an_empty_table(session):
    frame, total = current_scores(session)
    assert total == 0
    assert frame.empty
    assert {"client_id", "client_name", "score", "open_interventions"} <= set(frame.columns)


def test_history_and_day_summary(session, scored):
    history = score_history(session, start=D1, end=D, client_ids=["c1", "c7"], columns=["overall"])
    assert list(history.columns) == ["client_id", "day", "overall"]
    assert history.to_dict("list") == {
        "client_id": ["c1", "c1", "c7"],
        "day": [pd.Timestamp(D1), pd.Timestamp(D), pd.Timestamp(D1)],
        "overall": [20.0, 85.0, 30.0],
    }
    summary = daily_summary(session, start=D1, end=D).set_index("day")
    assert summary.loc[pd.Timestamp(D1)].to_dict() == {
        "clients": 2,
        "mean_overall": 25.0,
        "low": 0,
        "medium": 0,
        "high": 0,
        "critical": 2,
    }
    assert summary.loc[pd.Timestamp(D), "clients"] == 6
    assert summary.loc[pd.Timestamp(D), "low"] == 2
