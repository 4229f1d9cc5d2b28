"""Outcome metrics: pure polars functions, frame in and frame out, each with a definition."""

from dashboard.metrics.definitions import DEFINITIONS, MetricDefinition, definitions_for
from dashboard.metrics.errors import (
    InconsistentAggregateError,
    InvalidCountError,
    InvalidOptionError,
    MetricsError,
    MissingColumnError,
    UnknownCheckError,
)
from dashboard.metrics.groupings import with_groupings
from dashboard.metrics.intervals import rate_with_interval, wilson_bounds, wilson_interval
from dashboard.metrics.rates import completion_rates, filter_vs_all
from dashboard.metrics.suppression import MIN_CELL, suppress_small_cells

__all__ = [
    "DEFINITIONS",
    "MIN_CELL",
    "InconsistentAggregateError",
    "InvalidCountError",
    "InvalidOptionError",
    "MetricDefinition",
    "MetricsError",
    "MissingColumnError",
    "UnknownCheckError",
    "completion_rates",
    "definitions_for",
    "filter_vs_all",
    "rate_with_interval",
    "suppress_small_cells",
    "wilson_bounds",
    "wilson_interval",
    "with_groupings",
]
