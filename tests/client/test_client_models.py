"""Lenient value readers: timestamps with or without fractions, grades as numbers or strings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from dashboard.client import SyncStats, parse_grade, parse_timestamp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-02-01T00:00:00.000000Z", datetime(2024, 2, 1, tzinfo=UTC)),
        ("2024-02-01T10:15:30Z", datetime(2024, 2, 1, 10, 15, 30, tzinfo=UTC)),
        ("2024-02-01T10:15:30.5Z", datetime(2024, 2, 1, 10, 15, 30, 500000, tzinfo=UTC)),
        ("2024-02-01T10:15:30.123Z", datetime(2024, 2, 1, 10, 15, 30, 123000, tzinfo=UTC)),
        ("2024-02-01T12:15:30+02:00", datetime(2024, 2, 1, 10, 15, 30, tzinfo=UTC)),
        ("2024-12-01 00:00:00", datetime(2024, 12, 1, tzinfo=UTC)),
        ("2024-02-01", datetime(2024, 2, 1, tzinfo=UTC)),
        (" 2024-02-01T00:00:00Z ", datetime(2024, 2, 1, tzinfo=UTC)),
    ],
)
def test_parse_timestamp_reads_every_documented_form(text, expected) -> None:
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("empty", [None, "", "  "])
def test_parse_timestamp_null_is_none(empty) -> None:
    assert parse_timestamp(empty) is None


def test_parse_timestamp_converts_aware_datetimes_to_utc() -> None:
    moment = datetime(2024, 1, 1, 3, 0, tzinfo=timezone(timedelta(hours=3)))
    assert parse_timestamp(moment) == datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
    assert parse_timestamp(datetime(2024, 1, 1)) == datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["yesterday", "2024-13-01", "01/02/2024"])
def test_parse_timestamp_rejects_non_iso(bad) -> None:
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_timestamp(bad)


@pytest.mark.parametrize("beyond", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_parse_timestamp_refuses_a_moment_outside_the_years_utc_can_hold(beyond) -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_timestamp(beyond)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(8.75, 8.75), (8, 8.0), ("8.75", 8.75), (" 10.00 ", 10.0), ("0", 0.0), (Decimal("7.5"), 7.5)],
)
def test_parse_grade_accepts_numbers_and_numeric_strings(value, expected) -> None:
    assert parse_grade(value) == expected


@pytest.mark.parametrize("empty", [None, ""])
def test_parse_grade_missing_is_none(empty) -> None:
    assert parse_grade(empty) is None


@pytest.mark.parametrize("bad", ["eight", "NaN", "inf", True, [8], float("nan")])
def test_parse_grade_rejects_non_numbers(bad) -> None:
    with pytest.raises(ValueError, match="not a grade"):
        parse_grade(bad)


def test_sync_stats_is_a_frozen_record() -> None:
    stats = SyncStats(pages=3, requests=4, seconds=0.5, records=250)
    assert (stats.attempts, stats.retries, stats.paced_seconds) == (1, 0, 0.0)
    with pytest.raises(AttributeError):
        stats.pages = 9  # type: ignore[misc]
