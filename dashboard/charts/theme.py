"""The one chart theme: fonts, sizes, the Okabe-Ito palette, status colours and number formats.

Every chart function ends with :func:`apply_theme`, so a chart looks the same in Streamlit
(``st.altair_chart(chart, theme=None)``), a notebook or an exported PNG/SVG, whatever altair theme
is globally active. The same configuration is also registered as the altair theme
``"enrollment-outcomes"`` for ad-hoc charts in notebooks.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, Final, TypeVar

import altair as alt

from dashboard.charts.placeholders import SMALL_GROUP

THEME_NAME: Final = "enrollment-outcomes"

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision
# deficiencies. Black is left out of the category cycle: it is kept for reference marks.
OKABE_ITO: Final[Mapping[str, str]] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
CATEGORY_PALETTE: Final = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["yellow"],
)

# One colour per completion status, the same in every chart (legends, stacks, curves, timelines).
STATUS_COLOURS: Final[Mapping[str, str]] = {
    "completed": OKABE_ITO["bluish_green"],
    "enrolled": OKABE_ITO["sky_blue"],
    "dropped": OKABE_ITO["vermillion"],
}
STATUS_ORDER: Final = ("completed", "enrolled", "dropped")

# Marks that stand for "no value here" (suppressed, in progress, no normal time).
PLACEHOLDER_FILL: Final = "#EEEEEE"
PLACEHOLDER_STROKE: Final = "#9E9E9E"
PLACEHOLDER_TEXT: Final = "#616161"
INTERVAL_COLOUR: Final = "#333333"

RATE_FORMAT: Final = ".0%"
RATE_DETAIL_FORMAT: Final = ".1%"
COUNT_FORMAT: Final = ",d"
GRADE_FORMAT: Final = ".2f"
DAYS_FORMAT: Final = ",.0f"
MONTH_FORMAT: Final = "%b %Y"
DATE_FORMAT: Final = "%Y-%m-%d"

FONT: Final = "'Source Sans Pro', 'Segoe UI', 'Helvetica Neue', Arial, sans-serif"
LABEL_SIZE: Final = 12
TITLE_SIZE: Final = 13
HEADING_SIZE: Final = 16
# Characters of subtitle that fit the narrowest chart (480 px at LABEL_SIZE) on one line.
SUBTITLE_CHARACTERS: Final = 76

SUPPRESSED_LABEL: Final = SMALL_GROUP  # the one "n<10" (see dashboard.charts.placeholders)
NO_DATA_MESSAGE: Final = "No data for this selection"

ChartT = TypeVar(
    "ChartT",
    alt.Chart,
    alt.LayerChart,
    alt.FacetChart,
    alt.VConcatChart,
    alt.HConcatChart,
    alt.ConcatChart,
)


def theme_config() -> alt.theme.ThemeConfig:
    """The theme as a Vega-Lite top-level config (fonts, sizes, palette, number formats)."""
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "numberFormat": ",",
            "title": {
                "fontSize": HEADING_SIZE,
                "fontWeight": "bold",
                "anchor": "start",
                "subtitleFontSize": LABEL_SIZE,
                "subtitleColor": PLACEHOLDER_TEXT,
            },
            "axis": {
                "labelFontSize": LABEL_SIZE,
                "titleFontSize": TITLE_SIZE,
                "titleFontWeight": "normal",
                "gridColor": "#E5E5E5",
                "labelLimit": 220,
                # Labels closer than this count as overlapping and are thinned out (narrow
                # charts otherwise run "1,200" into "1,400").
                "labelSeparation": 6,
            },
            "legend": {
                "labelFontSize": LABEL_SIZE,
                "titleFontSize": TITLE_SIZE,
                "titleFontWeight": "normal",
                "orient": "bottom",
            },
            "header": {"labelFontSize": LABEL_SIZE, "titleFontSize": TITLE_SIZE},
            "text": {"fontSize": LABEL_SIZE},
            "range": {"category": list(CATEGORY_PALETTE)},
            "view": {"continuousWidth": 480, "continuousHeight": 300, "stroke": None},
            "bar": {"color": OKABE_ITO["blue"]},
            "line": {"color": OKABE_ITO["blue"], "strokeWidth": 2},
        }
    }


@functools.cache
def _theme_config_object() -> alt.Config:
    # Built once: parsing the theme's dict into Altair's schema objects cost about a quarter of
    # building a chart. Charts share it and never change it (``configure_*`` copies it first).
    config: Mapping[str, Any] = theme_config()["config"]
    return alt.Config(**config)


def _top_level_copy(chart: ChartT) -> ChartT:
    """``chart.copy(deep=False)`` without running the chart's constructor again (for a layered
    chart that re-combines and deep-copies every layer, though they were combined already)."""
    copied: ChartT = object.__new__(type(chart))
    object.__setattr__(copied, "_args", chart._args)
    object.__setattr__(copied, "_kwds", dict(chart._kwds))
    return copied


def apply_theme(chart: ChartT) -> ChartT:
    """Return ``chart`` with the theme's config set on it (top-level charts only), its subtitle
    lines wrapped so that none is cut off at the chart's width."""
    themed = _top_level_copy(chart)
    themed.config = _theme_config_object()
    title = themed.title
    if isinstance(title, alt.Title) and isinstance(title.subtitle, list):
        themed.title = alt.Title(
            **{**title.to_dict(validate=False), "subtitle": wrap_lines(title.subtitle)}
        )
    return themed


def wrap_lines(lines: Sequence[str], *, width: int = SUBTITLE_CHARACTERS) -> list[str]:
    """Each line broken at spaces into lines of at most ``width`` characters (words kept whole)."""
    wrapped: list[str] = []
    for line in lines:
        wrapped += textwrap.wrap(line, width=width, break_long_words=False) or [""]
    return wrapped


def strip_theme(chart: ChartT) -> ChartT:
    """Return a copy of ``chart`` without config, so it can be layered or concatenated.

    Altair refuses to compose charts that carry a config; strip the parts, compose, then call
    :func:`apply_theme` on the composition.
    """
    bare: ChartT = chart.copy(deep=False)
    bare.config = alt.Undefined
    return bare


@alt.theme.register(THEME_NAME, enable=False)
def _registered_theme() -> alt.theme.ThemeConfig:
    return theme_config()


def status_scale() -> alt.Scale:
    """Colour scale mapping each completion status to its fixed colour."""
    return alt.Scale(
        domain=list(STATUS_ORDER), range=[STATUS_COLOURS[status] for status in STATUS_ORDER]
    )
