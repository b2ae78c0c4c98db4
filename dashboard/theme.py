"""Colours, type sizes and the plotly template shared by every chart.

The palette matches ``assets/2-app/app.css``: a calm slate blue for ordinary
series and greys for text and grid lines; green, amber, orange and red are
kept for the risk levels of ``scoring.enums.RiskLevel`` and never used for
anything else. Charts come in two sizes of type: the normal one for a laptop
and a larger one (``presentation=True``) for the weekly review on a projector;
both are laid out for a 1280x720 screen.

Nothing here touches plotly's global state: figure builders apply
``template(presentation)`` to each figure. ``register_templates()`` is there
for an application that wants ``"csd"`` and ``"csd_presentation"`` as named
templates too.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio

from scoring.enums import RiskLevel, Trend

# -- palette ---------------------------------------------------------------------------

PRIMARY = "#2f5d8a"
PRIMARY_DARK = "#244a6f"
ACCENT = "#5b7fa6"
PRIMARY_LIGHT = "#9dbad8"
PRIMARY_SOFT = "#e8eff6"
PLUM = "#7b4f8e"
SURFACE = "#ffffff"
BACKGROUND = "#f4f6f9"
BORDER = "#dde3ea"
GRID = "#e6eaef"
TEXT = "#1f2a37"
TEXT_MUTED = "#5b6877"
NO_DATA = "#9aa5b1"

# Series that are not risk levels, in the order charts take them.
SERIES_COLOURS: tuple[str, ...] = (PRIMARY, PRIMARY_LIGHT, PLUM, TEXT_MUTED, PRIMARY_DARK)

RISK_COLOURS: dict[RiskLevel, str] = {
    RiskLevel.LOW: "#2e7d32",
    RiskLevel.MEDIUM: "#f9a825",
    RiskLevel.HIGH: "#ef6c00",
    RiskLevel.CRITICAL: "#c62828",
}

# Risk colours dark enough for text on white (amber and orange are not).
RISK_TEXT_COLOURS: dict[RiskLevel, str] = {
    RiskLevel.LOW: "#2e7d32",
    RiskLevel.MEDIUM: "#8a6100",
    RiskLevel.HIGH: "#b34f00",
    RiskLevel.CRITICAL: "#c62828",
}

# Text drawn on a solid risk colour.
RISK_ON_COLOURS: dict[RiskLevel, str] = {
    RiskLevel.LOW: "#ffffff",
    RiskLevel.MEDIUM: TEXT,
    RiskLevel.HIGH: "#ffffff",
    RiskLevel.CRITICAL: "#ffffff",
}

TREND_COLOURS: dict[Trend, str] = {
    Trend.IMPROVING: RISK_COLOURS[RiskLevel.LOW],
    Trend.STABLE: TEXT_MUTED,
    Trend.DECLINING: RISK_COLOURS[RiskLevel.CRITICAL],
}

# Fill opacity of the risk bands drawn behind score lines.
BAND_OPACITY = 0.10


def rgba(colour: str, opacity: float) -> str:
    """``#rrggbb`` as an ``rgba(...)`` string with the given opacity (0-1)."""
    value = colour.lstrip("#")
    red, green, blue = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red}, {green}, {blue}, {opacity:g})"


def risk_colour(level: RiskLevel | str) -> str:
    """Solid colour of a risk level (``"low"`` or ``RiskLevel.LOW`` alike)."""
    return RISK_COLOURS[RiskLevel(level)]


# -- type ------------------------------------------------------------------------------

FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", '
    '"Liberation Sans", Arial, sans-serif'
)


@dataclass(frozen=True)
class TypeScale:
    """Font sizes in pixels for one viewing distance."""

    base: int
    title: int
    subtitle: int
    axis_title: int
    tick: int
    legend: int
    annotation: int
    hover: int
    small: int


NORMAL_TYPE = TypeScale(base=14, title=20, subtitle=14, axis_title=14, tick=13, legend=13,
                        annotation=13, hover=14, small=12)  # fmt: skip
