"""Top and bottom coding of hidden rates (public policy)."""

from __future__ import annotations

import math

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from dashboard.publication import band_for, completion_table


def test_bands_by_group_size() -> None:
    assert band_for(0, 40, min_cell=10) == "<=5%"
    assert band_for(2, 40, min_cell=10) == "<=5%"
    assert band_for(3, 40, min_cell=10) is None  # 7.5%: not extreme, stays hidden
    assert band_for(40, 40, min_cell=10) == ">=95%"
    assert band_for(1, 12, min_cell=10) == "<=10%"
    assert band_for(0, 500, min_cell=10) == "<=1%"
    assert band_for(1999, 2000, min_cell=10) == ">=99.9%"
    assert band_for(0, 9, min_cell=10) is None  # the group itself is too small


def test_a_band_that_could_only_be_one_count_is_not_shown() -> None:
    # <=2% of 45 admits only 0: it would publish the hidden count exactly.
    assert band_for(0, 45, min_cell=10) is None
    assert band_for(0, 50, min_cell=10) == "<=2%"  # 0 or 1


@given(st.integers(0, 3000), st.integers(1, 3000))
def test_a_band_holds_the_count_and_at_least_one_other(count: int, n: int) -> None:
    count = min(count, n)
    band = band_for(count, n, min_cell=10)
    if band is None:
        return
    bound = float(band.lstrip("<>=").rstrip("%")) / 100
    if band.startswith("<="):
        admitted = range(0, math.floor(bound * n + 1e-9) + 1)
    else:
        admitted = range(math.ceil(bound * n - 1e-9), n + 1)
    assert count in admitted
    assert len(admitted) >= 2


def test_public_table_codes_a_hidden_extreme_rate() -> None:
    # 40 enrollments, nobody dropped: the 0 is hidden (public), its rate given as <=5%.
    frame = pl.DataFrame(
        {"course_name": ["A"] * 40, "completion_status": ["completed"] * 30 + ["enrolled"] * 10}
    )
    row = completion_table(frame, by=[], policy="public").row(0, named=True)
    assert (row["n"], row["dropped"], row["dropout_rate"]) == (40, None, None)
    assert row["dropout_rate_band"] == "<=5%"
    assert row["completion_rate_band"] is None
