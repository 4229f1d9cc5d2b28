"""Grade reports: the histogram per course and the per-course summary, suppressed."""

from __future__ import annotations

import polars as pl

from dashboard.metrics import (
    grade_histogram,
    grade_summary,
    suppress_small_cells,
    suppression_layout,
)

__all__ = ["grade_distribution", "grade_summary_by_course"]

_COURSE = ["course_uuid", "course_name"]


def grade_distribution(
    enrollments: pl.DataFrame, *, min_cell: int = 10, bin_width: float = 0.5
) -> pl.DataFrame:
    """Graded enrollments per grade bin (0-10, closed left, last bin closed) for each course.

    Columns: course_uuid, course_name, bin_start, bin_end, bin_label, count, suppressed,
    suppression_note. Every bin is listed; a bin count below ``min_cell`` (0 included) and the
    counts that would reveal it are null.
    """
    table = grade_histogram(enrollments, by=_COURSE, bin_width=bin_width)
    return suppress_small_cells(
        table, min_cell=min_cell, **suppression_layout("grade_histogram", by=_COURSE)
    ).sort("course_name", "course_uuid", "bin_start", nulls_last=True)


def grade_summary_by_course(
    enrollments: pl.DataFrame, *, min_cell: int = 10, pass_mark: float = 5.0
) -> pl.DataFrame:
    """Grade counts, quartiles, mean and the share below the pass mark, per course.

    Columns: course_uuid, course_name, n, n_graded, n_ungraded (no grade, or a grade outside
    0-10), mean, q1, median, q3, below_threshold, below_threshold_rate (+ ci_low, ci_high),
    pass_mark, suppressed, suppression_note. Minimum and maximum are one student's grade each, so
    they are not published.
    """
    table = grade_summary(enrollments, by=_COURSE, pass_mark=pass_mark)
    published = suppress_small_cells(
        table, min_cell=min_cell, **suppression_layout("grade_summary", by=_COURSE)
    )
    return published.drop("min", "max").sort("course_name", "course_uuid", nulls_last=True)
