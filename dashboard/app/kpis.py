"""The Overview's headline numbers: each with its n, and its change between two intake years.

A KPI's value covers the filtered enrollments. Its change compares the last two *complete* intake
years before the extract date (extract in 2026: 2025 vs 2024; the current year's intake is still
arriving and has had only months to complete), same measure, each year on its own enrollments,
taken from the by-intake-year tables the pages publish, and is left out when either year's value
is suppressed there. Every value comes from the same published
tables as the other pages (``dashboard.app.published``), so the Overview never shows a number
the small-cell rule hides elsewhere, and its medians are those of the Grades and Completion pages.
A hidden value reads "n<10" when its group is too small and "hidden" when it was hidden to
protect a small count (``dashboard.charts.placeholders``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from dashboard.app.published import (
    completion_table,
    grade_summary_table,
    time_to_completion_table,
)
from dashboard.charts.placeholders import PROTECTED, is_small_group_note, placeholder
from dashboard.publication import DEFAULT_POLICY, MIN_CELL, DisclosurePolicy

__all__ = [
    "KPI_CHANGE_DEFINITION",
    "TIME_CAVEAT",
    "Kpi",
    "KpiComparison",
    "comparison_years",
    "overview_kpis",
]

TIME_CAVEAT = (
    "Later intakes have had less time to complete, so a change in completion partly reflects "
    "time, not performance."
)
KPI_CHANGE_DEFINITION = (
    "Each headline figure covers the enrollments in the current filter. Its change compares the "
    "same figure for the last two complete intake years before the extract date (with an extract "
    "in 2026: the 2025 intake vs the 2024 intake; the current year's intake is still arriving), "
    "each computed on its own enrollments and read from the by-intake-year tables the pages "
    "publish: counts as a difference, rates in percentage points, the median grade in grade "
    "points and the median time in days. The change is left out when either year's figure is "
    "suppressed in those tables or a year has no enrollments in the filter. " + TIME_CAVEAT
)


@dataclass(frozen=True)
class KpiComparison:
    """The last complete intake year in the selection and the one before it."""

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


def _hidden(note: Any) -> str:
    """A hidden KPI value: "n<10" (the group is too small) or "hidden" (protects a small count)."""
    return placeholder(note, short=True)


def _count(value: Any, note: Any) -> str:
    return _hidden(note) if value is None else f"{int(value):,}"


def _n(value: Any, noun: str, note: Any) -> str:
    """The n of a KPI ("n = 1,234 graded"), "n<10 graded" when the group is too small, or
    "n graded hidden to protect a small count"."""
    if value is not None:
        return f"n = {int(value):,} {noun}"
    if note is None or is_small_group_note(note):
        return f"{placeholder(note)} {noun}"
    return f"n {noun} {PROTECTED}"


def _rate(value: Any, note: Any) -> str:
    return _hidden(note) if value is None else f"{float(value):.1%}"


def _n_text(n_text: str, value: Any, note: Any) -> str:
    """The KPI's n, and why its value is hidden when its n is shown (never "n<10" beside an n)."""
    if value is None and n_text.startswith("n = ") and not is_small_group_note(note):
        return f"{n_text} · value {PROTECTED}"
    return n_text


def _interval(low: Any, high: Any) -> str | None:
    if low is None or high is None:
        return None
    return f"95% CI {float(low):.1%} – {float(high):.1%}"


def comparison_years(enrollments: pl.DataFrame, *, as_of: datetime) -> KpiComparison | None:
    """The last two complete intake years before ``as_of``, when both have enrollments.

    An intake year is complete once it has ended: with an extract in 2026 that is 2025 and
    earlier. The current year's intake (months old, still arriving) and intake years after the
    extract date (a data-quality flag) are not compared.
    """
    years = {
        year
        for year in enrollments.get_column("intake_year").drop_nulls().unique().to_list()
        if year < as_of.year
    }
    if not years:
        return None
    latest = max(years)
    if latest - 1 not in years:
        return None
    return KpiComparison(latest=latest, previous=latest - 1)


def _published(
    enrollments: pl.DataFrame, *, by: list[str], min_cell: int, policy: DisclosurePolicy
) -> pl.DataFrame:
    """Rates, grade summary and time to completion side by side, each published on its own
    (with each table's suppression note: ``rates_note``, ``grades_note``, ``days_note``)."""
    rates = completion_table(enrollments, by=by, min_cell=min_cell, policy=policy).select(
        *by, "n", "enrolled", *_RATE_COLUMNS, pl.col("suppression_note").alias("rates_note")
    )
    grades = grade_summary_table(enrollments, by=by, min_cell=min_cell, policy=policy).select(
        *by,
        pl.col("median").alias("median_grade"),
        "n_graded",
        pl.col("suppression_note").alias("grades_note"),
    )
    days = time_to_completion_table(enrollments, by=by, min_cell=min_cell, policy=policy).select(
        *by, "median_days", "n_completers", pl.col("suppression_note").alias("days_note")
    )
    if not by:
        return pl.concat([rates, grades, days], how="horizontal")
    rates = rates.filter(pl.col(by[0]).is_not_null())  # drop the total row
    return rates.join(grades, on=by, how="left").join(days, on=by, how="left")


def _delta_count(latest: Any, previous: Any) -> str | None:
    if latest is None or previous is None:
        return None
    return f"{int(latest) - int(previous):+,}"


