"""Checks on the frames and options handed to metric functions, shared by every metric module."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import polars as pl

from dashboard.metrics.errors import MissingColumnError

DERIVED_GROUPINGS = ("intake_year", "modality")


def require_columns(frame: pl.DataFrame, columns: Iterable[str], *, function: str) -> None:
    """Raise MissingColumnError naming every column of ``columns`` that ``frame`` lacks."""
    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if missing:
        hint = ""
        if any(c in DERIVED_GROUPINGS for c in missing):
            hint = "add intake_year / modality with with_groupings(enrollments, cohorts) first"
        raise MissingColumnError(function, missing, hint=hint)


def grouping_columns(by: Sequence[str] | str) -> list[str]:
    """The grouping as a list (a bare string is one column, not a sequence of letters)."""
    return [by] if isinstance(by, str) else list(by)


def as_utc(moment: datetime) -> datetime:
    """The extract date as an aware UTC datetime; a naive one is read as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
