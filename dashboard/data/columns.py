"""Column readers: values pulled from DokStamp records to typed polars Series, vectorised.

Each reader takes the raw values of one field (a Python list, one value per record) and returns a
Series of the frame's dtype. The common case goes through polars in one call; only values polars
could not read are looked at one by one, with the client's lenient scalar parsers, so the rules
are the same as ``dashboard.client.parse_grade`` / ``parse_timestamp`` and the hot path stays fast.
A value no rule accepts raises ``ColumnValueError`` with its position.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import polars as pl

from dashboard.client import parse_grade, parse_timestamp

__all__ = [
    "ColumnValueError",
    "enum_column",
    "grade_column",
    "integer_column",
    "text_column",
    "timestamp_column",
]

# The documented form (Laravel 7+): "2024-02-01T00:00:00.000000Z"; `%.f` also matches no fraction.
_API_TIMESTAMP = "%Y-%m-%dT%H:%M:%S%.fZ"
_NUMBER_TYPES = frozenset({int, float, type(None)})
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class ColumnValueError(ValueError):
    """A value that no reading rule accepts; ``index`` is its position in the column."""

    def __init__(self, message: str, *, index: int) -> None:
        super().__init__(message)
        self.index = index


def text_column(name: str, values: list[Any]) -> pl.Series:
    """Strings (nulls kept); anything but a string or null is refused."""
    try:
        return pl.Series(name, values, dtype=pl.String)
    except TypeError:
        index = next(
            i for i, value in enumerate(values) if value is not None and not isinstance(value, str)
        )
        raise ColumnValueError(
            f"expected text, got {type(values[index]).__name__} {values[index]!r}", index=index
        ) from None


def enum_column(name: str, values: list[Any], dtype: pl.Enum) -> pl.Series:
    """Strings from a closed vocabulary (``dtype``'s categories); an unknown value is refused."""
    text = text_column(name, values)
    try:
        return text.cast(dtype)
    except pl.exceptions.InvalidOperationError:
        allowed = set(dtype.categories.to_list())
        index = next(
            i for i, value in enumerate(values) if value is not None and value not in allowed
        )
        raise ColumnValueError(
            f"{values[index]!r} is not one of {', '.join(sorted(allowed))}", index=index
        ) from None


def grade_column(name: str, values: list[Any]) -> pl.Series:
    """Grades as Float64 from JSON numbers or numeric strings ("8.75", Laravel's decimal cast).

    None and "" are a missing grade; booleans, other text, NaN and infinities are refused.
    """
    kinds = set(map(type, values))
    if kinds <= _NUMBER_TYPES:
        series = pl.Series(name, values, dtype=pl.Float64)
    elif bool in kinds or not kinds <= _NUMBER_TYPES | {str}:
        series = pl.Series(name, _each(values, parse_grade), dtype=pl.Float64)
    else:
        # Numeric strings: polars reads the plain ones; the rest (spaces, "", garbage) one by one.
        series = pl.Series(name, values, dtype=pl.Float64, strict=False)
        unread = _unread_positions(values, series)
        if unread:
            patched = series.to_list()
            for index in unread:
                patched[index] = _read_one(values, index, parse_grade)
            series = pl.Series(name, patched, dtype=pl.Float64)
    finite = series.is_finite() | series.is_null()
    if not finite.all():
        index = int(finite.arg_min() or 0)
        raise ColumnValueError(f"not a grade: {values[index]!r}", index=index)
    return series


def integer_column(name: str, values: list[Any]) -> pl.Series:
    """Whole numbers from JSON integers or digit strings (nulls kept)."""
    try:
        return pl.Series(name, values, dtype=pl.Int64)
    except (TypeError, OverflowError):
        pass
    whole: list[int | None] = []
    for index, value in enumerate(values):
        number: int | None
        if value is None:
            number = None
        elif isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and _digits(value.strip().removeprefix("-")):
            number = int(value.strip())
        else:
            raise ColumnValueError(f"not a whole number: {value!r}", index=index)
        if number is not None and not _INT64_MIN <= number <= _INT64_MAX:
            raise ColumnValueError(f"whole number out of range: {value!r}", index=index)
        whole.append(number)
    return pl.Series(name, whole, dtype=pl.Int64)


def timestamp_column(name: str, values: list[Any]) -> pl.Series:
    """UTC timestamps (microseconds) from DokStamp's ISO-8601 text.

    The documented form, with or without fractional seconds, is read by polars in one pass; other
    accepted forms (numeric offsets, a space for ``T``, a bare date, no zone = UTC) one by one.
    """
    dtype = pl.Datetime("us", "UTC")
    try:
        text = pl.Series(name, values, dtype=pl.String)
    except TypeError:
        text = None
    if text is not None:
        series = text.str.to_datetime(_API_TIMESTAMP, time_unit="us", time_zone="UTC", strict=False)
        unread = _unread_positions(values, series)
        if not unread:
            return series
        moments: list[datetime | None] = series.to_list()
        for index in unread:
            moments[index] = _read_one(values, index, _timestamp)
        return pl.Series(name, moments, dtype=dtype)
    return pl.Series(name, _each(values, _timestamp), dtype=dtype)


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str | datetime) and value is not None:
        raise ValueError(f"not a timestamp: {value!r}")
    return parse_timestamp(value)


def _unread_positions(values: list[Any], series: pl.Series) -> list[int]:
    """Positions where a value was given but polars produced null."""
    if series.null_count() == values.count(None):
        return []
    nulls = series.is_null().arg_true().to_list()
    return [index for index in nulls if values[index] is not None]


def _digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also takes "²" or "٣", which ``int`` refuses."""
    return text.isascii() and text.isdigit()


def _read_one(values: Sequence[Any], index: int, reader: Callable[[Any], Any]) -> Any:
    try:
        return reader(values[index])
    except (ValueError, OverflowError) as error:  # OverflowError: a moment beyond year 1..9999
        raise ColumnValueError(str(error), index=index) from None


def _each(values: Sequence[Any], reader: Callable[[Any], Any]) -> list[Any]:
    return [_read_one(values, index, reader) for index in range(len(values))]
