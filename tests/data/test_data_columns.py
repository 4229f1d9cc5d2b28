"""Column readers: dtypes, nulls, lenient forms, and refusals with the offending position."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from dashboard.data.columns import (
    ColumnValueError,
    enum_column,
    grade_column,
    integer_column,
    text_column,
    timestamp_column,
)


def test_grades_from_numbers_strings_and_nulls() -> None:
    series = grade_column("grade", [8.75, "8.75", 7, None, "", " 6.5 ", "10"])
    assert series.dtype == pl.Float64
    assert series.to_list() == [8.75, 8.75, 7.0, None, None, 6.5, 10.0]


@pytest.mark.parametrize("bad", ["eight", True, float("nan"), float("inf"), {"v": 1}])
def test_grade_refusals_name_the_position(bad: object) -> None:
    with pytest.raises(ColumnValueError) as caught:
        grade_column("grade", [1.0, None, bad])
    assert caught.value.index == 2


def test_timestamps_with_and_without_fractions_are_utc() -> None:
    series = timestamp_column(
        "at",
        [
            "2024-02-01T00:00:00.000000Z",
            "2024-02-01T10:15:30Z",
            "2024-02-01T10:15:30.5Z",
            None,
        ],
    )
    assert series.dtype == pl.Datetime("us", "UTC")
    assert series.to_list() == [
        datetime(2024, 2, 1, tzinfo=UTC),
        datetime(2024, 2, 1, 10, 15, 30, tzinfo=UTC),
        datetime(2024, 2, 1, 10, 15, 30, 500000, tzinfo=UTC),
        None,
    ]


def test_other_timestamp_forms_read_like_the_client() -> None:
    series = timestamp_column(
        "at", ["2024-02-01T02:00:00+02:00", "2024-12-01 10:15:30", "2024-02-01"]
    )
    assert series.to_list() == [
        datetime(2024, 2, 1, tzinfo=UTC),
        datetime(2024, 12, 1, 10, 15, 30, tzinfo=UTC),
        datetime(2024, 2, 1, tzinfo=UTC),
    ]


@pytest.mark.parametrize("bad", ["yesterday", 1706745600, ["2024-02-01"]])
def test_timestamp_refusals(bad: object) -> None:
    with pytest.raises(ColumnValueError) as caught:
        timestamp_column("at", ["2024-02-01T00:00:00Z", bad])
    assert caught.value.index == 1


def test_text_refuses_non_text() -> None:
    assert text_column("t", ["a", None]).to_list() == ["a", None]
    with pytest.raises(ColumnValueError) as caught:
        text_column("t", ["a", None, 3])
    assert caught.value.index == 2


def test_enum_refuses_unknown_values() -> None:
    dtype = pl.Enum(["enrolled", "completed", "dropped"])
    assert enum_column("s", ["dropped", None], dtype).dtype == dtype
    with pytest.raises(ColumnValueError, match="graduated") as caught:
        enum_column("s", ["enrolled", "graduated"], dtype)
    assert caught.value.index == 1


def test_integers_from_numbers_and_digit_strings() -> None:
    assert integer_column("n", [3200, "120", None, 40.0]).to_list() == [3200, 120, None, 40]
    with pytest.raises(ColumnValueError) as caught:
        integer_column("n", [1, "lots"])
    assert caught.value.index == 1


@pytest.mark.parametrize("beyond", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_timestamp_beyond_what_utc_can_hold_is_refused(beyond: str) -> None:
    with pytest.raises(ColumnValueError, match="out of range") as caught:
        timestamp_column("at", ["2024-02-01T00:00:00Z", None, beyond])
    assert caught.value.index == 2


@pytest.mark.parametrize("bad", ["²", "-²", "١٢", 2**70, "99999999999999999999", 1e300])
def test_integers_are_ascii_digits_within_int64(bad: object) -> None:
    with pytest.raises(ColumnValueError) as caught:
        integer_column("n", [40, bad])
    assert caught.value.index == 1
