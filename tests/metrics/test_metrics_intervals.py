"""Wilson intervals: published values, edge cases, and the expression form against the scalar."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.metrics import InvalidCountError, rate_with_interval, wilson_bounds, wilson_interval

# Newcombe (1998), Statistics in Medicine 17:857-872, worked examples, Wilson score without
# continuity correction, to 4 decimals.
PUBLISHED = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("k", "n", "low", "high"), PUBLISHED)
def test_matches_newcombe_1998(k: int, n: int, low: float, high: float) -> None:
    got_low, got_high = wilson_interval(k, n)
    assert got_low == pytest.approx(low, abs=5e-5)
    assert got_high == pytest.approx(high, abs=5e-5)


def test_zero_of_ten_is_zero_to_z2_over_n_plus_z2() -> None:
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(1.96**2 / (10 + 1.96**2))
    assert high == pytest.approx(0.2775, abs=5e-5)


def test_k_equals_n_reaches_one_exactly() -> None:
    low, high = wilson_interval(10, 10)
    assert high == 1.0
    assert low == pytest.approx(1 - 0.2775, abs=5e-5)


def test_n_zero_has_no_interval() -> None:
    assert wilson_interval(0, 0) == (None, None)


@pytest.mark.parametrize(("k", "n"), [(-1, 5), (6, 5), (0, -1)])
def test_impossible_counts_raise(k: int, n: int) -> None:
    with pytest.raises(InvalidCountError):
        wilson_interval(k, n)


def test_z_changes_the_width() -> None:
    narrow = wilson_interval(30, 100, z=1.0)
    wide = wilson_interval(30, 100)
    assert narrow[0] is not None
    assert wide[0] is not None
    assert narrow[0] > wide[0]


def test_expression_form_matches_scalar_and_is_null_at_n_zero() -> None:
    frame = pl.DataFrame({"k": [81, 0, 10, 0, 3], "n": [263, 10, 10, 0, None]})
    low, high = wilson_bounds("k", "n")
    got = frame.select(low.alias("low"), high.alias("high"))
    for (k, n), (lo, hi) in zip(frame.rows(), got.rows(), strict=True):
        if not n:
            assert (lo, hi) == (None, None)
        else:
            assert (lo, hi) == pytest.approx(wilson_interval(k, n))


def test_rate_with_interval_names_three_columns() -> None:
    frame = pl.DataFrame({"done": [3, 0], "n": [4, 0]})
    got = frame.select(rate_with_interval("pass_rate", "done", "n"))
    assert got.columns == ["pass_rate", "pass_rate_ci_low", "pass_rate_ci_high"]
    assert got.row(0)[0] == 0.75
    assert got.row(1) == (None, None, None)


@settings(max_examples=200)
@given(
    st.integers(min_value=1, max_value=5000).flatmap(
        lambda n: st.tuples(st.integers(0, n), st.just(n))
    )
)
def test_interval_is_inside_unit_and_contains_estimate(pair: tuple[int, int]) -> None:
    k, n = pair
    low, high = wilson_interval(k, n)
    assert low is not None
    assert high is not None
    assert 0.0 <= low <= k / n <= high <= 1.0
    frame = pl.DataFrame({"k": [k], "n": [n]})
    lo_expr, hi_expr = wilson_bounds("k", "n")
    assert frame.select(lo_expr, hi_expr.alias("h")).row(0) == pytest.approx((low, high))