PRESENTATION_TYPE = TypeScale(base=18, title=26, subtitle=18, axis_title=18, tick=17, legend=17,
                              annotation=17, hover=18, small=15)  # fmt: skip


def type_scale(presentation: bool = False) -> TypeScale:
    """The font sizes for a laptop (default) or a projector (``presentation=True``)."""
    return PRESENTATION_TYPE if presentation else NORMAL_TYPE


# -- plotly template -------------------------------------------------------------------

# Screen the charts are designed for (the weekly review's projector).
SCREEN_WIDTH = 1280
SCREEN_HEIGHT = 720
# The narrowest card a chart is drawn in: half the screen. Titles, subtitles
# and legends are kept to what fits this width.
CARD_WIDTH = SCREEN_WIDTH // 2

# The title sits at the top left of the figure (not of the plot area, which
# starts wherever the y axis labels end), this many pixels in from each edge.
TITLE_PAD_LEFT = 12
TITLE_PAD_TOP = 10


def _axis(sizes: TypeScale) -> dict:
    return {
        "automargin": True,
        "showgrid": True,
        "gridcolor": GRID,
        "gridwidth": 1,
        "zeroline": False,
        "showline": True,
        "linecolor": BORDER,
        "ticks": "outside",
        "tickcolor": BORDER,
        "ticklen": 4,
        "tickfont": {"size": sizes.tick, "color": TEXT_MUTED},
        "title": {"font": {"size": sizes.axis_title, "color": TEXT}, "standoff": 10},
    }


def _template(presentation: bool) -> go.layout.Template:
    sizes = type_scale(presentation)
    return go.layout.Template(
        layout={
            "font": {"family": FONT_FAMILY, "size": sizes.base, "color": TEXT},
            "title": {
                "font": {"size": sizes.title, "color": TEXT},
                "subtitle": {"font": {"size": sizes.subtitle, "color": TEXT_MUTED}},
                "x": 0.0,
                "xref": "container",
                "xanchor": "left",
                "y": 1.0,
                "yref": "container",
                "yanchor": "top",
                "pad": {"l": TITLE_PAD_LEFT, "t": TITLE_PAD_TOP},
            },
            "paper_bgcolor": SURFACE,
            "plot_bgcolor": SURFACE,
            "colorway": list(SERIES_COLOURS),
            "margin": {"l": 24, "r": 32, "t": 136 if presentation else 112, "b": 40, "pad": 4},
            "xaxis": _axis(sizes),
            "yaxis": _axis(sizes),
            "legend": {
                "orientation": "h",
                "x": 1.0,
                "xanchor": "right",
                "y": 1.0,
                "yanchor": "bottom",
                "font": {"size": sizes.legend, "color": TEXT},
                "bgcolor": "rgba(0,0,0,0)",
                "title": {"text": ""},
            },
            "hoverlabel": {
                "font": {"size": sizes.hover, "family": FONT_FAMILY, "color": TEXT},
                "bgcolor": SURFACE,
                "bordercolor": BORDER,
                "align": "left",
            },
            "hovermode": "closest",
            "bargap": 0.25,
            "bargroupgap": 0.08,
            "annotationdefaults": {"font": {"size": sizes.annotation, "color": TEXT}},
        },
    )


_TEMPLATES = {False: _template(False), True: _template(True)}


def template(presentation: bool = False) -> go.layout.Template:
    """The plotly template of the dashboard, with larger type when ``presentation``."""
    return _TEMPLATES[bool(presentation)]


def register_templates() -> None:
    """Add the templates to ``plotly.io.templates`` as ``"csd"`` and ``"csd_presentation"``."""
    pio.templates["csd"] = template(False)
    pio.templates["csd_presentation"] = template(True)


# ``dcc.Graph(config=GRAPH_CONFIG)``: no plotly logo, and images saved at the projector's size.
GRAPH_CONFIG: dict = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "width": SCREEN_WIDTH, "height": SCREEN_HEIGHT},
}
