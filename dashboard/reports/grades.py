"""Grade reports: the histogram per course and the per-course summary, published."""

from __future__ import annotations

import polars as pl

from dashboard.publication import (
    MIN_CELL,
    DisclosurePolicy,
    grade_histogram_table,
    grade_summary_table,
)
from dashboard.publication.policy import DEFAULT_POLICY

__all__ = ["grade_distribution", "grade_summary_by_course"]

_COURSE = ["course_uuid", "course_name"]


def grade_distribution(
    enrollments: pl.DataFrame,
    *,
    min_cell: int = MIN_CELL,
    bin_width: float = 0.5,
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
) -> pl.DataFrame:
    """Graded enrollments per grade bin (0-10, closed left, last bin closed) for each course.

    Columns: course_uuid, course_name, bin_start, bin_end, bin_label, count, suppressed,
    suppression_note. Every bin is listed. ``internal``: a course with fewer than ``min_cell``
    graded enrollments shows no bin; ``public``: a bin count below ``min_cell`` (0 included) and
    the counts that would reveal it are null.
    """
    return grade_histogram_table(
        enrollments, by=_COURSE, bin_width=bin_width, min_cell=min_cell, policy=policy
    ).sort("course_name", "course_uuid", "bin_start", nulls_last=True)


def grade_summary_by_course(
    enrollments: pl.DataFrame,
    *,
    min_cell: int = MIN_CELL,
    pass_mark: float = 5.0,
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
) -> pl.DataFrame:
    """Grade counts, quartiles, mean and the share below the pass mark, per course.

    Columns: course_uuid, course_name, n, n_graded, n_ungraded (no grade, or a grade outside
    0-10), mean, q1, median, q3, below_threshold, below_threshold_rate (+ ci_low, ci_high),
    pass_mark, suppressed, suppression_note. Minimum and maximum are one student's grade each, so
    they are not published.
    """
    published = grade_summary_table(
        enrollments, by=_COURSE, pass_mark=pass_mark, min_cell=min_cell, policy=policy
    )
    return published.drop("min", "max").sort("course_name", "course_uuid", nulls_last=True)
