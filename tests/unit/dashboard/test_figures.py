"""The figure builders, read through ``fig.data`` and ``fig.layout``: no browser.

Expected values are worked out by hand beside each test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import theme
from dashboard.figures import (
    NO_DATA_MESSAGE,
    change_waterfall,
    component_bars,
    interventions_created_vs_completed,
    kpi_delta,
    risk_breakdown,
    risk_distribution_over_time,
    score_bins,
    score_distribution,
    score_history,
    score_trend,
    subscore_bars,
    success_rate_by_type,
    team_performance,
    top_risk_factors,
    waterfall_steps,
)
from scoring import explain
from scoring.enums import RiskLevel, Trend
from scoring.model import COMPONENT_BY_NAME, COMPONENTS
from scoring.weights import effective_weights

HAND_SCORES = [12, 45, 47, 65, 81, 99]


def bars_by_colour(fig: go.Figure) -> dict[str, int]:
    """Total clients drawn in each bar colour."""
    totals: dict[str, int] = {}
    for trace in fig.data:
        colour = trace.marker.color
        totals[colour] = totals.get(colour, 0) + int(sum(trace.y))
    return totals


def component_row(**scores: float) -> pd.Series:
    """A score row with every component missing except those given (by component name)."""
    return pd.Series({c.column: scores.get(c.name, np.nan) for c in COMPONENTS}, dtype=float)


# -- theme ------------------------------------------------------------------------------


def test_risk_colours_cover_every_risk_level_with_the_agreed_colours():
    assert theme.RISK_COLOURS == {
        RiskLevel.LOW: "#2e7d32",
        RiskLevel.MEDIUM: "#f9a825",
        RiskLevel.HIGH: "#ef6c00",
        RiskLevel.CRITICAL: "#c62828",
    }
    assert theme.risk_colour("critical") == theme.RISK_COLOURS[RiskLevel.CRITICAL]


def test_presentation_type_is_larger_everywhere():
    normal, large = theme.type_scale(False), theme.type_scale(True)
    for field in normal.__dataclass_fields__:
        assert getattr(large, field) > getattr(normal, field), field


# -- score distribution ----------------------------------------------------------------


def test_score_bins_count_a_hand_made_list_by_ten_point_bins():
    bins = score_bins(pd.Series(HAND_SCORES)).set_index("start")
    # 12 -> 10-19; 45 and 47 -> 40-49; 65 -> 60-69; 81 -> 80-89; 99 -> 90-100.
    assert bins["clients"].to_dict() == {
        0: 0,
        10: 1,
        20: 0,
        30: 0,
        40: 2,
        50: 0,
        60: 1,
        70: 0,
        80: 1,
        90: 1,
    }
    assert bins.loc[90, "end"] == 100
    assert bins.loc[40, "risk_level"] == "high"
    assert bins.loc[70, "risk_level"] == "medium"


def test_score_distribution_colours_each_bar_by_its_risk_band():
    fig = score_distribution(pd.DataFrame({"score": HAND_SCORES}))
    # critical: 12; high: 45, 47; medium: 65; low: 81, 99.
    assert bars_by_colour(fig) == {
        theme.RISK_COLOURS[RiskLevel.CRITICAL]: 1,
        theme.RISK_COLOURS[RiskLevel.HIGH]: 2,
        theme.RISK_COLOURS[RiskLevel.MEDIUM]: 1,
        theme.RISK_COLOURS[RiskLevel.LOW]: 2,
    }
    high = next(t for t in fig.data if t.marker.color == theme.RISK_COLOURS[RiskLevel.HIGH])
    assert list(high.y) == [2, 0]  # bins 40-49 and 50-59
    assert high.text[0] == "2"


def test_score_distribution_bins_of_five_and_the_score_100():
    fig = score_distribution(pd.Series([100, 100, 80, 79.5, 39.4]), bin_width=5)
    # 79.5 rounds half up to 80 and 39.4 down to 39: low 4 (100, 100, 80, 80), critical 1 (39).
    assert bars_by_colour(fig) == {
        theme.RISK_COLOURS[RiskLevel.CRITICAL]: 1,
        theme.RISK_COLOURS[RiskLevel.HIGH]: 0,
        theme.RISK_COLOURS[RiskLevel.MEDIUM]: 0,
        theme.RISK_COLOURS[RiskLevel.LOW]: 4,
    }
    low = next(t for t in fig.data if t.marker.color == theme.RISK_COLOURS[RiskLevel.LOW])
    assert list(low.y) == [2, 0, 0, 2]  # 80-84, 85-89, 90-94, 95-100
    with pytest.raises(ValueError, match="divide 20"):
        score_bins(pd.Series([50]), bin_width=7)


def test_score_distribution_marks_thresholds_and_target():
    fig = score_distribution(pd.Series(HAND_SCORES), target=70)
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert sorted((s.x0, s.x1) for s in rects) == [(0, 40), (40, 60), (60, 80), (80, 100)]
    assert {s.fillcolor for s in rects} == set(theme.RISK_COLOURS.values())
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert [(s.x0, s.x1) for s in lines] == [(70, 70)]
    texts = [a.text for a in fig.layout.annotations]
    assert "<b>Target 70</b>" in texts
    assert any("High risk" in t and "40–59" in t for t in texts)
    # 65 is below target; 81 and 99 are at or above it: 2 of 6 = 33%.
    assert "33% at or above the target of 70" in fig.layout.title.subtitle.text
    assert "6 clients scored · average 58.2" in fig.layout.title.subtitle.text


def test_clients_without_a_score_are_left_out():
    fig = score_distribution(pd.DataFrame({"score": [50, None, np.nan]}))
    assert sum(sum(t.y) for t in fig.data) == 1


def _target_label(fig: go.Figure):
    return next(a for a in fig.layout.annotations if a.text.startswith("<b>Target"))


@pytest.mark.parametrize(
    ("scores", "side"),
    [
        # 60-69 holds 1 client and 70-79 holds 3: the label goes left, over the lower bar.
        ([65, 75, 75, 75], "right"),
        # 60-69 holds 3 and 70-79 holds 1: it goes right.
        ([65, 65, 65, 75], "left"),
    ],
)
def test_score_distribution_keeps_the_target_label_clear_of_band_labels_and_counts(scores, side):
    fig = score_distribution(pd.Series(scores), target=70)
    label = _target_label(fig)
    # Along the top of the plot, beside its line, on the side of the lower bars.
    assert (label.x, label.y, label.yref, label.yanchor) == (70, 1, "paper", "top")
    assert label.xanchor == side
    # The band labels sit above the plot, in a lane the top margin keeps for them.
    bands = [a for a in fig.layout.annotations if "risk</b>" in a.text]
    assert len(bands) == 4
    assert all((a.y, a.yanchor) == (1, "bottom") for a in bands)
    assert fig.layout.margin.t >= 68 + 2 * 1.3 * theme.type_scale(False).annotation
    # The tallest bar (3) reaches 1/1.4 of the axis: its count sits below the target label.
    assert tuple(fig.layout.yaxis.range) == pytest.approx((0, 3 * 1.4 + 1))
    assert fig.layout.yaxis.dtick == 1  # few clients: whole numbers, every one


def test_score_distribution_ticks_the_bin_edges_level():
    axis = score_distribution(pd.Series(HAND_SCORES)).layout.xaxis
    assert (axis.tickmode, axis.tick0, axis.dtick) == ("linear", 0, 10)
    assert tuple(axis.range) == (0, 100)


# -- risk breakdown ---------------------------------------------------------------------


def test_risk_breakdown_lists_levels_low_to_critical_with_counts_and_percentages():
    fig = risk_breakdown({"critical": 1, "low": 2, "high": 1})
    (bar,) = fig.data
    assert list(bar.y) == [
        "Low risk (80–100)",
        "Medium risk (60–79)",
        "High risk (40–59)",
        "Critical risk (0–39)",
    ]
    assert list(bar.x) == [2, 0, 1, 1]
    assert list(bar.marker.color) == [theme.RISK_COLOURS[level] for level in RiskLevel]
    # 2 of 4 = 50.0%, 0 of 4, 1 of 4 = 25.0%.
    assert list(bar.text) == ["2 · 50.0%", "0 · 0.0%", "1 · 25.0%", "1 · 25.0%"]
    assert fig.layout.yaxis.autorange == "reversed"  # first listed on top
    assert "2 at high or critical risk (50%)" in fig.layout.title.subtitle.text


def test_risk_breakdown_as_a_donut_from_a_frame():
    frame = pd.DataFrame({"risk_level": [RiskLevel.MEDIUM, RiskLevel.LOW], "clients": [3, 1]})
    (pie,) = risk_breakdown(frame, kind="donut").data
    assert list(pie.values) == [1, 3, 0, 0]
    assert list(pie.marker.colors) == [theme.RISK_COLOURS[level] for level in RiskLevel]
    assert pie.sort is False


def test_risk_breakdown_labels_fit_a_half_width_card_in_presentation_mode():
    fig = risk_breakdown({"low": 197, "medium": 150, "high": 70, "critical": 17}, presentation=True)
    (bar,) = fig.data
    assert bar.text[0] == "197 · 45.4%"  # 197 of 434
    # The long bar holds its label inside its end, so it needs no room to the right;
    # the short one has room for its label past its end.
    assert bar.textposition[0] == "inside" and bar.textposition[-1] == "outside"
    assert bar.insidetextanchor == "end" and bar.constraintext == "none"
    assert list(bar.insidetextfont.color) == [theme.RISK_ON_COLOURS[level] for level in RiskLevel]
    # No label needs more room, so the axis ends 5% past the longest bar.
    assert tuple(fig.layout.xaxis.range) == pytest.approx((0, 197 * 1.05))


def test_risk_breakdown_reads_the_latest_day_of_a_wide_frame_and_leaves_its_input_alone():
    wide = pd.DataFrame(
        {
            "day": ["2026-03-01", "2026-03-02"],
            "low": [1, 4],
            "medium": [2, 3],
            "high": [3, 2],
            "critical": [4, 1],
        }
    )
    assert list(risk_breakdown(wide).data[0].x) == [4, 3, 2, 1]
    counts = pd.Series({RiskLevel.HIGH: 2, RiskLevel.LOW: 1})
    risk_breakdown(counts)
    assert list(counts.index) == [RiskLevel.HIGH, RiskLevel.LOW]


# -- client detail ---------------------------------------------------------------------


def test_score_history_draws_the_line_over_the_four_risk_bands():
    history = pd.DataFrame(
        {"day": pd.date_range("2026-03-01", periods=4, freq="D"), "score": [72, 65, np.nan, 58]}
    )
    interventions = pd.DataFrame(
        {"created_at": ["2026-03-03T10:00:00Z"], "title": ["Call the couple"]}
    )
    fig = score_history(history, client_name="Ana & Ben", interventions=interventions)
    line, marks = fig.data
    assert list(line.y[:2]) == [72, 65] and math.isnan(line.y[2])  # a gap, not a zero
    assert line.connectgaps is False
    bands = {(s.y0, s.y1): s.fillcolor for s in fig.layout.shapes if s.type == "rect"}
    assert bands == {
        (0, 40): theme.RISK_COLOURS[RiskLevel.CRITICAL],
        (40, 60): theme.RISK_COLOURS[RiskLevel.HIGH],
        (60, 80): theme.RISK_COLOURS[RiskLevel.MEDIUM],
        (80, 100): theme.RISK_COLOURS[RiskLevel.LOW],
    }
    assert all(s.opacity < 0.3 for s in fig.layout.shapes if s.type == "rect")
    # 3 March has no score: the marker sits on the latest score before it (65 on 2 March).
    assert list(marks.y) == [65] and list(marks.customdata) == ["Call the couple"]
    assert fig.layout.title.text == "Ana & Ben: health score over time"
    assert "Latest 58 (high risk) on 4 Mar 2026" in fig.layout.title.subtitle.text
    assert tuple(fig.layout.yaxis.range) == (0, 100)


def test_score_history_of_a_few_days_ticks_each_day_once():
    history = pd.DataFrame(
        {"day": pd.date_range("2025-11-22", periods=4, freq="D"), "score": [31, 31, 30, 30]}
    )
    axis = score_history(history, client_name="X").layout.xaxis
    assert axis.dtick == 86_400_000  # one day
    assert axis.tickformat == "%-d %b"
    assert pd.Timestamp(axis.tick0) == pd.Timestamp("2025-11-22")
    # Half a day of room at each end: four days, four ticks, none repeated.
    assert [pd.Timestamp(x) for x in axis.range] == [
        pd.Timestamp("2025-11-21 12:00"),
        pd.Timestamp("2025-11-25 12:00"),
    ]


@pytest.mark.parametrize(
    ("start", "periods", "dtick", "tickformat"),
    [
        ("2025-11-01", 26, 7 * 86_400_000, "%-d %b"),  # 25 days: weekly
        ("2025-08-28", 90, 14 * 86_400_000, "%-d %b"),  # 89 days: every two weeks
        ("2025-05-30", 180, "M1", "%b"),  # 179 days: monthly
        ("2025-10-01", 180, "M1", "%b %Y"),  # into 2026: the year too
    ],
)
def test_score_history_ticks_suit_the_span(start, periods, dtick, tickformat):
    history = pd.DataFrame(
        {"day": pd.date_range(start, periods=periods, freq="D"), "score": [70] * periods}
    )
    axis = score_history(history, client_name="X").layout.xaxis
    assert (axis.dtick, axis.tickformat) == (dtick, tickformat)
    if dtick == 7 * 86_400_000:
        assert pd.Timestamp(axis.tick0).day_name() == "Monday"  # 27 Oct 2025


def test_score_history_band_labels_sit_one_line_each_beside_the_chart():
    history = pd.DataFrame({"day": ["2026-03-01", "2026-03-02"], "score": [70, 71]})
    fig = score_history(history, client_name="X", presentation=True)
    labels = {a.text: a for a in fig.layout.annotations}
    assert list(labels) == [
        "<b>Critical risk</b>",
        "<b>High risk</b>",
        "<b>Medium risk</b>",
        "<b>Low risk</b>",
    ]
    # One line of 1.3 x 17 px each, centred 20 points apart at least (critical 0-40: 20,
    # high 40-60: 50, medium 60-80: 70, low 80-100: 90): no two collide.
    assert [a.y for a in labels.values()] == [20, 50, 70, 90]
    assert all((a.x, a.xref, a.xanchor) == (1, "paper", "left") for a in labels.values())
    # The right margin holds "Medium risk" in bold at 17 px: 11 x 0.62 x 17 = 116 px, plus gaps.
    assert fig.layout.margin.r >= 116


def test_score_history_title_names_the_client_only_when_it_fits():
    history = pd.DataFrame({"day": ["2026-03-01"], "score": [70]})
    long_name = "Alexandra Montgomery-Smith & Christopher Fitzgerald-Jones"
    assert score_history(history, client_name=long_name).layout.title.text == (
        "Health score over time"
    )
    assert score_history(history, client_name="Ana & Ben").layout.title.text == (
        "Ana & Ben: health score over time"
    )


def test_subscore_without_data_is_written_no_data_not_drawn_as_zero():
    row = pd.Series(
        {
            "engagement": 44.7,
            "progress": 85.0,
            "satisfaction": np.nan,
            "overall": 58.4,
            "coverage": 0.75,
        }
    )
    fig = subscore_bars(row)
    bars, no_data = fig.data
    assert bars.x[0] == 44.7 and math.isnan(bars.x[2])
    assert list(bars.marker.color)[:2] == [
        theme.RISK_COLOURS[RiskLevel.HIGH],
        theme.RISK_COLOURS[RiskLevel.LOW],
    ]
    assert list(no_data.y) == ["Satisfaction (25% of score)"]
    assert "no data" in no_data.text[0]
    assert fig.layout.title.subtitle.text == "Overall 58 · data coverage 75%"


def test_subscores_are_labelled_in_whole_points():
    fig = subscore_bars({"engagement": 44.7, "progress": 85.0, "satisfaction": 4.9})
    assert list(fig.data[0].text) == ["45", "85", "5"]
    # A long bar holds its label inside, a bar of 5 points past its end.
    assert fig.data[0].textposition[1] == "inside" and fig.data[0].textposition[2] == "outside"


def test_component_without_data_is_written_no_data_and_grouped_by_subscore():
    row = component_row(logins=33.3, recency=50.0, completion=80.0)
    fig = component_bars(row)
    bars, no_data = fig.data
    groups, labels = (list(level) for level in bars.y)
    assert labels == [c.label for c in COMPONENTS]
    assert groups[0] == "<b>Engagement</b>" and groups[-1] == "<b>Satisfaction</b>"
    values = dict(zip(labels, bars.x, strict=True))
    assert values["Logins"] == 33.3
    assert math.isnan(values["Responsiveness"])  # not 0
    assert bars.text[labels.index("Responsiveness")] is None
    missing_labels = list(no_data.y[1])
    assert "Responsiveness" in missing_labels and "Logins" not in missing_labels
    assert len(missing_labels) == 9
    assert all("no data" in t for t in no_data.text)
    colours = dict(zip(labels, bars.marker.color, strict=True))
    assert colours["Logins"] == theme.RISK_COLOURS[RiskLevel.CRITICAL]  # 33 -> critical
    assert colours["Task completion"] == theme.RISK_COLOURS[RiskLevel.LOW]  # 80 -> low
    # Coverage from the model when the row has none: logins 0.4*0.3 + recency 0.4*0.25 + completion 0.35*0.35.
    coverage = 0.4 * 0.30 + 0.4 * 0.25 + 0.35 * 0.35  # 0.3425
    assert fig.layout.title.text == "Score components"
    assert (
        fig.layout.title.subtitle.text == f"Data coverage {coverage * 100:.0f}% · 3 of 12 with data"
    )


def test_component_bars_take_coverage_from_the_row():
    row = component_row(logins=100.0)
    row["coverage"] = 0.12
    assert component_bars(row).layout.title.subtitle.text.startswith("Data coverage 12%")


CONTRIBUTIONS = pd.DataFrame(
    {
        "component": ["logins", "recency", "rating", "tickets", "velocity"],
        "label": ["", "", "", "", ""],
        "contribution": [-4.2, -3.0, 0.8, 0.0, 1.5],
    }
)


def test_waterfall_starts_and_ends_absolute_and_its_steps_add_up_to_the_change():
    # -4.2 - 3.0 + 0.8 + 1.5 = -4.9: from 72.0 to 67.1.
    fig = change_waterfall(
        CONTRIBUTIONS, start_score=72.0, end_score=67.1, start_label="1 Mar", end_label="8 Mar"
    )
    (water,) = fig.data
    assert water.measure[0] == "absolute" and water.measure[-1] == "total"
    assert set(water.measure[1:-1]) == {"relative"}
    assert water.y[0] == 72.0 and water.y[-1] == 67.1
    relative = water.y[1:-1]
    assert sum(relative) == pytest.approx(67.1 - 72.0, abs=1e-9)
    # Zero contributions are left out; labels come from scoring.model, largest change first.
    assert list(water.x[1:-1]) == [
        "Logins",
        "Recency",
        "Progress<br>velocity",
        "Feedback<br>rating",
    ]
    assert list(relative) == [-4.2, -3.0, 1.5, 0.8]
    assert list(water.text) == ["72", "−4.2", "−3.0", "+1.5", "+0.8", "67.1"]
    assert water.increasing.marker.color == theme.TREND_COLOURS[Trend.IMPROVING]
    assert water.decreasing.marker.color == theme.TREND_COLOURS[Trend.DECLINING]


def test_waterfall_subtitle_is_short_and_the_detail_is_in_the_hover_text():
    fig = change_waterfall(
        CONTRIBUTIONS,
        start_score=72.0,
        end_score=67.1,
        start_label="1 Mar",
        end_label="8 Mar",
        presentation=True,
    )
    # 67.1 - 72.0 = -4.9, on one line even in presentation type on a half-width card.
    assert fig.layout.title.subtitle.text == "−4.9 points: 72 on 1 Mar → 67.1 on 8 Mar"
    hover = list(fig.data[0].hovertext)
    assert hover[1] == (
        "Logins: −4.2 points<br>This component's share of the change from 1 Mar to 8 Mar"
    )
    assert "one component's share of the change" in hover[-1]


def test_waterfall_of_many_steps_turns_its_labels_without_breaking_words():
    contributions = pd.DataFrame(
        {"component": [c.name for c in COMPONENTS], "contribution": [-1.0] * len(COMPONENTS)}
    )
    fig = change_waterfall(
        contributions, start_score=80.0, end_score=68.0, start_label="a", end_label="b"
    )
    # Fourteen bars do not fit a half-width card side by side: one line each, at 45 degrees.
    assert fig.layout.xaxis.tickangle == -45
    assert "Responsiveness" in fig.data[0].x
    assert not any("<br>" in label for label in fig.data[0].x)


def test_waterfall_takes_up_rounding_so_integer_scores_still_add_up():
    # Integer scores 72 -> 67 against contributions of -4.9: a rounding step of -0.1.
    steps = waterfall_steps(CONTRIBUTIONS, start_score=72, end_score=67)
    assert steps["label"].iloc[-1] == "Rounding"
    assert steps["points"].iloc[-1] == pytest.approx(-0.1)
    assert steps["points"].sum() == pytest.approx(-5.0)
    # A gap of more than a point is not rounding.
    assert (
        waterfall_steps(CONTRIBUTIONS, start_score=72, end_score=60)["label"].iloc[-1]
        == "Other changes"
    )
    fig = change_waterfall(
        CONTRIBUTIONS, start_score=72, end_score=67, start_label="a", end_label="b"
    )
    assert sum(fig.data[0].y[1:-1]) == pytest.approx(-5.0, abs=1e-9)


def test_waterfall_of_scoring_explain_contributions_adds_up_to_the_stored_change():
    names = [c.name for c in COMPONENTS]
    days = pd.DataFrame(
        [
            [80, 60, 100, 50, 70, 60, 100, 40, 75, 50, 100, 75],
            [40, 30, 60, 50, 70, 60, 80, 40, 75, 60, 75, 75],
        ],
        columns=[f"c_{n}" for n in names],
        dtype=float,
    )
    days["overall"] = (
        (effective_weights(days) * days[list(effective_weights(days).columns)]).sum(axis=1).round(1)
    )
    before, after = days.iloc[0].rename("client"), days.iloc[1].rename("client")  # the same client
    start, end = float(before["overall"]), float(after["overall"])
    fig = change_waterfall(
        explain.contributions(before, after),
        start_score=start,
        end_score=end,
        start_label="1 Mar",
        end_label="8 Mar",
    )
    relative = fig.data[0].y[1:-1]
    assert sum(relative) == pytest.approx(end - start, abs=1e-9)
    assert "Rounding" not in fig.data[0].x
    shown = {label.replace("<br>", " ") for label in fig.data[0].x[1:-1]}
    assert shown <= {COMPONENT_BY_NAME[n].label for n in names}
    assert "Logins" in shown  # 80 -> 40 at the largest weight: the biggest step


# -- analytics -------------------------------------------------------------------------


def test_score_trend_lines_up_the_previous_period():
    daily = pd.DataFrame(
        {"day": ["2026-03-01", "2026-03-02"], "average_score": [60.0, 62.5], "clients": [10, 11]}
    )
    previous = pd.DataFrame({"day": ["2026-02-27", "2026-02-28"], "average_score": [58.0, 59.0]})
    fig = score_trend(daily, previous=previous)
    prev, now = fig.data
    assert list(now.y) == [60.0, 62.5]
    assert [pd.Timestamp(x) for x in prev.x] == [
        pd.Timestamp("2026-03-01"),
        pd.Timestamp("2026-03-02"),
    ]
    assert list(prev.customdata) == ["27 Feb 2026", "28 Feb 2026"]
    assert "60.0 on 1 Mar → 62.5 on 2 Mar (+2.5 points)" in fig.layout.title.subtitle.text
    low, high = fig.layout.yaxis.range
    assert low == 50 and high == 70  # 58 - 5 and 62.5 + 5, to multiples of 5


LONG_COUNTS = pd.DataFrame(
    {
        "day": ["2026-03-01"] * 3 + ["2026-03-02"] * 2,
        "risk_level": ["low", "high", "critical", "low", "critical"],
        "clients": [5, 3, 2, 6, 4],
    }
)


def test_risk_distribution_stacks_critical_at_the_bottom_in_risk_colours():
    fig = risk_distribution_over_time(LONG_COUNTS)
    assert [t.name for t in fig.data] == [
        "Critical (0–39)",
        "High (40–59)",
        "Medium (60–79)",
        "Low (80–100)",
    ]
    assert [t.line.color for t in fig.data] == [
        theme.RISK_COLOURS[level] for level in reversed(RiskLevel)
    ]
    assert {t.stackgroup for t in fig.data} == {"risk"}
    assert list(fig.data[0].y) == [2, 4] and list(fig.data[1].y) == [3, 0]
    assert (
        fig.layout.legend.traceorder == "reversed"
    )  # legend reads low to critical, like the stack
    # Last day: 4 critical + 0 high of 10.
    assert "4 of 10 clients at high or critical risk (40%)" in fig.layout.title.subtitle.text


def test_risk_distribution_reads_the_wide_frame_of_scoring_kpis_the_same():
    wide = pd.DataFrame(
        {
            "day": ["2026-03-01", "2026-03-02"],
            "low": [5, 6],
            "medium": [0, 0],
            "high": [3, 0],
            "critical": [2, 4],
        }
    )
    long_fig, wide_fig = risk_distribution_over_time(LONG_COUNTS), risk_distribution_over_time(wide)
    assert [list(t.y) for t in long_fig.data] == [list(t.y) for t in wide_fig.data]
    shares = risk_distribution_over_time(wide, as_share=True)
    assert shares.data[0].groupnorm == "percent"
    assert shares.layout.yaxis.ticksuffix == "%"


def test_interventions_created_vs_completed_pairs_the_bars():
    weekly = pd.DataFrame(
        {"period_start": ["2026-03-02", "2026-03-09"], "created": [5, 7], "completed": [3, 8]}
    )
    fig = interventions_created_vs_completed(weekly)
    created, completed = fig.data
    assert (created.name, list(created.y)) == ("Created", [5, 7])
    assert (completed.name, list(completed.y)) == ("Completed", [3, 8])
    assert fig.layout.barmode == "group"
    assert fig.layout.title.subtitle.text == "Over the period: 12 created, 11 completed"


def test_success_rate_by_type_in_percent_with_counts():
    frame = pd.DataFrame(
        {"completed": [8, 4, 0, 0], "success_rate": [0.75, 0.5, np.nan, np.nan]},
        index=pd.Index(["call", "email", "meeting", "account_review"], name="type"),
    )
    fig = success_rate_by_type(frame)
    bars, none = fig.data
    assert list(bars.y) == ["Phone call", "Email", "Meeting", "Account review"]
    assert list(bars.x[:2]) == [75.0, 50.0] and math.isnan(bars.x[2])
    assert list(bars.text[:2]) == ["75% · 6 of 8", "50% · 2 of 4"]
    assert [list(row) for row in bars.customdata[:2]] == [[6, 8], [2, 4]]
    assert list(none.y) == ["Meeting", "Account review"]
    # 8 of 12 completed resolved = 67%.
    assert fig.layout.title.subtitle.text == "All types: 67% (8 of 12 completed resolved)"


def test_team_performance_lists_members_by_open_work():
    frame = pd.DataFrame(
        {
            "member": ["Ana", "Ben", "Cy"],
            "open": [2, 5, 2],
            "completed": [10, 4, 0],
            "overdue": [0, 3, 1],
            "success_rate": [0.8, 0.25, np.nan],
            "avg_resolution_hours": [30.0, 72.0, np.nan],
        }
    )
    fig = team_performance(frame)
    assert [t.name for t in fig.data] == ["Open", "Overdue", "Completed"]
    opened = fig.data[0]
    assert list(opened.x) == [5, 2, 2]  # Ben first, then Ana and Cy by name
    assert list(opened.customdata) == ["Ben", "Ana", "Cy"]
    assert "25% success · 3.0 days to resolve" in opened.y[0]
    assert "80% success · 30 h to resolve" in opened.y[1]
    assert "none completed" in opened.y[2]
    assert fig.layout.title.subtitle.text.startswith("9 open now, 4 of them overdue")


def test_top_risk_factors_ranked_by_points_lost_with_clients_in_the_label():
    frame = pd.DataFrame(
        {
            "factor": ["logins", "rating", "overdue"],
            "clients_affected": [10, 2, 30],
            "mean_points_lost": [3.0, 20.0, 0.5],
        }
    )
    fig = top_risk_factors(frame, limit=2)
    (bars,) = fig.data
    # Totals: logins 30, rating 40, overdue 15: rating first, and only two shown.
    assert list(bars.y) == ["Feedback rating", "Logins"]
    assert list(bars.x) == [40.0, 30.0]
    assert list(bars.text) == ["2 clients · 20.0 points each", "10 clients · 3.0 points each"]


# -- KPI deltas ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "previous", "higher_is_better", "fmt", "text", "trend"),
    [
        (65.2, 62.0, True, "{:.1f}", "▲ 3.2 vs last period", Trend.IMPROVING),
        (60.0, 62.5, True, "{:.1f}", "▼ 2.5 vs last period", Trend.DECLINING),
        (12, 9, False, "{:.0f}", "▲ 3 vs last period", Trend.DECLINING),
        (0.12, 0.15, False, "{:.0%}", "▼ 3% vs last period", Trend.IMPROVING),
        (50.01, 50.0, True, "{:.1f}", "no change vs last period", Trend.STABLE),
        (50.0, None, True, "{:.1f}", "no earlier data", Trend.STABLE),
        (None, 50.0, True, "{:.1f}", "no earlier data", Trend.STABLE),
        (float("nan"), 50.0, True, "{:.1f}", "no earlier data", Trend.STABLE),
    ],
)
def test_kpi_delta(value, previous, higher_is_better, fmt, text, trend):
    delta = kpi_delta(value, previous, higher_is_better=higher_is_better, fmt=fmt)
    assert delta.text == text
    assert delta.colour == theme.TREND_COLOURS[trend]
    shown, colour = delta  # unpacks as (text, colour)
    assert (shown, colour) == (text, theme.TREND_COLOURS[trend])


def test_kpi_delta_takes_a_formatting_function():
    assert kpi_delta(30, 26, fmt=lambda hours: f"{hours:.0f} h").text == "▲ 4 h vs last period"


# -- every builder: empty state and presentation type -----------------------------------

EMPTY_CALLS = {
    "score_distribution": lambda **kw: score_distribution(pd.DataFrame({"score": []}), **kw),
    "risk_breakdown": lambda **kw: risk_breakdown({}, **kw),
    "score_history": lambda **kw: score_history(
        pd.DataFrame({"day": [], "score": []}), client_name="X", **kw
    ),
    "subscore_bars": lambda **kw: subscore_bars(pd.Series(dtype=float), **kw),
    "component_bars": lambda **kw: component_bars(pd.Series(dtype=float), **kw),
    "change_waterfall": lambda **kw: change_waterfall(
        pd.DataFrame({"component": [], "label": [], "contribution": []}),
        start_score=70,
        end_score=70,
        start_label="a",
        end_label="b",
        **kw,
    ),
    "score_trend": lambda **kw: score_trend(pd.DataFrame({"day": [], "average_score": []}), **kw),
    "risk_distribution_over_time": lambda **kw: risk_distribution_over_time(
        pd.DataFrame({"day": [], "risk_level": [], "clients": []}), **kw
    ),
    "interventions_created_vs_completed": lambda **kw: interventions_created_vs_completed(
        pd.DataFrame({"period": [], "created": [], "completed": []}), **kw
    ),
    "success_rate_by_type": lambda **kw: success_rate_by_type(
        pd.DataFrame({"type": [], "completed": [], "success_rate": []}), **kw
    ),
    "team_performance": lambda **kw: team_performance(
        pd.DataFrame(
            columns=[
                "member",
                "open",
                "completed",
                "overdue",
                "success_rate",
                "avg_resolution_hours",
            ]
        ),
        **kw,
    ),
    "top_risk_factors": lambda **kw: top_risk_factors(
        pd.DataFrame(columns=["factor", "label", "clients_affected", "mean_points_lost"]), **kw
    ),
}

FULL_CALLS = {
    "score_distribution": lambda **kw: score_distribution(pd.Series(HAND_SCORES), **kw),
    "risk_breakdown": lambda **kw: risk_breakdown({"low": 1}, **kw),
    "score_history": lambda **kw: score_history(
        pd.DataFrame({"day": ["2026-03-01", "2026-03-02"], "score": [70, 71]}),
        client_name="X",
        **kw,
    ),
    "subscore_bars": lambda **kw: subscore_bars(
        {"engagement": 50.0, "progress": 60.0, "satisfaction": 70.0}, **kw
    ),
    "component_bars": lambda **kw: component_bars(component_row(logins=50.0), **kw),
    "change_waterfall": lambda **kw: change_waterfall(
        CONTRIBUTIONS, start_score=72.0, end_score=67.1, start_label="a", end_label="b", **kw
    ),
    "score_trend": lambda **kw: score_trend(
        pd.DataFrame({"day": ["2026-03-01"], "average_score": [61.0]}), **kw
    ),
    "risk_distribution_over_time": lambda **kw: risk_distribution_over_time(LONG_COUNTS, **kw),
    "interventions_created_vs_completed": lambda **kw: interventions_created_vs_completed(
        pd.DataFrame({"period": ["2026-03-02"], "created": [1], "completed": [0]}), **kw
    ),
    "success_rate_by_type": lambda **kw: success_rate_by_type(
        pd.DataFrame({"type": ["call"], "completed": [2], "success_rate": [0.5]}), **kw
    ),
    "team_performance": lambda **kw: team_performance(
        pd.DataFrame(
            {
                "member": ["Ana"],
                "open": [1],
                "completed": [1],
                "overdue": [0],
                "success_rate": [1.0],
                "avg_resolution_hours": [5.0],
            }
        ),
        **kw,
    ),
    "top_risk_factors": lambda **kw: top_risk_factors(
        pd.DataFrame({"factor": ["logins"], "clients_affected": [1], "mean_points_lost": [2.0]}),
        **kw,
    ),
}


@pytest.mark.parametrize("name", sorted(EMPTY_CALLS))
def test_empty_frames_give_the_empty_state(name):
    fig = EMPTY_CALLS[name]()
    assert len(fig.data) == 0
    (note,) = fig.layout.annotations
    assert note.text == NO_DATA_MESSAGE
    assert (note.x, note.y, note.xref, note.yref) == (0.5, 0.5, "paper", "paper")
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    assert fig.layout.title.text  # still says what the chart would have shown


@pytest.mark.parametrize("name", sorted(FULL_CALLS))
def test_every_builder_draws_titled_data(name):
    fig = FULL_CALLS[name]()
    assert len(fig.data) >= 1
    assert fig.layout.title.text
    assert NO_DATA_MESSAGE not in [a.text for a in fig.layout.annotations]
    assert all(t.hovertemplate or t.type == "pie" for t in fig.data)


@pytest.mark.parametrize("name", sorted(FULL_CALLS))
def test_presentation_mode_uses_larger_type(name):
    normal = FULL_CALLS[name]().layout.template.layout
    large = FULL_CALLS[name](presentation=True).layout.template.layout
    assert large.font.size > normal.font.size
    assert large.title.font.size > normal.title.font.size
    assert large.xaxis.tickfont.size > normal.xaxis.tickfont.size
    assert large.hoverlabel.font.size > normal.hoverlabel.font.size


@pytest.mark.parametrize("presentation", [False, True])
@pytest.mark.parametrize("name", sorted(FULL_CALLS))
def test_titles_start_at_the_card_edge_and_fit_half_a_screen(name, presentation):
    for call in (FULL_CALLS[name], EMPTY_CALLS[name]):
        fig = call(presentation=presentation)
        title = fig.layout.template.layout.title
        # At the figure's left edge, not the plot area's: long axis labels cannot push it off.
        assert (title.xref, title.x, title.xanchor) == ("container", 0, "left")
        assert (title.yref, title.y, title.yanchor) == ("container", 1, "top")
        assert fig.layout.title.xref is None  # the figure keeps the template's placement
        # A subtitle wraps to at most two lines and the top margin holds them with 10 px to
        # spare: measured on kaleido's rendering, the title ends 30 px (38 in presentation
        # type) from the top, one line of subtitle 66 px (84) and two 76 px (94).
        subtitle = fig.layout.title.subtitle.text
        lines = len(subtitle.split("<br>")) if subtitle else 0
        assert lines <= 2
        bottom = {False: (30, 66, 76), True: (38, 84, 94)}[presentation][lines]
        assert fig.layout.margin.t >= bottom + 10


def test_small_counts_are_ticked_in_whole_numbers():
    fig = FULL_CALLS["interventions_created_vs_completed"]()
    # One created, none completed: the axis runs to 1 x 1.18 + 1 = 2.18, ticked 0, 1, 2.
    axis = fig.layout.yaxis
    assert (axis.dtick, axis.tickformat) == (1, ",d")
    assert tuple(axis.range) == pytest.approx((0, 2.18))
