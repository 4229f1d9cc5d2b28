"""Lenient readers for DokStamp's values (timestamps, grades) and the sync statistics record."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

__all__ = ["SyncStats", "parse_grade", "parse_timestamp"]


def parse_timestamp(value: str | datetime | None) -> datetime | None:
    """An aware UTC datetime from a DokStamp timestamp, or None for null/empty.

    Accepts ``2024-02-01T00:00:00.000000Z`` (the documented form), no or any number of fractional
    digits, ``Z`` or a numeric offset, a space instead of ``T`` (the audit log's DB form) and a
    bare date (midnight UTC). A value without an offset is taken as UTC. Raises ``ValueError``
    for anything else.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = value.strip()
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not an ISO-8601 timestamp: {value!r}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before the year 1 in UTC
        raise ValueError(f"timestamp out of range in UTC: {value!r}") from None


def parse_grade(value: object) -> float | None:
    """A grade as a float from a JSON number or a numeric string (Laravel's decimal cast).

    None and the empty string are a missing grade. Booleans, non-numeric strings, NaN and
    infinities raise ``ValueError``.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a grade: {value!r}")
    if isinstance(value, int | float | Decimal):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            number = float(Decimal(text))
        except InvalidOperation:
            raise ValueError(f"not a grade: {value!r}") from None
    else:
        raise ValueError(f"not a grade: {value!r}")
    if not math.isfinite(number):
        raise ValueError(f"not a grade: {value!r}")
    return number


@dataclass(frozen=True, slots=True)
class SyncStats:
    """What the last ``list_all`` cost.

    ``pages``: pages in the complete listing; ``requests``: HTTP requests sent, including token
    requests, retries and discarded attempts; ``seconds``: wall time; ``records``: records
    returned; ``attempts``: whole-list attempts (more than 1 when totals changed mid-sync);
    ``retries``: requests repeated after 429/5xx/network errors; ``paced_seconds``: time spent
    waiting to stay under the rate limit (including Retry-After waits); ``throttled``: 429
    answers (at most the rare one whose Retry-After tells when the window ends);
    ``peak_concurrency``: the most page requests in flight at once.
    """

    pages: int
    requests: int
    seconds: float
    records: int
    attempts: int = 1
    retries: int = 0
    paced_seconds: float = 0.0
    throttled: int = 0
    peak_concurrency: int = 1
