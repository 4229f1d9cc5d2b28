"""The dashboard's global filters: read from and written to URL query parameters, applied to frames.

The URL is the state (as in Datasette): every filter is a repeated query parameter, so a link
reproduces the view. Parsing is forgiving (a value that is not valid for its filter is dropped,
never an error page) and the result is canonical (sorted, without duplicates), so
``to_query_params(parse_query_params(p))`` is stable.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

import polars as pl

from dashboard.data.schema import COMPLETION_STATUSES

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

# Query parameter name of each filter, in the order they appear in the sidebar and the URL.
FILTER_PARAMS: Mapping[str, str] = {
    "courses": "course",
    "cohorts": "cohort",
    "statuses": "status",
    "intake_years": "intake",
    "modalities": "modality",
}
MODALITIES = ("presential", "remote", "hybrid")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Filters:
    """The active filter: each field is the set of allowed values; an empty tuple means all."""

    courses: tuple[str, ...] = ()
    cohorts: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    intake_years: tuple[int, ...] = ()
    modalities: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        """Whether any filter narrows the data."""
        return any(getattr(self, field.name) for field in fields(self))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _canonical(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({value.strip() for value in values if value.strip()}))


def _values(params: Mapping[str, str | Sequence[str]], name: str) -> list[str]:
    raw = params.get(name, ())
    if isinstance(raw, str):
        raw = [raw]
    # Also accept comma-separated values, a form people type by hand into a URL.
    return [part for value in raw for part in value.split(",")]


def parse_query_params(params: Mapping[str, str | Sequence[str]]) -> Filters:
    """Filters from query parameters (a value or a list of values per name); invalid values dropped.

    Examples
    --------
    >>> parse_query_params({"status": ["completed", "bogus"], "intake": "2024"})
    Filters(courses=(), cohorts=(), statuses=('completed',), intake_years=(2024,), modalities=())
    """
    courses = _canonical(v.lower() for v in _values(params, "course") if _is_uuid(v.strip()))
    cohorts = _canonical(v.lower() for v in _values(params, "cohort") if _is_uuid(v.strip()))
    statuses = _canonical(v for v in _values(params, "status") if v.strip() in COMPLETION_STATUSES)
    modalities = _canonical(v for v in _values(params, "modality") if v.strip() in MODALITIES)
    years = tuple(
        sorted({int(v.strip()) for v in _values(params, "intake") if _YEAR.match(v.strip())})
    )
    return Filters(
        courses=courses,
        cohorts=cohorts,
        statuses=statuses,
        intake_years=years,
        modalities=modalities,
    )


def to_query_params(filters: Filters) -> dict[str, list[str]]:
    """Query parameters for ``filters``: a repeated parameter per active filter, none for "all"."""
    params: dict[str, list[str]] = {}
    for attribute, name in FILTER_PARAMS.items():
        values = getattr(filters, attribute)
        if values:
            params[name] = [str(value) for value in values]
    return params


def apply_filters(enrollments: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    """Rows of ``enrollments`` (with ``intake_year`` and ``modality``) that pass ``filters``."""
    conditions: list[pl.Expr] = []
    if filters.courses:
        conditions.append(pl.col("course_uuid").is_in(filters.courses))
    if filters.cohorts:
        conditions.append(pl.col("cohort_uuid").is_in(filters.cohorts))
    if filters.statuses:
        conditions.append(pl.col("completion_status").cast(pl.String).is_in(filters.statuses))
    if filters.intake_years:
        conditions.append(pl.col("intake_year").is_in(filters.intake_years))
    if filters.modalities:
        conditions.append(pl.col("modality").is_in(filters.modalities))
    if not conditions:
        return enrollments
    return enrollments.filter(*conditions)


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
    present = set(cohorts.get_column("modality").drop_nulls().to_list())
    present |= set(enrollments.get_column("modality").drop_nulls().to_list())
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