def _delta_points(latest: Any, previous: Any) -> str | None:
    if latest is None or previous is None:
        return None
    return f"{(float(latest) - float(previous)) * 100:+.1f} pp"


def _delta_value(latest: Any, previous: Any, unit: str) -> str | None:
    if latest is None or previous is None:
        return None
    change = float(latest) - float(previous)
    return f"{change:+.2f}{unit}" if unit == "" else f"{change:+,.0f}{unit}"


_RATE_COLUMNS = (
    "completion_rate",
    "completion_rate_ci_low",
    "completion_rate_ci_high",
    "dropout_rate",
    "dropout_rate_ci_low",
    "dropout_rate_ci_high",
)


def _row(frame: pl.DataFrame, year: int | None) -> Mapping[str, Any]:
    if year is None:
        return frame.row(0, named=True)
    match = frame.filter(pl.col("intake_year") == year)
    return match.row(0, named=True) if match.height else {}


def overview_kpis(
    enrollments: pl.DataFrame,
    *,
    as_of: datetime,
    min_cell: int = MIN_CELL,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> list[Kpi]:
    """The Overview KPIs for ``enrollments`` (filtered, with ``intake_year``).

    Enrollments, active (still enrolled), completion rate (with its 95% Wilson interval),
    dropout rate, median grade (graded enrollments) and median days to completion (completers
    only), each with its n and its change between the last two complete intake years.
    """
    overall = _row(_published(enrollments, by=[], min_cell=min_cell, policy=policy), None)
    years = comparison_years(enrollments, as_of=as_of)
    note = f"{years.latest} vs {years.previous} intake" if years else None
    change_help = (
        f" Change: the {years.latest} intake vs the {years.previous} intake, the last two "
        "complete intake years before the extract date."
        if years
        else ""
    )
    latest: Mapping[str, Any] = {}
    previous: Mapping[str, Any] = {}
    if years is not None:
        # The by-year tables of every intake year, as the pages publish them (completion by
        # intake year, grades and time to completion by intake year): a pair of years suppressed
        # on its own would hide other cells, and its values beside the pages' could reveal one.
        by_year = _published(enrollments, by=["intake_year"], min_cell=min_cell, policy=policy)
        latest, previous = _row(by_year, years.latest), _row(by_year, years.previous)

    rates_note = overall.get("rates_note")
    n_text = _n(overall.get("n"), "enrollments", rates_note)
    grade = overall.get("median_grade")
    grades_note = overall.get("grades_note")
    days = overall.get("median_days")
    days_note = overall.get("days_note")
    return [
        Kpi(
            key="enrollments",
            label="Enrollments",
            value=_count(overall.get("n"), rates_note),
            n_text="all statuses",
            delta=_delta_count(latest.get("n"), previous.get("n")),
            delta_note=note,
            help=("Enrollments in the current filter, whatever their status." + change_help),
        ),
        Kpi(
            key="active",
            label="Active (enrolled)",
            value=_count(overall.get("enrolled"), rates_note),
            n_text=_n_text(n_text, overall.get("enrolled"), rates_note),
            delta=_delta_count(latest.get("enrolled"), previous.get("enrolled")),
            delta_note=note,
            help="Enrollments still enrolled (not completed, not dropped)." + change_help,
        ),
        Kpi(
            key="completion_rate",
            label="Completion rate",
            value=_rate(overall.get("completion_rate"), rates_note),
            n_text=_n_text(n_text, overall.get("completion_rate"), rates_note),
            delta=_delta_points(latest.get("completion_rate"), previous.get("completion_rate")),
            delta_note=note,
            interval=_interval(
                overall.get("completion_rate_ci_low"), overall.get("completion_rate_ci_high")
            ),
            help="completed / n, where n counts every enrollment whatever its status."
            + change_help
            + (f" {TIME_CAVEAT}" if years else ""),
        ),
        Kpi(
            key="dropout_rate",
            label="Dropout rate",
            value=_rate(overall.get("dropout_rate"), rates_note),
            n_text=_n_text(n_text, overall.get("dropout_rate"), rates_note),
            delta=_delta_points(latest.get("dropout_rate"), previous.get("dropout_rate")),
            delta_note=note,
            interval=_interval(
                overall.get("dropout_rate_ci_low"), overall.get("dropout_rate_ci_high")
            ),
            help="dropped / n, where n counts every enrollment whatever its status."
            + change_help
            + (" Later intakes have had less time to drop out, too." if years else ""),
        ),
        Kpi(
            key="median_grade",
            label="Median grade",
            value=_hidden(grades_note) if grade is None else f"{grade:.2f}",
            n_text=_n_text(_n(overall.get("n_graded"), "graded", grades_note), grade, grades_note),
            delta=_delta_value(latest.get("median_grade"), previous.get("median_grade"), ""),
            delta_note=note,
            help="Over enrollments that have a grade (0-10)." + change_help,
        ),
        Kpi(
            key="median_days",
            label="Median time to completion",
            value=_hidden(days_note) if days is None else f"{days:,.0f} days",
            n_text=_n_text(
                _n(overall.get("n_completers"), "completers", days_note), days, days_note
            ),
            delta=_delta_value(latest.get("median_days"), previous.get("median_days"), " days"),
            delta_note=note,
            help="Completers only: biased toward fast finishers (see the curves: Completion, "
            "Over time tab)."
            + change_help
            + (
                " Later intakes have had less time, so their completers are the fast ones."
                if years
                else ""
            ),
        ),
    ]
