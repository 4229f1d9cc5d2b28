"""Human titles for the columns charts are split by, and the label of a missing group value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import polars as pl

MISSING_GROUP: Final = "(none)"

COLUMN_TITLES: Final[Mapping[str, str]] = {
    "course_name": "Course",
    "course_uuid": "Course",
    "course_code": "Course",
    "cohort_code": "Cohort",
    "cohort_uuid": "Cohort",
    "intake_year": "Intake year",
    "modality": "Modality",
    "scope": "Scope",
    "student_uuid": "Student",
}


def column_title(column: str) -> str:
    """The axis/legend title for a grouping column ("intake_year" -> "Intake year")."""
    return COLUMN_TITLES.get(column, column.replace("_", " ").capitalize())


def as_group_labels(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Make ``column`` text, with missing values labelled ``(none)`` rather than dropped."""
    return frame.with_columns(pl.col(column).cast(pl.String).fill_null(MISSING_GROUP).alias(column))


def label_order(frame: pl.DataFrame, column: str) -> list[str]:
    """The distinct values of ``column`` in first-seen order (the order the metric returned).

    Passed as an explicit sort so every layer of a chart agrees on it: with ``sort=None`` each
    layer's own data order would decide, and filtered layers disagree.
    """
    return [str(value) for value in frame[column].unique(maintain_order=True).to_list()]
