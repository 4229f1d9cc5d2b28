"""Finding enrollments to correct: by student name, enrollment or student uuid, course or cohort."""

from __future__ import annotations

import polars as pl

__all__ = ["SEARCH_COLUMNS", "search_enrollments"]

SEARCH_COLUMNS = ("uuid", "student_name", "student_uuid", "course_name", "cohort_code")


def search_enrollments(enrollments: pl.DataFrame, query: str, *, limit: int = 200) -> pl.DataFrame:
    """Rows where any of ``SEARCH_COLUMNS`` contains every word of ``query`` (case-insensitive).

    Words may match different columns ("silva bcs-2024" finds Silva in cohort BCS-2024). An
    empty query matches nothing: the page asks for a search rather than listing everyone.
    At most ``limit`` rows, sorted by student name then enrolment date.
    """
    words = [word for word in query.lower().split() if word]
    if not words:
        return enrollments.clear()
    haystack = pl.concat_str(
        [pl.col(column).fill_null("").str.to_lowercase() for column in SEARCH_COLUMNS],
        separator="\u241f",  # a separator no word contains, so words never match across columns
    )
    conditions = [haystack.str.contains(word, literal=True) for word in words]
    return (
        enrollments.filter(*conditions)
        .sort("student_name", "enrolled_at", nulls_last=True)
        .head(limit)
    )
