"""The Overview's headline numbers: each with its n, and its change vs the previous intake year.

A KPI's value covers the filtered enrollments. Its change compares the latest intake year in
the selection with the year before it (same measure, each year on its own enrollments), and is
left out when either year's value is suppressed. Counts and rates pass the small-cell rule
(with complementary suppression over the status counts of the one row); grade and time
statistics are hidden when their base count is below the minimum cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from dashboard.metrics import MIN_CELL, completion_rates, suppress_small_cells

__all__ = ["KPI_CHANGE_DEFINITION", "Kpi", "KpiComparison", "comparison_years", "overview_kpis"]

SUPPRESSED = "n<10"
KPI_CHANGE_DEFINITION = (
    "Each headline figure covers the enrollments in the current filter. Its change compares the "
    "same figure for the latest intake year in the filter (up to the extract date) with the "
    "intake year before it, each computed on its own enrollments: counts as a difference, rates "
    "in percentage points, the median grade in grade points and the median time in days. The "
    "change is left out when either year's figure is suppressed or a year has no enrollments. "
    "Recent intake years have had less time to complete."
)


@dataclass(frozen=True)
class KpiComparison:
    """The latest intake year in the selection and the one before it."""

    latest: int
    previous: int


@dataclass(frozen=True)
class Kpi:
    """One headline number, ready to show."""

    key: str
    label: str
    value: str
    n_text: str
    delta: str | None
    delta_note: str | None
    interval: str | None = None
    help: str | None = None


def _count(value: Any) -> str:
    return SUPPRESSED if value is None else f"{int(value):,}"


def _rate(value: Any) -> str:
    return SUPPRESSED if value is None else f"{float(value):.1%}"


def _interval(low: Any, high: Any) -> str | None:
    if low is None or high is None:
        return None
    return f"95% CI {float(low):.1%} – {float(high):.1%}"


def comparison_years(enrollments: pl.DataFrame, *, as_of: datetime) -> KpiComparison | None:
    """The latest intake year up to ``as_of`` and the previous one, when both have enrollments.

    Intake years after the extract date (enrollment dates in the future, a data-quality flag)
    are not compared.
    """
    years = {
        year
        for year in enrollments.get_column("intake_year").drop_nulls().to_list()
        if year <= as_of.year
    }
    if not years:
        return None
    latest = max(years)
    if latest - 1 not in years:
        return None
    return KpiComparison(latest=latest, previous=latest - 1)


def _published_rates(enrollments: pl.DataFrame, *, by: list[str], min_cell: int) -> pl.DataFrame:
    return suppress_small_cells(completion_rates(enrollments, by=by), min_cell=min_cell)


def _statistic(values: pl.Series, *, min_cell: int) -> tuple[float | None, int]:
    present = values.drop_nulls()
    n = present.len()
    if n < min_cell:
        return None, n
    median = present.median()
    return (None if median is None else float(median)), n  # type: ignore[arg-type]


def _grade(enrollments: pl.DataFrame, *, min_cell: int) -> tuple[float | None, int]:
    return _statistic(enrollments.get_column("grade"), min_cell=min_cell)


def _days_to_complete(enrollments: pl.DataFrame, *, min_cell: int) -> tuple[float | None, int]:
    completers = enrollments.filter(
        (pl.col("completion_status").cast(pl.String) == "completed")
        & pl.col("completed_at").is_not_null()
        & (pl.col("completed_at") >= pl.col("enrolled_at"))
    )
    days = (
        completers.get_column("completed_at") - completers.get_column("enrolled_at")
    ).dt.total_days()
    return _statistic(days.cast(pl.Float64), min_cell=min_cell)


def _delta_count(latest: Any, previous: Any) -> str | None:
    if latest is None or previous is None:
        return None
    return f"{int(latest) - int(previous):+,}"


def _delta_points(latest: Any, previous: Any) -> str | None:
    if latest is None or previous is None:
        return None
    return f"{(float(latest) - float(previous)) * 100:+.1f} pp"


def _delta_value(latest: float | None, previous: float | None, unit: str) -> str | None:
    if latest is None or previous is None:
        return None
    return f"{latest - previous:+.2f}{unit}" if unit == "" else f"{latest - previous:+,.0f}{unit}"


def _row(frame: pl.DataFrame, year: int | None) -> Mapping[str, Any]:
    if year is None:
        return frame.row(0, named=True)
    match = frame.filter(pl.col("intake_year") == year)
    return match.row(0, named=True) if match.height else {}


def overview_kpis(
    enrollments: pl.DataFrame, *, as_of: datetime, min_cell: int = MIN_CELL
) -> list[Kpi]:
    """The Overview KPIs for ``enrollments`` (filtered, with ``intake_year``).

    Enrollments, active (still enrolled), completion rate (with its 95% Wilson interval),
    dropout rate, median grade (graded enrollments) and median days to completion (completers
    only), each with its n and its change vs the previous intake year.
    """
    overall = _row(_published_rates(enrollments, by=[], min_cell=min_cell), None)
    years = comparison_years(enrollments, as_of=as_of)
    note = f"{years.latest} vs {years.previous} intake" if years else None
    latest: Mapping[str, Any] = {}
    previous: Mapping[str, Any] = {}
    grade_latest = grade_previous = days_latest = days_previous = None
    if years is not None:
        pair = enrollments.filter(pl.col("intake_year").is_in([years.latest, years.previous]))
        by_year = _published_rates(pair, by=["intake_year"], min_cell=min_cell)
        latest, previous = _row(by_year, years.latest), _row(by_year, years.previous)
        latest_rows = pair.filter(pl.col("intake_year") == years.latest)
        previous_rows = pair.filter(pl.col("intake_year") == years.previous)
        grade_latest = _grade(latest_rows, min_cell=min_cell)[0]
        grade_previous = _grade(previous_rows, min_cell=min_cell)[0]
        days_latest = _days_to_complete(latest_rows, min_cell=min_cell)[0]
        days_previous = _days_to_complete(previous_rows, min_cell=min_cell)[0]

    n_text = f"n = {_count(overall.get('n'))} enrollments"
    grade, n_graded = _grade(enrollments, min_cell=min_cell)
    days, n_completers = _days_to_complete(enrollments, min_cell=min_cell)
    n_graded_text = _count(n_graded if n_graded >= min_cell else None)
    n_completers_text = _count(n_completers if n_completers >= min_cell else None)
    return [
        Kpi(
            key="enrollments",
            label="Enrollments",
            value=_count(overall.get("n")),
            n_text="all statuses",
            delta=_delta_count(latest.get("n"), previous.get("n")),
            delta_note=note,
        ),
        Kpi(
            key="active",
            label="Active (enrolled)",
            value=_count(overall.get("enrolled")),
            n_text=n_text,
            delta=_delta_count(latest.get("enrolled"), previous.get("enrolled")),
            delta_note=note,
        ),
        Kpi(
            key="completion_rate",
            label="Completion rate",
            value=_rate(overall.get("completion_rate")),
            n_text=n_text,
            delta=_delta_points(latest.get("completion_rate"), previous.get("completion_rate")),
            delta_note=note,
            interval=_interval(
                overall.get("completion_rate_ci_low"), overall.get("completion_rate_ci_high")
            ),
            help="completed / n, where n counts every enrollment whatever its status.",
        ),
        Kpi(
            key="dropout_rate",
            label="Dropout rate",
            value=_rate(overall.get("dropout_rate")),
            n_text=n_text,
            delta=_delta_points(latest.get("dropout_rate"), previous.get("dropout_rate")),
            delta_note=note,
            interval=_interval(
                overall.get("dropout_rate_ci_low"), overall.get("dropout_rate_ci_high")
            ),
            help="dropped / n, where n counts every enrollment whatever its status.",
        ),
        Kpi(
            key="median_grade",
            label="Median grade",
            value=SUPPRESSED if grade is None else f"{grade:.2f}",
            n_text=f"n = {n_graded_text} graded",
            delta=_delta_value(grade_latest, grade_previous, ""),
            delta_note=note,
            help="Over enrollments that have a grade (0-10).",
        ),
        Kpi(
            key="median_days",
            label="Median time to completion",
            value=SUPPRESSED if days is None else f"{days:,.0f} days",
            n_text=f"n = {n_completers_text} completers",
            delta=_delta_value(days_latest, days_previous, " days"),
            delta_note=note,
            help="Completers only: biased toward fast finishers (see Completion for the curves).",
        ),
    ]
