"""Outcome metrics: pure polars functions, frame in and frame out, each with a definition."""

from dashboard.metrics.cohort_windows import cohort_completion_windows
from dashboard.metrics.curve_thinning import thin_curve_for_publication
from dashboard.metrics.definitions import DEFINITIONS, MetricDefinition, definitions_for
from dashboard.metrics.errors import (
    InconsistentAggregateError,
    InvalidCountError,
    InvalidOptionError,
    MetricsError,
    MissingColumnError,
    UnknownCheckError,
)
from dashboard.metrics.grades import grade_histogram, grade_summary
from dashboard.metrics.groupings import with_groupings
from dashboard.metrics.incidence import cumulative_incidence
from dashboard.metrics.intervals import rate_with_interval, wilson_bounds, wilson_interval
from dashboard.metrics.layouts import SuppressionLayout, suppression_layout
from dashboard.metrics.quality import (
    QUALITY_CHECKS,
    QualityCheck,
    checks_failed_by,
    data_quality,
    data_quality_rows,
)
from dashboard.metrics.rates import completion_rates, filter_vs_all
from dashboard.metrics.suppression import MIN_CELL, suppress_small_cells
from dashboard.metrics.time_to_completion import time_to_completion
from dashboard.metrics.timeline import cohort_timeline, cohort_windows_planned
from dashboard.metrics.timeline_publication import published_cohort_timeline

__all__ = [
    "DEFINITIONS",
    "MIN_CELL",
    "QUALITY_CHECKS",
    "InconsistentAggregateError",
    "InvalidCountError",
    "InvalidOptionError",
    "MetricDefinition",
    "MetricsError",
    "MissingColumnError",
    "QualityCheck",
    "SuppressionLayout",
    "UnknownCheckError",
    "checks_failed_by",
    "cohort_completion_windows",
    "cohort_timeline",
    "cohort_windows_planned",
    "completion_rates",
    "cumulative_incidence",
    "data_quality",
    "data_quality_rows",
    "definitions_for",
    "filter_vs_all",
    "grade_histogram",
    "grade_summary",
    "published_cohort_timeline",
    "rate_with_interval",
    "suppress_small_cells",
    "suppression_layout",
    "thin_curve_for_publication",
    "time_to_completion",
    "wilson_bounds",
    "wilson_interval",
    "with_groupings",
]
