"""The PDF report: several A4 landscape pages for the weekly review, built with fpdf2.

Pages, in order:

1. cover: the period, the segment, the day of the scores, the headline
   figures with their change, and what the report contains (or, for a period
   without data, a notice that says so);
2. KPI summary: every KPI of ``dashboard.services.reports.data.KPIS`` this period and
   the previous one, with the change;
3. charts, one per page, drawn by the dashboard's own figure builders
   (``dashboard.figures``) in their presentation size and rendered by kaleido:
   the average health score (with the previous period dashed), clients by
   risk level, the top risk factors, and interventions created and completed;
4. the clients at high or critical risk, lowest score first (at most
   ``MAX_AT_RISK_ROWS``; the CSV report lists them all);
5. intervention performance by type and by team member.

Text is set in DejaVu Sans when the system has it (it has every character the
dashboard writes: ▲, ▼, –, →, accented names), else in Helvetica with the
characters it lacks replaced.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from fpdf import FPDF
from fpdf.fonts import FontFace

from dashboard import theme
from dashboard.figures import (
    interventions_created_vs_completed,
    risk_distribution_over_time,
    score_trend,
    top_risk_factors,
)
from dashboard.formatting import DASH, date_text, hours_text, range_text
from scoring.enums import InterventionType, RiskLevel
from scoring.kpis import (
    AVERAGE_SCORE,
    AVG_RESOLUTION_HOURS,
    AVG_SCORE_IMPROVEMENT,
    AVG_TIME_TO_INTERVENTION_HOURS,
    COMPLETED,
    COMPLETION_RATE,
    CREATED,
    OPEN,
    OVERDUE,
    RESPONSE_RATE,
    SUCCESS_RATE,
)

from .data import (
    HEADLINE_KPIS,
    HEALTH,
    INTERVENTIONS,
    RETENTION,
    ReportData,
    factor_label,
    trend_label,
)
from .images import figure_png

log = logging.getLogger(__name__)

TITLE = "Customer success report"
MAX_AT_RISK_ROWS = 40
CHART_WIDTH_PX, CHART_HEIGHT_PX = 1280, 640

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
_FALLBACK = {"▲": "+", "▼": "-", "–": "-", "—": "-", "→": "->", "·": "-", "’": "'", "…": "..."}

MARGIN = 12.0
PAGE_W, PAGE_H = 297.0, 210.0
CONTENT_W = PAGE_W - 2 * MARGIN


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


TEXT = _rgb(theme.TEXT)
MUTED = _rgb(theme.TEXT_MUTED)
PRIMARY = _rgb(theme.PRIMARY)
BORDER = _rgb(theme.BORDER)
SOFT = _rgb(theme.PRIMARY_SOFT)
BACKGROUND = _rgb(theme.BACKGROUND)


def _font_files() -> dict[str, Path] | None:
    for folder in FONT_DIRS:
        found = {style: folder / name for style, name in FONT_FILES.items()}
        if all(path.is_file() for path in found.values()):
            return found
    return None


class ReportPdf(FPDF):
    """An A4 landscape document with the report's running header and footer."""

    def __init__(self, report: ReportData) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.report = report
        self.page_title = ""
        self.set_margins(MARGIN, MARGIN + 8, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 4)
        self.set_title(f"{TITLE}: {report.period.label}, {report.segment.label}")
        self.set_creator(TITLE)
        files = _font_files()
        self.unicode_font = files is not None
        if files is not None:
            for style, path in files.items():
                self.add_font("DejaVu", style, str(path))
            self.font_name = "DejaVu"
        else:
            self.font_name = "Helvetica"

    # -- text helpers ---------------------------------------------------------------

    def clean(self, text: object) -> str:
        """``text`` as the current font can set it."""
        value = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
        if self.unicode_font:
            return value
        for char, plain in _FALLBACK.items():
            value = value.replace(char, plain)
        value = unicodedata.normalize("NFKD", value)
        return value.encode("latin-1", "ignore").decode("latin-1")

    def font(self, size: float, style: str = "", colour: tuple[int, int, int] = TEXT) -> None:
        self.set_font(self.font_name, style, size)
        self.set_text_color(*colour)

    def paragraph(
        self, text: str, size: float = 11, style: str = "", colour=TEXT, height: float | None = None
    ) -> None:
        """A paragraph across the content width."""
        self.font(size, style, colour)
        self.multi_cell(
            CONTENT_W,
            height or size * 0.5,
            self.clean(text),
            align="L",
            new_x="LMARGIN",
            new_y="NEXT",
        )

    # -- running header and footer ------------------------------------------------------

    def header(self) -> None:
        if self.page_no() == 1:
            return
        report = self.report
        self.set_y(MARGIN - 2)
        self.font(9, colour=MUTED)
        self.cell(
            CONTENT_W / 2, 5,
            self.clean(f"{TITLE} · {report.period.label} · {report.segment.label}"),
        )  # fmt: skip
        self.cell(CONTENT_W / 2, 5, self.clean(range_text(report.start, report.end)), align="R")
        self.set_draw_color(*BORDER)
        self.line(MARGIN, MARGIN + 4, PAGE_W - MARGIN, MARGIN + 4)
        self.set_xy(MARGIN, MARGIN + 7)
        if self.page_title:
            self.font(18, "B", PRIMARY)
            self.cell(CONTENT_W, 9, self.clean(self.page_title), new_x="LMARGIN", new_y="NEXT")
            self.ln(1)

    def footer(self) -> None:
        report = self.report
        local = report.generated_at.tz_convert(report.zone)
        self.set_y(-MARGIN)
        self.font(8, colour=MUTED)
        generated = f"Generated {date_text(local)} {local:%H:%M} ({report.zone.key})"
        self.cell(CONTENT_W / 2, 5, self.clean(generated))
        self.cell(CONTENT_W / 2, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    def new_page(self, title: str) -> None:
        self.page_title = title
        self.add_page()


def _table(pdf: ReportPdf, *, widths: Sequence[float], align: Sequence[str], line_height: float):
    """A table across the page: bold headings on a tint, rows striped, lines between rows."""
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(*BORDER)
    return pdf.table(
        col_widths=tuple(widths),
        text_align=tuple(align),
        headings_style=FontFace(emphasis="BOLD", color=TEXT, fill_color=SOFT),
        cell_fill_color=BACKGROUND,
        cell_fill_mode="ROWS",
        borders_layout="HORIZONTAL_LINES",
        line_height=line_height,
        padding=(0.4, 1.5),
        width=CONTENT_W,
        v_align="MIDDLE",
    )


# -- pages -------------------------------------------------------------------------------


def _cover(pdf: ReportPdf) -> None:
    report = pdf.report
    metrics, previous = report.metrics, report.previous
    pdf.new_page("")
    pdf.set_y(26)
    pdf.font(30, "B", PRIMARY)
    pdf.cell(CONTENT_W, 14, pdf.clean(TITLE), new_x="LMARGIN", new_y="NEXT")
    pdf.font(17, "", TEXT)
    pdf.cell(
        CONTENT_W, 10, pdf.clean(f"{report.period.label} · {report.segment.label}"),
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    pdf.ln(2)
    pdf.paragraph(
        f"{range_text(metrics.start, metrics.end)}, compared with the previous "
        f"{report.period.days} days ({range_text(previous.start, previous.end)}).",
        12, colour=MUTED, height=6,
    )  # fmt: skip
    if metrics.score_date is not None:
        pdf.paragraph(
            f"Health scores as of {date_text(metrics.score_date, missing=DASH)}.",
            12,
            colour=MUTED,
            height=6,
        )
    pdf.ln(8)
    if not report.has_data:
        _no_data_notice(pdf)
        return
    _headline_tiles(pdf)
    pdf.ln(10)
    pdf.paragraph("In this report", 13, "B", height=7)
    for item in (
        "Key performance indicators, each with its value in the previous period",
        "Average health score over time, against the previous period",
        "Clients by risk level over time",
        "Top risk factors: what drove scores down",
        "Interventions created and completed",
        "Clients at high or critical risk, lowest score first",
        "Intervention performance by type and by team member",
    ):
        pdf.paragraph(f"•  {item}", 11, colour=TEXT, height=6)


def _no_data_notice(pdf: ReportPdf) -> None:
    report = pdf.report
    top = pdf.get_y()
    pdf.set_fill_color(*BACKGROUND)
    pdf.set_draw_color(*BORDER)
    pdf.rect(MARGIN, top, CONTENT_W, 42, style="DF")
    pdf.set_xy(MARGIN + 8, top + 7)
    pdf.font(20, "B", TEXT)
    pdf.cell(
        CONTENT_W - 16, 10, pdf.clean("No data for this period"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_x(MARGIN + 8)
    pdf.font(12, "", MUTED)
    pdf.multi_cell(
        CONTENT_W - 16, 6,
        pdf.clean(
            f"No client of the segment \u201c{report.segment.label}\u201d was scored between "
            f"{date_text(report.start)} and {date_text(report.end)}, and none of their "
            "interventions was open then. Scores are written by the daily scoring job: check "
            "when it last ran on the System status page, or choose a longer period."
        ),
        align="L", new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    pdf.set_y(top + 50)


def _headline_tiles(pdf: ReportPdf) -> None:
    rows = pdf.report.kpis.set_index("kpi")
    gap = 5.0
    width = (CONTENT_W - gap * (len(HEADLINE_KPIS) - 1)) / len(HEADLINE_KPIS)
    top = pdf.get_y()
    for index, key in enumerate(HEADLINE_KPIS):
        row = rows.loc[key]
        x = MARGIN + index * (width + gap)
        pdf.set_fill_color(*SOFT)
        pdf.set_draw_color(*BORDER)
        pdf.rect(x, top, width, 38, style="DF")
        pdf.set_xy(x + 4, top + 4)
        pdf.font(10, "", MUTED)
        pdf.multi_cell(width - 8, 4.6, pdf.clean(row["label"]), align="L")
        pdf.set_xy(x + 4, top + 15)
        pdf.font(24, "B", TEXT)
        pdf.cell(width - 8, 11, pdf.clean(row["value_text"]))
        pdf.set_xy(x + 4, top + 28)
        pdf.font(10, "", _rgb(row["change_colour"]))
        change = row["change_text"]
        if not row["counted_now"] and change not in ("no earlier data",):
            change = f"{change} vs previous"
        pdf.cell(width - 8, 5, pdf.clean(change))
    pdf.set_xy(MARGIN, top + 38)


def _kpi_page(pdf: ReportPdf) -> None:
    report = pdf.report
    pdf.new_page("Key performance indicators")
    pdf.paragraph(
        f"This period: {range_text(report.start, report.end)}. Previous period: "
        f"{range_text(report.previous.start, report.previous.end)}. Figures marked \u201cnow\u201d are "
        "counted at the time of the report and have no previous value.",
        9.5, colour=MUTED, height=4.6,
    )  # fmt: skip
    pdf.ln(2)
    section_style = FontFace(emphasis="BOLD", color=PRIMARY, fill_color=(255, 255, 255))
    pdf.font(9)
    with _table(
        pdf, widths=(120, 45, 45, 63), align=("LEFT", "RIGHT", "RIGHT", "RIGHT"), line_height=4.55
    ) as table:
        table.row([pdf.clean(text) for text in ("KPI", "This period", "Previous period", "Change")])
        for section in (HEALTH, RETENTION, INTERVENTIONS):
            row = table.row()
            row.cell(pdf.clean(section), colspan=4, style=section_style)
            for item in report.kpis[report.kpis["section"] == section].itertuples(index=False):
                row = table.row()
                row.cell(pdf.clean(item.label))
                row.cell(pdf.clean(item.value_text), style=FontFace(emphasis="BOLD"))
                row.cell(pdf.clean(item.previous_text), style=FontFace(color=MUTED))
                row.cell(
                    pdf.clean(item.change_text), style=FontFace(color=_rgb(item.change_colour))
                )


def _chart_page(
    pdf: ReportPdf, title: str, explanation: str, figure: go.Figure | None, empty: str
) -> None:
    pdf.new_page(title)
    pdf.paragraph(explanation, 10, colour=MUTED, height=5)
    pdf.ln(2)
    if figure is None:
        pdf.ln(20)
        pdf.paragraph(empty, 14, "B", MUTED, height=8)
        return
    try:
        png = figure_png(figure, width=CHART_WIDTH_PX, height=CHART_HEIGHT_PX)
    except Exception as exc:  # noqa: BLE001 - the report stays useful without the picture
        log.warning("chart %r not drawn: %s: %s", title, type(exc).__name__, exc)
        pdf.ln(20)
        pdf.paragraph(
            "This chart could not be drawn here (the chart renderer is not available); "
            "the Analytics tab shows it.",
            12, "B", MUTED, height=7,
        )  # fmt: skip
        return
    height = CONTENT_W * CHART_HEIGHT_PX / CHART_WIDTH_PX
    room = PAGE_H - MARGIN - 6 - pdf.get_y()
    width = CONTENT_W if height <= room else room * CHART_WIDTH_PX / CHART_HEIGHT_PX
    pdf.image(io.BytesIO(png), x=MARGIN + (CONTENT_W - width) / 2, y=pdf.get_y(), w=width)


def _charts(pdf: ReportPdf) -> None:
    report = pdf.report
    metrics, previous = report.metrics, report.previous
    daily = metrics.daily_scores
    has_scores = daily is not None and len(daily.dropna(subset=[AVERAGE_SCORE])) > 0
    _chart_page(
        pdf,
        "Average health score over time",
        "The mean health score of the clients scored each day, over the risk bands; the dashed line "
        f"is the previous {report.period.days} days, moved forward to line up.",
        score_trend(
            daily, previous=previous.daily_scores, previous_shift_days=report.period.days,
            presentation=True, title="Average health score",
        ) if has_scores else None,
        "No client of this segment was scored in this period.",
    )  # fmt: skip
    risk = metrics.daily_risk_counts
    _chart_page(
        pdf,
        "Clients by risk level over time",
        "How many clients were at each risk level on each scored day: critical at the bottom, low at the top.",
        risk_distribution_over_time(risk, presentation=True, title="Clients by risk level")
        if risk is not None and len(risk) else None,
        "No client of this segment was scored in this period.",
    )  # fmt: skip
    factors = metrics.top_risk_factors
    _chart_page(
        pdf,
        "Top risk factors",
        f"Among the clients whose score fell between the first and the last scored day of the period "
        f"({date_text(_first_day(metrics), missing=DASH)} and {date_text(metrics.score_date, missing=DASH)}): the parts of the "
        "score that fell, by points lost across those clients.",
        top_risk_factors(factors, presentation=True, title="What drove scores down")
        if len(factors) and (factors["total_points_lost"] > 0).any() else None,
        "No client's score fell over this period (or it has fewer than two scored days).",
    )  # fmt: skip
    activity = metrics.intervention_activity
    per = "day" if report.period.days <= 30 else "week (from Monday)"
    _chart_page(
        pdf,
        "Interventions created and completed",
        f"Per {per}: interventions created for the segment's clients against those completed.",
        interventions_created_vs_completed(
            activity, presentation=True, title="Created against completed",
            period_label="Day" if per == "day" else "Week starting",
        ) if activity is not None and activity[[CREATED, COMPLETED]].to_numpy().sum() > 0 else None,
        "No intervention was created or completed in this period.",
    )  # fmt: skip


def _first_day(metrics) -> dt.date | None:
    daily = metrics.daily_scores
    if daily is None or daily.empty:
        return None
    return pd.Timestamp(daily["day"].min()).date()


def _at_risk_page(pdf: ReportPdf) -> None:
    report = pdf.report
    at_risk = report.at_risk
    pdf.new_page("Clients at high or critical risk")
    scored = int(report.clients["score"].notna().sum())
    if at_risk.empty:
        pdf.paragraph(
            f"No client of this segment was at high or critical risk on {date_text(report.metrics.score_date, missing=DASH)}"
            f" ({scored:,} clients scored).",
            12, colour=MUTED, height=6,
        )  # fmt: skip
        return
    shown = at_risk.head(MAX_AT_RISK_ROWS)
    note = f"{len(at_risk):,} of {scored:,} clients scored on {date_text(report.metrics.score_date, missing=DASH)}, lowest score first."
    if len(at_risk) > len(shown):
        note += (
            f" The {len(shown)} lowest are listed; clients.csv of the CSV report lists all of them."
        )
    pdf.paragraph(note, 10, colour=MUTED, height=5)
    pdf.ln(1.5)
    pdf.font(9.5)
    with _table(
        pdf,
        widths=(74, 16, 24, 26, 42, 40, 30, 21),
        align=("LEFT", "RIGHT", "CENTER", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
        line_height=5.4,
    ) as table:
        table.row(
            [
                pdf.clean(text)
                for text in (
                    "Client", "Score", "Risk", "Trend", "Main risk factor", "Owner",
                    "Wedding", "Open",
                )
            ]
        )  # fmt: skip
        for item in shown.itertuples(index=False):
            level = RiskLevel(item.risk_level)
            row = table.row()
            row.cell(pdf.clean(item.name))
            row.cell(f"{int(item.score)}", style=FontFace(emphasis="BOLD"))
            row.cell(
                pdf.clean(level.label),
                style=FontFace(
                    emphasis="BOLD",
                    color=_rgb(theme.RISK_ON_COLOURS[level]),
                    fill_color=_rgb(theme.RISK_COLOURS[level]),
                ),
            )
            row.cell(pdf.clean(trend_label(item.trend)))
            row.cell(pdf.clean(factor_label(item.primary_factor)))
            row.cell(pdf.clean("Unassigned" if pd.isna(item.owner) else item.owner))
            row.cell(pdf.clean(date_text(item.wedding_date) if pd.notna(item.wedding_date) else ""))
            row.cell(f"{int(item.open_interventions)}")


def _percent(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value) * 100:.1f}%"


def _points(value: object) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{float(value):+.1f}".replace("-", "−")


def _count(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{int(value):,}"


def _type_label(value: object) -> str:
    try:
        return InterventionType(str(value)).label
    except ValueError:
        return str(value)


def _performance_page(pdf: ReportPdf) -> None:
    report = pdf.report
    metrics = report.metrics
    pdf.new_page("Intervention performance")
    pdf.paragraph(
        "Created, completed and the rates count the period; open and overdue are counted now. "
        "Success rate = resolved / completed; response rate = the client responded / completed; "
        "score change = the score 14 days after completion minus the score when it was created.",
        9.5, colour=MUTED, height=4.6,
    )  # fmt: skip
    pdf.ln(2)
    by_type = metrics.interventions_by_type
    pdf.paragraph("By type", 12, "B", PRIMARY, height=7)
    pdf.font(9.5)
    _measure_table(
        pdf,
        first="Type",
        rows=[(_type_label(kind), values) for kind, values in by_type.iterrows()],
    )
    pdf.ln(5)
    by_member = metrics.interventions_by_member
    pdf.paragraph("By team member", 12, "B", PRIMARY, height=7)
    pdf.font(9.5)
    if by_member.empty:
        pdf.paragraph(
            "No intervention of this segment's clients has an assignee.", 10, colour=MUTED
        )
        return
    ordered = by_member.sort_values(["member"], kind="stable")
    _measure_table(
        pdf,
        first="Team member",
        rows=[(row["member"], row) for _, row in ordered.iterrows()],
    )


def _measure_table(pdf: ReportPdf, *, first: str, rows: Sequence[tuple[str, pd.Series]]) -> None:
    columns = (
        (first, None),
        ("Open now", lambda v: _count(v[OPEN])),
        ("Overdue now", lambda v: _count(v[OVERDUE])),
        ("Created", lambda v: _count(v[CREATED])),
        ("Completed", lambda v: _count(v[COMPLETED])),
        ("Completion rate", lambda v: _percent(v[COMPLETION_RATE])),
        ("Success rate", lambda v: _percent(v[SUCCESS_RATE])),
        ("Response rate", lambda v: _percent(v[RESPONSE_RATE])),
        ("Time to intervention", lambda v: hours_text(v[AVG_TIME_TO_INTERVENTION_HOURS])),
        ("Time to resolve", lambda v: hours_text(v[AVG_RESOLUTION_HOURS])),
        ("Score change", lambda v: _points(v[AVG_SCORE_IMPROVEMENT])),
    )
    with _table(
        pdf,
        widths=(38, 18, 20, 19, 24, 27, 22, 23, 28, 26, 24),
        align=("LEFT", *(["RIGHT"] * (len(columns) - 1))),
        line_height=5.0,
    ) as table:
        table.row([pdf.clean(name) for name, _ in columns])
        for label, values in rows:
            row = table.row()
            row.cell(pdf.clean(label), style=FontFace(emphasis="BOLD"))
            for _, render in columns[1:]:
                row.cell(pdf.clean(render(values)))


def report_pdf(report: ReportData) -> bytes:
    """The PDF of ``report`` (see the module docstring for its pages)."""
    pdf = ReportPdf(report)
    _cover(pdf)
    _kpi_page(pdf)
    if report.has_data:
        _charts(pdf)
        _at_risk_page(pdf)
        _performance_page(pdf)
    return bytes(pdf.output())
