"""Cumulative incidence: hand-computed risk sets, drops kept at risk, Aalen-Johansen with dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.metrics import InvalidOptionError, cumulative_incidence

START = datetime(2020, 1, 1, tzinfo=UTC)
AS_OF = START + timedelta(days=100)


def at(days: float) -> datetime:
    return START + timedelta(days=days)


@pytest.fixture
def five(enrollments) -> pl.DataFrame:
    """A completes at 10, B at 30 (both enrolled day 0); C enrolled day 80, still enrolled;
    D enrolled day 90, dropped; E enrolled day 0, dropped."""
    return enrollments(
        [
            {"uuid": "A", "completion_status": "completed", "enrolled_at": START,
             "completed_at": at(10)},
            {"uuid": "B", "completion_status": "completed", "enrolled_at": START,
             "completed_at": at(30)},
            {"uuid": "C", "completion_status": "enrolled", "enrolled_at": at(80)},
            {"uuid": "D", "completion_status": "dropped", "enrolled_at": at(90)},
            {"uuid": "E", "completion_status": "dropped", "enrolled_at": START},
        ]
    )  # fmt: skip


def test_hand_computed_curve_keeps_drops_at_risk_until_the_extract_date(five) -> None:
    got = cumulative_incidence(five, as_of=AS_OF)
    assert got.columns == ["event", "t_days", "cif", "n_at_risk", "n_events"]
    assert got.get_column("event").unique().to_list() == ["completed"]
    rows = [(r["t_days"], r["n_at_risk"], r["n_events"]) for r in got.iter_rows(named=True)]
    # t=10: all 5 at risk (D's follow-up is 10 days, events before censoring);
    # t=30: A, D (left at 10) and C (left at 20) are gone -> B and E.
    assert rows == [(0, 5, 0), (10, 5, 1), (30, 2, 1), (100, 1, 0)]
    assert got.get_column("cif").to_list() == pytest.approx([0.0, 0.2, 0.6, 0.6])


def test_differs_from_leaving_drops_out(five) -> None:
    without_drops = five.filter(pl.col("completion_status") != "dropped")
    naive = cumulative_incidence(without_drops, as_of=AS_OF).get_column("cif").max()
    honest = cumulative_incidence(five, as_of=AS_OF).get_column("cif").max()
    assert naive == pytest.approx(1.0)
    assert honest == pytest.approx(0.6)


def test_aalen_johansen_with_drop_dates(five) -> None:
    dated = five.with_columns(
        pl.when(pl.col("uuid") == "D")
        .then(pl.lit(at(95)))
        .when(pl.col("uuid") == "E")
        .then(pl.lit(at(20)))
        .alias("dropped_at")
    )
    got = cumulative_incidence(dated, as_of=AS_OF, dropped_at="dropped_at")
    completed = got.filter(pl.col("event") == "completed")
    dropped = got.filter(pl.col("event") == "dropped")
    # t=5 (D drops 5 days in): n=5 -> S=4/5; t=10: n=4, A completes -> F1 = 4/5 * 1/4 = 0.2
    # t=20: C (censored at 20) and E (drops at 20) at risk -> n=3, F2 += (3/5) * 1/3 = 0.2
    # t=30: n=1 (B) -> F1 += (2/5) * 1 = 0.4 -> 0.6
    assert dict(zip(completed["t_days"], completed["cif"], strict=True)) == pytest.approx(
        {0: 0.0, 10: 0.2, 30: 0.6}
    )
    assert dict(zip(dropped["t_days"], dropped["cif"], strict=True)) == pytest.approx(
        {0: 0.0, 5: 0.2, 20: 0.4, 30: 0.4}
    )


def test_undated_drop_with_dropped_at_raises(five) -> None:
    with pytest.raises(InvalidOptionError):
        cumulative_incidence(
            five.with_columns(dropped_at=pl.lit(None, dtype=five.schema["enrolled_at"])),
            as_of=AS_OF,
            dropped_at="dropped_at",
        )


def test_by_group_and_max_days(five) -> None:
    grouped = five.with_columns(
        pl.when(pl.col("uuid").is_in(["A", "E"]))
        .then(pl.lit("x"))
        .otherwise(pl.lit("y"))
        .alias("g")
    )
    got = cumulative_incidence(grouped, as_of=AS_OF, by=["g"], max_days=20)
    assert got.columns[0] == "g"
    x = got.filter(pl.col("g") == "x")
    assert x.select("t_days", "cif").rows() == [(0, 0.0), (10, 0.5)]
    assert max(got.get_column("t_days").to_list()) <= 20


def test_steps_group_times(five) -> None:
    got = cumulative_incidence(five, as_of=AS_OF, step_days=7)
    # A at day 10 -> step 7 (all 5 at risk); B at 30 -> step 28: A, D (10 -> 7) and C (20 -> 14)
    # have left, so B and E remain.
    assert got.select("t_days", "n_at_risk", "n_events").rows() == [
        (0, 5, 0), (7, 5, 1), (28, 2, 1), (98, 1, 0),
    ]  # fmt: skip
    assert got.get_column("cif").to_list() == pytest.approx([0.0, 0.2, 0.6, 0.6])
    with pytest.raises(InvalidOptionError):
        cumulative_incidence(five, as_of=AS_OF, step_days=0)


def test_unplaceable_rows_are_left_out(enrollments) -> None:
    frame = enrollments(
        [
            {"completion_status": "completed", "enrolled_at": START, "completed_at": None},
            {"completion_status": "completed", "enrolled_at": START, "completed_at": at(200)},
            {"completion_status": "enrolled", "enrolled_at": at(150)},
            {"completion_status": None, "enrolled_at": START},
            {"completion_status": "completed", "enrolled_at": START, "completed_at": at(50)},
        ]
    )
    got = cumulative_incidence(frame, as_of=AS_OF)
    assert got.select("t_days", "n_at_risk", "cif").rows() == [(0, 1, 0.0), (50, 1, 1.0)]


def test_empty_input_gives_no_rows(enrollments) -> None:
    assert cumulative_incidence(enrollments([]), as_of=AS_OF).height == 0


subjects = st.lists(
    st.tuples(
        st.integers(0, 99),  # enrolled on day
        st.sampled_from(["completed", "dropped", "enrolled"]),
        st.integers(0, 120),  # days to completion (kept only if before the extract date)
    ),
    min_size=1,
    max_size=30,
)


def frame_of(rows: list[tuple[int, str, int]]) -> pl.DataFrame:
    records = []
    for start, status, took in rows:
        done = status == "completed" and start + took <= 100
        records.append(
            {
                "completion_status": status if status != "completed" or done else "enrolled",
                "enrolled_at": at(start),
                "completed_at": at(start + took) if done else None,
            }
        )
    return pl.DataFrame(
        records,
        schema={
            "completion_status": pl.String,
            "enrolled_at": pl.Datetime("us", "UTC"),
            "completed_at": pl.Datetime("us", "UTC"),
        },
    )


@settings(max_examples=60, deadline=None)
@given(subjects)
def test_curve_is_monotone_bounded_and_risk_sets_shrink(rows) -> None:
    got = cumulative_incidence(frame_of(rows), as_of=AS_OF)
    cif = got.get_column("cif").to_list()
    assert all(0.0 <= c <= 1.0 for c in cif)
    assert cif == sorted(cif)
    at_risk = got.get_column("n_at_risk").to_list()
    assert at_risk == sorted(at_risk, reverse=True)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["completed", "dropped", "enrolled"]), st.integers(0, 60)),
        min_size=1,
        max_size=30,
    )
)
def test_without_censoring_the_curve_ends_at_the_completed_share(rows) -> None:
    frame = frame_of([(0, status, took) for status, took in rows])
    got = cumulative_incidence(frame, as_of=AS_OF)
    completed = sum(1 for status, _ in rows if status == "completed")
    assert got.get_column("cif").max() == pytest.approx(completed / len(rows))


@settings(max_examples=40, deadline=None)
@given(subjects, st.lists(st.integers(0, 99), min_size=30, max_size=30))
def test_aalen_johansen_curves_add_up_to_at_most_one(rows, drop_after) -> None:
    frame = frame_of(rows).with_columns(
        pl.Series("_after", drop_after[: len(rows)]),
    )
    frame = frame.with_columns(
        pl.when(pl.col("completion_status") == "dropped")
        .then(
            pl.min_horizontal(
                pl.col("enrolled_at") + pl.duration(days=pl.col("_after")), pl.lit(AS_OF)
            )
        )
        .alias("dropped_at")
    )
    got = cumulative_incidence(frame, as_of=AS_OF, dropped_at="dropped_at")
    wide = got.pivot(on="event", index="t_days", values="cif").sort("t_days")
    filled = wide.select(pl.all().forward_fill().fill_null(0.0))
    for name in ("completed", "dropped"):
        if name in filled.columns:
            values = filled.get_column(name).to_list()
            assert values == sorted(values)
    total = sum((filled.get_column(c) for c in filled.columns if c != "t_days"), pl.Series([0.0]))
    assert all(v <= 1.0 + 1e-12 for v in total.to_list())
