"""The internal policy's group rule: hand-worked tables and properties."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.metrics import InvalidOptionError
from dashboard.publication import GroupLayout, withhold_small_groups
from dashboard.publication.group_threshold import (
    COMPLEMENT_NOTE,
    SMALL_BASE_NOTE,
    withhold_as_decided,
)

LAYOUT = GroupLayout(size="n", values=("n", "k", "rate"), total_row=pl.col("is_total"))


def table(sizes: list[int], *, total: bool = True) -> pl.DataFrame:
    ks = [size // 3 for size in sizes]
    rows = [
        {"g": f"g{i}", "n": n, "k": k, "is_total": False}
        for i, (n, k) in enumerate(zip(sizes, ks, strict=True))
    ]
    if total:
        rows.append({"g": None, "n": sum(sizes), "k": sum(ks), "is_total": True})
    return pl.DataFrame(rows).with_columns(
        (pl.col("k") / pl.col("n")).alias("rate"),
        pl.lit(0.0).alias("rate_ci_low"),
        pl.lit(1.0).alias("rate_ci_high"),
    )


def test_large_groups_show_every_count_even_small_ones() -> None:
    got = withhold_small_groups(table([40, 25]), LAYOUT, min_cell=10)
    assert got["k"].to_list() == [13, 8, 21]  # 8 of 25 is shown: the group is large
    assert not got["suppressed"].any()


def test_one_small_group_beside_a_total_hides_the_next_smallest() -> None:
    got = withhold_small_groups(table([40, 25, 12, 7]), LAYOUT, min_cell=10)
    assert got["n"].to_list() == [40, 25, None, None, 84]
    assert got["rate_ci_low"].to_list()[2:4] == [None, None]
    assert got["suppression_note"].to_list() == [None, None, COMPLEMENT_NOTE, "n<10", None]


def test_small_groups_adding_up_to_the_minimum_need_no_complement() -> None:
    got = withhold_small_groups(table([20, 20, 6, 4]), LAYOUT, min_cell=10)
    assert got["n"].to_list() == [20, 20, None, None, 50]


def test_two_small_groups_still_under_the_minimum_pull_a_complement() -> None:
    # 3 + 4 = 7 hidden would still be worked out from the total: hide the 15 too.
    got = withhold_small_groups(table([30, 15, 3, 4]), LAYOUT, min_cell=10)
    assert got["n"].to_list() == [30, None, None, None, 52]


def test_without_a_total_groups_stand_alone() -> None:
    got = withhold_small_groups(
        table([40, 12, 7], total=False), GroupLayout(size="n", values=("n", "k")), min_cell=10
    )
    assert got["n"].to_list() == [40, 12, None]


def test_with_nothing_to_hide_behind_the_total_goes() -> None:
    got = withhold_small_groups(table([12, 5]), LAYOUT, min_cell=10)
    # Hiding 12 leaves 17 unshown: enough.
    assert got["n"].to_list() == [None, None, 17]
    alone = withhold_small_groups(table([5]), LAYOUT, min_cell=10)
    assert alone["n"].to_list() == [None, None]


def test_empty_groups_need_no_protection() -> None:
    got = withhold_small_groups(table([40, 25, 0]), LAYOUT, min_cell=10)
    assert got["n"].to_list() == [40, 25, None, 65]


def test_unlisted_rest_of_the_total_is_a_hidden_part() -> None:
    frame = pl.DataFrame(
        {"scope": ["filter", "all"], "n": [95, 100], "k": [30, 31]},
    )
    layout = GroupLayout(
        size="n",
        values=("n", "k"),
        total_row=pl.col("scope") == "all",
        total_includes_unlisted=True,
    )
    got = withhold_small_groups(frame, layout, min_cell=10)
    assert got["n"].to_list() == [None, 100]  # all - filter = 5: the filter goes
    wide = frame.with_columns(pl.Series("n", [50, 100]))
    assert withhold_small_groups(wide, layout, min_cell=10)["n"].to_list() == [50, 100]


def test_values_resting_on_a_small_base_are_hidden_alone() -> None:
    frame = pl.DataFrame({"n": [40], "n_graded": [4], "median": [7.0], "min": [2.0]})
    layout = GroupLayout(
        size="n",
        values=("n", "n_graded", "median"),
        bases={"median": "n_graded"},
        individual_columns=("min",),
    )
    got = withhold_small_groups(frame, layout, min_cell=10).row(0, named=True)
    assert (got["n"], got["n_graded"], got["median"], got["min"]) == (40, 4, None, None)
    assert got["suppression_note"] == SMALL_BASE_NOTE


def test_multi_row_units_are_hidden_whole() -> None:
    frame = pl.DataFrame({"g": ["a", "a", "b", "b"], "count": [8, 0, 3, 2]})
    layout = GroupLayout(size="count", values=("count",), units=("g",), size_rule="sum")
    got = withhold_small_groups(frame, layout, min_cell=5)
    assert got["count"].to_list() == [8, 0, 3, 2]
    got = withhold_small_groups(frame, layout, min_cell=6)
    assert got["count"].to_list() == [8, 0, None, None]


def test_min_cell_must_be_positive() -> None:
    with pytest.raises(InvalidOptionError):
        withhold_small_groups(table([10]), LAYOUT, min_cell=0)


@given(st.lists(st.integers(0, 40), min_size=1, max_size=8), st.integers(1, 15))
def test_the_hidden_part_of_a_shown_total_is_never_small(sizes: list[int], min_cell: int) -> None:
    got = withhold_small_groups(table(sizes), LAYOUT, min_cell=min_cell)
    groups = got.head(len(sizes))
    shown_n = [n for n in groups["n"].to_list() if n is not None]
    # Every shown group is large enough, and shows all its counts and rate.
    assert all(n >= min_cell for n in shown_n)
    for row in groups.iter_rows(named=True):
        if row["n"] is not None:
            assert row["k"] is not None
            assert row["rate"] is not None
    # Every large group is shown unless hidden to protect (never for being small).
    for size, note in zip(sizes, groups["suppression_note"].to_list(), strict=True):
        if size >= min_cell:
            assert note in (None, COMPLEMENT_NOTE)
        elif size > 0:
            assert note == f"n<{min_cell}"
    total = got.row(len(sizes), named=True)
    if total["n"] is not None:
        unshown = total["n"] - sum(shown_n)
        assert unshown == 0 or unshown >= min_cell


def test_rows_published_as_decided_are_those_of_the_whole_table() -> None:
    whole = withhold_small_groups(table([40, 25, 12, 7]), LAYOUT, min_cell=10)
    sizes_only = GroupLayout(size="n", values=(), total_row=pl.col("is_total"))
    notes = withhold_small_groups(table([40, 25, 12, 7]), sizes_only, min_cell=10)
    for row in range(5):
        alone = table([40, 25, 12, 7]).slice(row, 1)
        decided = notes.get_column("suppression_note").slice(row, 1).to_list()
        got = withhold_as_decided(alone, LAYOUT, decided, min_cell=10)
        assert got.equals(whole.slice(row, 1), null_equal=True)


def test_a_decision_per_row_is_needed() -> None:
    with pytest.raises(InvalidOptionError, match="2 decisions for 1 rows"):
        withhold_as_decided(table([40], total=False), LAYOUT, [None, None], min_cell=10)
