"""The dashboard's global filters: read from and written to URL query parameters, applied to frames.

The URL is the state (as in Datasette): every filter is a repeated query parameter, so a link
reproduces the view. The model is the publication layer's one ``Filters`` (the export's too);
the page parses its URL forgivingly (a value that is not valid for its filter is dropped, never
an error page) and the result is canonical (sorted, without duplicates), so
``to_query_params(parse_query_params(p))`` is stable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from dashboard.publication.filters import MODALITIES, Filters

__all__ = [
    "FILTER_PARAMS",
    "MODALITIES",
    "FilterOptions",
    "Filters",
    "apply_filters",
    "describe_filters",
    "filter_options",
    "parse_query_params",
    "to_query_params",
]

# Query parameter of each sidebar filter, in the order they appear in the sidebar and the URL
# (the filter model, ``dashboard.publication.filters.Filters``, also has ``student`` for exports).
FILTER_PARAMS: Mapping[str, str] = {
    "courses": "course",
    "cohorts": "cohort",
    "statuses": "status",
    "intake_years": "intake",
    "modalities": "modality",
}


def parse_query_params(params: Mapping[str, str | Sequence[str]]) -> Filters:
    """Filters from the page URL's query parameters; a value that is not valid is dropped.

    Examples
    --------
    >>> parse_query_params({"status": ["completed", "bogus"], "intake": "2024"})
    Filters(courses=(), cohorts=(), statuses=('completed',), intake_years=(2024,), \
modalities=(), students=())
    """
    sidebar = {name: params[name] for name in FILTER_PARAMS.values() if name in params}
    return Filters.from_query_params(sidebar, strict=False)


def to_query_params(filters: Filters) -> dict[str, list[str]]:
    """Query parameters for ``filters``: a repeated parameter per active filter, none for "all"."""
    return filters.to_query_params()


def apply_filters(enrollments: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    """Rows of ``enrollments`` (with ``intake_year`` and ``modality``) that pass ``filters``."""
    return filters.apply(enrollments)


@dataclass(frozen=True)
class FilterOptions:
    """What the sidebar offers: (value, label) pairs, labels being plain text."""

    courses: tuple[tuple[str, str], ...]
    cohorts: tuple[tuple[str, str], ...]
    intake_years: tuple[int, ...]
    modalities: tuple[str, ...]


def filter_options(enrollments: pl.DataFrame, cohorts: pl.DataFrame) -> FilterOptions:
    """The choices for each filter, from the data (courses and cohorts by name, years present)."""
    course_pairs = (
        enrollments.select("course_uuid", "course_name")
        .drop_nulls("course_uuid")
        .unique("course_uuid", keep="first")
        .sort("course_name", "course_uuid", nulls_last=True)
    )
    cohort_pairs = (
        cohorts.select("uuid", "code")
        .rename({"uuid": "cohort_uuid", "code": "cohort_code"})
        .vstack(
            enrollments.select("cohort_uuid", "cohort_code").drop_nulls("cohort_uuid"),
        )
        .unique("cohort_uuid", keep="first")
        .sort("cohort_code", "cohort_uuid", nulls_last=True)
    )
    years = enrollments.get_column("intake_year").drop_nulls().unique().sort()
    present = set(cohorts.get_column("modality").drop_nulls().unique().to_list())
    # Distinct values first: one Python string per modality, not one per enrollment.
    present |= set(enrollments.get_column("modality").drop_nulls().unique().to_list())
    return FilterOptions(
        courses=tuple(
            (row[0], row[1] or row[0]) for row in course_pairs.iter_rows() if row[0] is not None
        ),
        cohorts=tuple(
            (row[0], row[1] or row[0]) for row in cohort_pairs.iter_rows() if row[0] is not None
        ),
        intake_years=tuple(int(year) for year in years.to_list()),
        modalities=tuple(m for m in MODALITIES if m in present),
    )


def describe_filters(filters: Filters, options: FilterOptions) -> str:
    """A plain-text summary of the active filter, e.g. "status: completed; intake: 2023, 2024"."""
    course_labels = dict(options.courses)
    cohort_labels = dict(options.cohorts)
    parts: list[str] = []
    if filters.courses:
        parts.append("course: " + ", ".join(course_labels.get(v, v) for v in filters.courses))
    if filters.cohorts:
        parts.append("cohort: " + ", ".join(cohort_labels.get(v, v) for v in filters.cohorts))
    if filters.statuses:
        parts.append("status: " + ", ".join(filters.statuses))
    if filters.intake_years:
        parts.append("intake: " + ", ".join(str(y) for y in filters.intake_years))
    if filters.modalities:
        parts.append("modality: " + ", ".join(filters.modalities))
    return "; ".join(parts) if parts else "all enrollments"
