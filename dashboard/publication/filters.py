"""The one filter model: the dashboard's URL, the export's options and the catalog's input.

A filter is the set of allowed values per field (empty: all). It round-trips through URL query
parameters (``to_query_params`` / ``from_query_params``) and through the export's command-line
options (``to_cli_args``), so a page's download and ``enrollment-outcomes export`` with the
page's filters build the same report from the same rows. Parsing is strict by default (a bad
value is an error naming it: a scheduled export must not widen to "all" because of a typo); the
dashboard parses its URL leniently (a value it cannot read is dropped, never an error page).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import ClassVar, Final

import polars as pl

from dashboard.data.schema import COMPLETION_STATUSES

__all__ = ["FILTER_PARAMS", "MODALITIES", "FilterError", "Filters"]

# Query parameter (and CLI option) of each filter, in the order of the sidebar and the URL.
FILTER_PARAMS: Final[Mapping[str, str]] = {
    "courses": "course",
    "cohorts": "cohort",
    "statuses": "status",
    "intake_years": "intake",
    "modalities": "modality",
    "students": "student",
}
MODALITIES: Final = ("presential", "remote", "hybrid")
_YEAR = re.compile(r"^\d{4}$")


class FilterError(ValueError):
    """A filter value is malformed (not a UUID, not a known status, year or modality)."""


def _split(values: Iterable[str], *, keep_empty: bool) -> list[str]:
    # Comma-separated values too: a form people type by hand into a URL or a shell. An empty
    # value is dropped when parsing leniently, and an error (of its filter) when strict.
    parts = [part.strip() for value in values for part in str(value).split(",")]
    return [part for part in parts if part or keep_empty]


@dataclass(frozen=True)
class Filters:
    """Allowed values per field; an empty tuple means "all". UUIDs are canonical lower case."""

    courses: tuple[str, ...] = ()
    cohorts: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    intake_years: tuple[int, ...] = ()
    modalities: tuple[str, ...] = ()
    students: tuple[str, ...] = ()

    error: ClassVar[type[ValueError]] = FilterError

    @classmethod
    def parse(
        cls,
        *,
        courses: Iterable[str] = (),
        cohorts: Iterable[str] = (),
        statuses: Iterable[str] = (),
        intake_years: Iterable[str | int] = (),
        modalities: Iterable[str] = (),
        students: Iterable[str] = (),
        strict: bool = True,
    ) -> Filters:
        """Validate and canonicalise filter values; ``strict``: raise ``error`` naming a bad
        value, else drop it."""
        dropped: list[str] = []

        def keep(option: str, value: str, canonical: str | int | None) -> str | int | None:
            if canonical is None:
                if strict:
                    raise cls.error(f"{option}: {value!r} is not {_WHAT[option]}")
                dropped.append(value)
            return canonical

        def uuids(option: str, values: Iterable[str]) -> tuple[str, ...]:
            found = {keep(option, v, _uuid(v)) for v in _split(values, keep_empty=strict)}
            return tuple(sorted(str(v) for v in found if v is not None))

        def members(option: str, values: Iterable[str], allowed: Sequence[str]) -> set[str]:
            found = {keep(option, v, _member(v.lower(), allowed)) for v in split(values)}
            return {str(v) for v in found if v is not None}

        def split(values: Iterable[str]) -> list[str]:
            return _split(values, keep_empty=strict)

        statuses_found = members("status", statuses, COMPLETION_STATUSES)
        modalities_found = members("modality", modalities, MODALITIES)
        years = {keep("intake", v, _year(v)) for v in split(str(y) for y in intake_years)}
        return cls(
            courses=uuids("course", courses),
            cohorts=uuids("cohort", cohorts),
            statuses=tuple(sorted(statuses_found)),
            intake_years=tuple(sorted(int(v) for v in years if v is not None)),
            modalities=tuple(sorted(modalities_found)),
            students=uuids("student", students),
        )

    @classmethod
    def from_query_params(
        cls, params: Mapping[str, str | Sequence[str]], *, strict: bool = False
    ) -> Filters:
        """Filters from URL query parameters (a value or a list per name; other names ignored).

        Examples
        --------
        >>> Filters.from_query_params({"status": ["completed", "bogus"], "intake": "2024"})
        Filters(courses=(), cohorts=(), statuses=('completed',), intake_years=(2024,), \
modalities=(), students=())
        """

        def values(name: str) -> list[str]:
            raw = params.get(name, ())
            return [raw] if isinstance(raw, str) else list(raw)

        return cls.parse(
            **{attribute: values(name) for attribute, name in FILTER_PARAMS.items()},
            strict=strict,
        )

    def to_query_params(self) -> dict[str, list[str]]:
        """A repeated parameter per active filter, none for "all" (``from_query_params`` reads
        it back to the same filters)."""
        return {
            name: [str(value) for value in getattr(self, attribute)]
            for attribute, name in FILTER_PARAMS.items()
            if getattr(self, attribute)
        }

    def to_cli_args(self) -> list[str]:
        """The same filters as ``enrollment-outcomes export`` options (``--status dropped``)."""
        return [
            argument
            for name, values in self.to_query_params().items()
            for value in values
            for argument in (f"--{name}", value)
        ]

    @property
    def active(self) -> bool:
        """Whether any filter narrows the rows."""
        return any(getattr(self, field.name) for field in fields(self))

    def apply(self, enrollments: pl.DataFrame) -> pl.DataFrame:
        """The rows that pass every filter (all rows when none is active). Intake year and
        modality filters need the ``intake_year`` / ``modality`` columns (``with_groupings``)."""
        conditions: list[pl.Expr] = []
        for attribute, column in (
            ("courses", "course_uuid"),
            ("cohorts", "cohort_uuid"),
            ("students", "student_uuid"),
        ):
            allowed = getattr(self, attribute)
            if allowed:
                conditions.append(pl.col(column).str.to_lowercase().is_in(allowed))
        if self.statuses:
            conditions.append(pl.col("completion_status").cast(pl.String).is_in(self.statuses))
        if self.intake_years:
            conditions.append(pl.col("intake_year").is_in(self.intake_years))
        if self.modalities:
            conditions.append(pl.col("modality").cast(pl.String).is_in(self.modalities))
        return enrollments.filter(*conditions) if conditions else enrollments

    def describe(self) -> str:
        """A short description, e.g. ``status=completed; course=…`` (``all`` when inactive)."""
        parts = [f"{name}={','.join(values)}" for name, values in self.to_query_params().items()]
        return "; ".join(parts) if parts else "all"


_WHAT = {
    "course": "a UUID",
    "cohort": "a UUID",
    "student": "a UUID",
    "status": f"one of {', '.join(COMPLETION_STATUSES)}",
    "intake": "a year (four digits)",
    "modality": f"one of {', '.join(MODALITIES)}",
}


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _member(value: str, allowed: Sequence[str]) -> str | None:
    return value if value in allowed else None


def _year(value: str) -> int | None:
    return int(value) if _YEAR.match(value) else None
