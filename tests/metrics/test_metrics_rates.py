"""Completion and dropout rates: hand-computed counts, rates and intervals; filter vs all."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.metrics import MissingColumnError, completion_rates, filter_vs_all, wilson_interval

COLUMNS = [
    "n",
    "completed",
    "dropped",
    "enrolled",
    "completion_rate",
    "completion_rate_ci_low",
    "completion_rate_ci_high",
    "dropout_rate",
    "dropout_rate_ci_low",
    "dropout_rate_ci_high",
]


def test_overall_row_hand_computed(enrollments) -> None:
    frame = enrollments(
        [{"completion_status": s} for s in ["completed"] * 3 + ["dropped"] + ["enrolled"] * 2]
    )
    got = completion_rates(frame, by=())
    assert got.columns == COLUMNS
    row = got.row(0, named=True)
    assert (row["n"], row["completed"], row["dropped"], row["enrolled"]) == (6, 3, 1, 2)
    assert row["completion_rate"] == 0.5
    assert row["dropout_rate"] == pytest.approx(1 / 6)
    assert (row["completion_rate_ci_low"], row["completion_rate_ci_high"]) == pytest.approx(
        wilson_interval(3, 6)
    )
    assert (row["dropout_rate_ci_low"], row["dropout_rate_ci_high"]) == pytest.approx(
        wilson_interval(1, 6)
    )


def test_by_course_includes_k_zero_and_k_n(enrollments) -> None:
    frame = enrollments(
        [{"course_name": "A", "completion_status": "completed"}] * 4
        + [{"course_name": "B", "completion_status": "dropped"}] * 2
    )
    got = completion_rates(frame, by=["course_name"]).rows_by_key("course_name", named=True)
    a, b = got["A"][0], got["B"][0]
    assert (a["n"], a["completed"], a["completion_rate"], a["completion_rate_ci_high"]) == (
        4,
        4,
        1.0,
        1.0,
    )
    assert (a["dropout_rate"], a["dropout_rate_ci_low"]) == (0.0, 0.0)
    assert (b["completion_rate"], b["completion_rate_ci_low"], b["dropout_rate"]) == (0.0, 0.0, 1.0)


def test_empty_frame_overall_is_n_zero_with_null_rates(enrollments) -> None:
    got = completion_rates(enrollments([]), by=())
    assert got.height == 1
    row = got.row(0, named=True)
    assert row["n"] == 0
    assert row["completion_rate"] is None
    assert row["completion_rate_ci_low"] is None


def test_empty_frame_by_group_has_no_rows(enrollments) -> None:
    got = completion_rates(enrollments([]), by=["course_name"])
    assert got.height == 0
    assert got.columns == ["course_name", *COLUMNS]


def test_null_key_is_its_own_group_and_sorted_last(enrollments) -> None:
    frame = enrollments([{"cohort_code": "Z"}, {"cohort_code": None}, {"cohort_code": "A"}])
    got = completion_rates(frame, by=["cohort_code"])
    assert got.get_column("cohort_code").to_list() == ["A", "Z", None]
    assert got.get_column("n").to_list() == [1, 1, 1]


def test_missing_status_counts_in_n_only(enrollments) -> None:
    frame = enrollments([{"completion_status": "completed"}, {"completion_status": None}])
    row = completion_rates(frame, by=()).row(0, named=True)
    assert (row["n"], row["completed"], row["dropped"], row["enrolled"]) == (2, 1, 0, 0)
    assert row["completion_rate"] == 0.5


def test_total_appends_overall_row(enrollments) -> None:
    frame = enrollments(
        [{"course_name": "A", "completion_status": "completed"}]
        + [{"course_name": "B", "completion_status": "dropped"}] * 2
    )
    got = completion_rates(frame, by=["course_name"], total=True)
    assert got.get_column("is_total").to_list() == [False, False, True]
    total = got.filter(pl.col("is_total")).row(0, named=True)
    assert (total["course_name"], total["n"], total["completed"], total["dropped"]) == (
        None,
        3,
        1,
        2,
    )


def test_missing_grouping_column_names_with_groupings(enrollments) -> None:
    with pytest.raises(MissingColumnError, match="with_groupings"):
        completion_rates(enrollments([{}]), by=["intake_year"])


def test_filter_vs_all_puts_both_scopes_with_their_n(enrollments) -> None:
    everyone = enrollments(
        [{"course_name": "A", "completion_status": "completed"}] * 3
        + [{"course_name": "B", "completion_status": "enrolled"}] * 1
    )
    filtered = everyone.filter(pl.col("course_name") == "A")
    got = filter_vs_all(filtered, everyone)
    assert got.columns == ["scope", *COLUMNS]
    assert got.select("scope", "n", "completion_rate").rows() == [
        ("filter", 3, 1.0),
        ("all", 4, 0.75),
    ]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C"]), st.sampled_from(["completed", "dropped", "enrolled"])
        ),
        max_size=40,
    )
)
def test_rates_are_proportions_and_counts_add_up(rows: list[tuple[str, str]]) -> None:
    frame = pl.DataFrame(
        {"course_name": [r[0] for r in rows], "completion_status": [r[1] for r in rows]},
        schema={"course_name": pl.String, "completion_status": pl.String},
    )
    got = completion_rates(frame, by=["course_name"])
    assert got.get_column("n").sum() == len(rows)
    for row in got.iter_rows(named=True):
        assert row["completed"] + row["dropped"] + row["enrolled"] == row["n"]
        for rate in ("completion_rate", "dropout_rate"):
            assert 0.0 <= row[f"{rate}_ci_low"] <= row[rate] <= row[f"{rate}_ci_high"] <= 1.0
