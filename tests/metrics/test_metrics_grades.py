"""Grade histogram on fixed bins, grade summary, and the below-pass-mark rate with its interval."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.metrics import InvalidOptionError, grade_histogram, grade_summary, wilson_interval


def grades(values: list[float | None], groups: list[str] | None = None) -> pl.DataFrame:
    frame = pl.DataFrame({"grade": values}, schema={"grade": pl.Float64})
    if groups is not None:
        frame = frame.with_columns(pl.Series("course_name", groups))
    return frame


def test_bins_are_closed_left_and_the_last_closed_both_ends() -> None:
    got = grade_histogram(grades([0.0, 0.49, 0.5, 9.49, 9.5, 10.0, None]))
    assert got.columns == ["bin_start", "bin_end", "bin_label", "count"]
    assert got.height == 20
    counts = dict(zip(got["bin_label"], got["count"], strict=True))
    assert counts["[0.0, 0.5)"] == 2
    assert counts["[0.5, 1.0)"] == 1
    assert counts["[9.0, 9.5)"] == 1
    assert counts["[9.5, 10.0]"] == 2
    assert got.get_column("count").sum() == 6
    assert got.row(0, named=True)["bin_start"] == 0.0
    assert got.row(-1, named=True)["bin_end"] == 10.0


def test_out_of_range_grades_are_not_binned_and_count_as_without_a_valid_grade() -> None:
    frame = grades([-0.5, 10.01, float("nan"), 5.0, None])
    assert grade_histogram(frame).get_column("count").sum() == 1
    row = grade_summary(frame).row(0, named=True)
    assert (row["n"], row["n_graded"], row["n_ungraded"]) == (5, 1, 4)
    assert "n_out_of_range" not in grade_summary(frame).columns


def test_bin_width_must_divide_the_scale() -> None:
    assert grade_histogram(grades([0.3]), bin_width=0.1).filter(pl.col("count") > 0)[
        "bin_label"
    ].to_list() == ["[0.3, 0.4)"]
    assert grade_histogram(grades([]), bin_width=2.5).height == 4
    for width in (0.3, 0.0, -1.0):
        with pytest.raises(InvalidOptionError):
            grade_histogram(grades([1.0]), bin_width=width)


def test_histogram_by_group_has_every_bin_for_every_group() -> None:
    got = grade_histogram(grades([1.0, 2.0, None], ["A", "A", "B"]), by=["course_name"])
    assert got.height == 40
    b = got.filter(pl.col("course_name") == "B")
    assert b.get_column("count").sum() == 0
    assert grade_histogram(grades([], []), by=["course_name"]).height == 0


def test_summary_hand_computed() -> None:
    row = grade_summary(grades([2.0, 4.0, 6.0, 8.0, None])).row(0, named=True)
    assert (row["n"], row["n_graded"], row["n_ungraded"]) == (5, 4, 1)
    assert (row["min"], row["q1"], row["median"], row["q3"], row["max"]) == (
        2.0,
        3.5,
        5.0,
        6.5,
        8.0,
    )
    assert row["mean"] == 5.0
    assert row["below_threshold"] == 2
    assert row["below_threshold_rate"] == 0.5
    assert (row["below_threshold_rate_ci_low"], row["below_threshold_rate_ci_high"]) == (
        pytest.approx(wilson_interval(2, 4))
    )
    assert row["pass_mark"] == 5.0


def test_pass_mark_is_strict_and_configurable() -> None:
    frame = grades([4.99, 5.0, 6.0])
    assert grade_summary(frame).row(0, named=True)["below_threshold"] == 1
    row = grade_summary(frame, pass_mark=6.0).row(0, named=True)
    assert (row["below_threshold"], row["pass_mark"]) == (2, 6.0)
    with pytest.raises(InvalidOptionError):
        grade_summary(frame, pass_mark=11)


def test_ungraded_group_has_null_statistics_and_no_rate() -> None:
    got = grade_summary(grades([None, 7.0], ["A", "B"]), by=["course_name"]).rows(named=True)
    a = got[0]
    assert (a["course_name"], a["n_graded"], a["n_ungraded"], a["mean"]) == ("A", 0, 1, None)
    assert a["below_threshold_rate"] is None
    assert a["below_threshold_rate_ci_low"] is None
    assert got[1]["below_threshold_rate"] == 0.0


def test_empty_frame_summary_is_one_row_of_zeros() -> None:
    row = grade_summary(grades([])).row(0, named=True)
    assert (row["n"], row["n_graded"], row["median"], row["below_threshold_rate"]) == (
        0,
        0,
        None,
        None,
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-100, 1100).map(lambda g: g / 100)), max_size=60))
def test_bins_account_for_every_in_range_grade_and_rates_are_proportions(values) -> None:
    frame = grades(values)
    in_range = [g for g in values if g is not None and 0 <= g <= 10]
    hist = grade_histogram(frame)
    assert hist.get_column("count").sum() == len(in_range)
    for g in in_range:
        label = hist.filter(
            (pl.col("bin_start") <= g)
            & ((pl.col("bin_end") > g) | ((pl.col("bin_end") == 10.0) & (pl.lit(g) == 10.0)))
        )
        assert label.height == 1
    row = grade_summary(frame).row(0, named=True)
    assert row["n_graded"] + row["n_ungraded"] == row["n"] == len(values)
    if row["n_graded"]:
        low, rate, high = (
            row["below_threshold_rate_ci_low"],
            row["below_threshold_rate"],
            row["below_threshold_rate_ci_high"],
        )
        assert 0.0 <= low <= rate <= high <= 1.0
        assert row["min"] <= row["q1"] <= row["median"] <= row["q3"] <= row["max"]
