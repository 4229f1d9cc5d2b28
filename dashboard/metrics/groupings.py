"""The groupings a page offers (course, cohort, intake year, modality) and the derived columns
(intake year, modality) that metrics can group by."""

from __future__ import annotations

from typing import Final

import polars as pl

from dashboard.metrics.errors import InconsistentAggregateError
from dashboard.metrics.inputs import require_columns

__all__ = ["GROUPINGS", "GROUP_LABELS", "with_groupings"]

# Group-by choice -> (the label column drawn, the columns grouped by). The uuid comes first so two
# courses or cohorts with the same name stay apart.
GROUPINGS: Final[dict[str, tuple[str, list[str]]]] = {
    "course": ("course_name", ["course_uuid", "course_name"]),
    "cohort": ("cohort_code", ["cohort_uuid", "cohort_code"]),
    "intake_year": ("intake_year", ["intake_year"]),
    "modality": ("modality", ["modality"]),
}
GROUP_LABELS: Final = {
    "course": "Course",
    "cohort": "Cohort",
    "intake_year": "Intake year",
    "modality": "Modality",
}


def with_groupings(enrollments: pl.DataFrame, cohorts: pl.DataFrame) -> pl.DataFrame:
    """Add ``intake_year`` and ``modality`` to an enrollment frame.

    ``intake_year`` (Int32) is the calendar year (UTC) of ``enrolled_at``. ``modality`` is the
    modality of the enrollment's cohort, null when the enrollment has no cohort or the cohort is not
    in ``cohorts``. Rows and their order are kept; existing columns of the same names are replaced.
    """
    require_columns(enrollments, ("enrolled_at", "cohort_uuid"), function="with_groupings")
    require_columns(cohorts, ("uuid", "modality"), function="with_groupings")
    if cohorts.get_column("uuid").is_duplicated().any():
        raise InconsistentAggregateError("cohorts frame has duplicate uuids; modality is ambiguous")
    modality = cohorts.select(
        pl.col("uuid").alias("cohort_uuid"), pl.col("modality").cast(pl.String)
    )
    base = enrollments.drop("intake_year", "modality", strict=False)
    return base.with_columns(
        pl.col("enrolled_at").dt.year().cast(pl.Int32).alias("intake_year")
    ).join(modality, on="cohort_uuid", how="left", maintain_order="left")
