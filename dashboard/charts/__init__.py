"""Altair charts of the outcome metrics: aggregated frame in, themed chart out.

Every function takes a frame of ``dashboard.metrics`` (never enrollment rows: more than
``MAX_ROWS`` rows is refused), keyword-only options, and returns a chart carrying the one shared
theme. Suppressed cells never reach a spec; an empty frame gives a "no data" chart.
"""

from dashboard.charts.cohort_windows import cohort_window_chart
from dashboard.charts.completion import completion_rate_chart, status_composition_chart
from dashboard.charts.errors import ChartInputError, MissingColumnsError, TooManyRowsError
from dashboard.charts.export import chart_to_png, chart_to_svg
from dashboard.charts.grades import grade_box_chart, grade_histogram_chart
from dashboard.charts.incidence import cumulative_incidence_chart
from dashboard.charts.inputs import MAX_ROWS
from dashboard.charts.placeholders import PROTECTED, PROTECTED_CELL, SMALL_GROUP
from dashboard.charts.quality import data_quality_chart
from dashboard.charts.spec import ChartSpec, no_data_chart, split_subtitle
from dashboard.charts.theme import (
    OKABE_ITO,
    STATUS_COLOURS,
    THEME_NAME,
    apply_theme,
    strip_theme,
    theme_config,
)
from dashboard.charts.timeline import cohort_timeline_chart

__all__ = [
    "MAX_ROWS",
    "OKABE_ITO",
    "PROTECTED",
    "PROTECTED_CELL",
    "SMALL_GROUP",
    "STATUS_COLOURS",
    "THEME_NAME",
    "ChartInputError",
    "ChartSpec",
    "MissingColumnsError",
    "TooManyRowsError",
    "apply_theme",
    "chart_to_png",
    "chart_to_svg",
    "cohort_timeline_chart",
    "cohort_window_chart",
    "completion_rate_chart",
    "cumulative_incidence_chart",
    "data_quality_chart",
    "grade_box_chart",
    "grade_histogram_chart",
    "no_data_chart",
    "split_subtitle",
    "status_composition_chart",
    "strip_theme",
    "theme_config",
]
