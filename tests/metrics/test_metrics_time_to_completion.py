"""Time to completion over completers only: hand-computed median, quartiles, mean and exclusions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from dashboard.metrics import DEFINITIONS, time_to_completion

START = datetime(2020, 1, 1, tzinfo=UTC)


def at(days: float) -> datetime:
    return START + timedelta(days=days)


def test_statistics_over_completers_only(enrollments) -> None:
    frame = enrollments(
        [
            {"completion_status": "completed", "enrolled_at": START, "completed_at": at(d)}
            for d in (10, 20, 30, 40.5)
        ]
        + [{"completion_status": "enrolled", "enrolled_at": START}] * 5
        + [{"completion_status": "dropped", "enrolled_at": START}]
    )
    row = time_to_completion(frame).row(0, named=True)
    assert row["n_completers"] == 4
    assert row["median_days"] == 25.0
    assert row["q1_days"] == pytest.approx(17.5)  # linear: 10 + 0.75 * 10
    assert row["q3_days"] == pytest.approx(32.625)  # 30 + 0.25 * 10.5
    assert row["mean_days"] == pytest.approx(25.125)
    assert row["n_excluded"] == 0


def test_unusable_completion_dates_are_excluded_and_counted(enrollments) -> None:
    frame = enrollments(
        [
            {"completion_status": "completed", "enrolled_at": at(5), "completed_at": at(1)},
            {"completion_status": "completed", "enrolled_at": START, "completed_at": None},
            {"completion_status": "completed", "enrolled_at": START, "completed_at": at(7)},
        ]
    )
    row = time_to_completion(frame).row(0, named=True)
    assert (row["n_completers"], row["median_days"], row["n_excluded"]) == (1, 7.0, 2)


def test_groups_without_completers_have_null_statistics(enrollments) -> None:
    frame = enrollments(
        [
            {"course_name": "A", "completion_status": "completed", "completed_at": at(3)},
            {"course_name": "B", "completion_status": "enrolled"},
        ]
    ).with_columns(enrolled_at=pl.lit(START))
    got = time_to_completion(frame, by=["course_name"]).rows(named=True)
    assert [r["course_name"] for r in got] == ["A", "B"]
    assert got[0]["median_days"] == 3.0
    assert (got[1]["n_completers"], got[1]["median_days"], got[1]["mean_days"]) == (0, None, None)


def test_empty_frame_gives_one_row_with_zero_completers(enrollments) -> None:
    row = time_to_completion(enrollments([])).row(0, named=True)
    assert (row["n_completers"], row["median_days"]) == (0, None)


def test_definition_says_completers_only() -> None:
    definition = DEFINITIONS["time_to_completion"]
    assert "completers only" in definition.title.lower()
    assert "fast finishers" in definition.caveat
