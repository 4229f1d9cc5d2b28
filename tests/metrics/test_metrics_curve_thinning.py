"""Curves thinned for publication: every point rests on at least min_cell events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.metrics import (
    InvalidOptionError,
    MissingColumnError,
    cumulative_incidence,
    suppress_small_cells,
    suppression_layout,
    thin_curve_for_publication,
)

from .conftest import day

START = day(2024, 1, 1)
AS_OF = day(2025, 1, 1)


def cohort(enrollments, finishes: Sequence[int | None], course: str = "c1"):
    """One enrollment per entry, all on START: completed after that many days, or still enrolled."""
    return enrollments(
        [
            {"course_name": course, "enrolled_at": START}
            if days is None
            else {
                "course_name": course,
                "enrolled_at": START,
                "completion_status": "completed",
                "completed_at": START + timedelta(days=days),
            }
            for days in finishes
        ]
    )


def test_points_every_ten_completions_by_hand(enrollments) -> None:
    # 40 enrolled: 4 complete on day 10, 3 on day 20, 5 on day 30, 12 on day 50, 2 on day 60.
    finishes = [10] * 4 + [20] * 3 + [30] * 5 + [50] * 12 + [60] * 2 + [None] * 14
    curve = cumulative_incidence(cohort(enrollments, finishes), as_of=AS_OF)
    thinned = thin_curve_for_publication(curve, min_cell=10)
    assert thinned.columns == curve.columns
    rows = thinned.rows(named=True)
    assert [(r["t_days"], r["n_events"], r["n_at_risk"]) for r in rows] == [
        (0, None, None),  # the start, with no counts
        (30, 12, 33),  # 4 + 3 + 5 completions since day 0; 40 - 7 at risk on day 30
        (50, 12, 28),  # the 2 of day 60 never reach 10: no point for them
    ]
    raw = dict(zip(curve["t_days"].to_list(), curve["cif"].to_list(), strict=True))
    assert rows[0]["cif"] == 0.0
    assert rows[1]["cif"] == pytest.approx(raw[30]) == pytest.approx(12 / 40)
    assert rows[2]["cif"] == pytest.approx(raw[50]) == pytest.approx(24 / 40)


def test_min_cell_sets_the_spacing(enrollments) -> None:
    finishes = [10] * 4 + [20] * 3 + [30] * 5 + [50] * 12 + [None] * 6
    curve = cumulative_incidence(cohort(enrollments, finishes), as_of=AS_OF)
    thinned = thin_curve_for_publication(curve, min_cell=5)
    assert thinned["t_days"].to_list() == [0, 20, 30, 50]
    assert thinned["n_events"].to_list() == [None, 7, 5, 12]


def test_at_least_min_cell_completions_on_day_zero_start_the_curve(enrollments) -> None:
    finishes = [0] * 10 + [5] * 10 + [None] * 10
    curve = cumulative_incidence(cohort(enrollments, finishes), as_of=AS_OF)
    rows = thin_curve_for_publication(curve, min_cell=10).rows(named=True)
    assert [(r["t_days"], r["n_events"], r["n_at_risk"]) for r in rows] == [
        (0, 10, 30),
        (5, 10, 20),
    ]
    assert rows[0]["cif"] == pytest.approx(1 / 3)


def test_the_curve_stops_where_fewer_than_min_cell_are_at_risk(enrollments) -> None:
    # 24 complete by day 30; the last 12 complete on days 40 and 45, when 12 and then 6 are left.
    finishes = [30] * 24 + [40] * 6 + [45] * 6
    curve = cumulative_incidence(cohort(enrollments, finishes), as_of=AS_OF)
    thinned = thin_curve_for_publication(curve, min_cell=10)
    assert thinned["t_days"].to_list() == [0, 30]  # day 40: 6 events; day 45: 6 at risk


def test_a_curve_with_nothing_to_publish_is_one_hidden_row(enrollments) -> None:
    frame = pl.concat(
        [
            cohort(enrollments, [10] * 12 + [None] * 20, course="big"),
            cohort(enrollments, [10] * 3 + [None] * 40, course="few completions"),
            cohort(enrollments, [10] * 2 + [None] * 3, course="tiny"),
        ]
    )
    curve = cumulative_incidence(frame, as_of=AS_OF, by=["course_name"])
    thinned = thin_curve_for_publication(curve, min_cell=10)
    published = suppress_small_cells(
        thinned, **suppression_layout("cumulative_incidence", by=["course_name"])
    )
    by_course = {
        name: group.rows(named=True)
        for (name,), group in published.group_by("course_name", maintain_order=True)
    }
    assert [(r["t_days"], r["cif"] is not None) for r in by_course["big"]] == [
        (0, True),
        (10, True),
    ]
    assert not any(r["suppressed"] for r in by_course["big"])
    for name in ("few completions", "tiny"):
        (row,) = by_course[name]
        assert (row["t_days"], row["cif"], row["n_at_risk"], row["n_events"]) == (
            0,
            None,
            None,
            None,
        )
        assert row["suppressed"] is True


def test_groups_and_events_are_thinned_apart(enrollments) -> None:
    frame = pl.concat(
        [
            cohort(enrollments, [5] * 10 + [None] * 10, course="a"),
            cohort(enrollments, [7] * 5 + [9] * 5 + [None] * 10, course="b"),
        ]
    )
    curve = cumulative_incidence(frame, as_of=AS_OF, by=["course_name"])
    thinned = thin_curve_for_publication(curve, min_cell=10)
    assert thinned.select("course_name", "t_days", "n_events").rows() == [
        ("a", 0, None),
        ("a", 5, 10),
        ("b", 0, None),
        ("b", 9, 10),
    ]


def test_options_are_checked(enrollments) -> None:
    curve = cumulative_incidence(cohort(enrollments, [1] * 10), as_of=AS_OF)
    with pytest.raises(InvalidOptionError):
        thin_curve_for_publication(curve, min_cell=0)
    published = suppress_small_cells(curve, **suppression_layout("cumulative_incidence"))
    with pytest.raises(InvalidOptionError):
        thin_curve_for_publication(published)  # after suppression is too late
    with pytest.raises(MissingColumnError):
        thin_curve_for_publication(curve.drop("n_events"))
    empty = thin_curve_for_publication(curve.clear())
    assert empty.is_empty()
    assert empty.schema == curve.schema


# The enrollments fixture is a pure frame builder: sharing it between examples is safe.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.one_of(st.none(), st.integers(0, 40)), min_size=1, max_size=80),
    st.sampled_from([1, 5, 10]),
)
def test_every_point_rests_on_min_cell_events(enrollments, finishes, min_cell) -> None:
    curve = cumulative_incidence(cohort(enrollments, finishes), as_of=AS_OF)
    rows = thin_curve_for_publication(curve, min_cell=min_cell).rows(named=True)
    raw = curve.rows(named=True)
    events_by_day = {r["t_days"]: r["n_events"] for r in raw}
    cif_by_day = {r["t_days"]: r["cif"] for r in raw}
    at_risk_by_day = {r["t_days"]: r["n_at_risk"] for r in raw}
    assert rows[0]["t_days"] == 0
    if all(r["cif"] is None for r in rows):
        assert len(rows) == 1
        assert (rows[0]["n_events"] or 0) < min_cell
        return
    previous_day, previous_cif = -1, 0.0
    for row in rows:
        if row["n_events"] is None:  # the start
            assert (row["t_days"], row["cif"], row["n_at_risk"]) == (0, 0.0, None)
            previous_day = 0
            continue
        since = sum(n for t, n in events_by_day.items() if previous_day < t <= row["t_days"])
        if previous_day == 0 and rows[0]["n_events"] is None:
            since += events_by_day.get(0, 0)  # day-0 events count toward the first point
        assert row["n_events"] == since >= min_cell
        assert row["n_at_risk"] == at_risk_by_day[row["t_days"]] >= min_cell
        assert row["cif"] == cif_by_day[row["t_days"]] >= previous_cif
        previous_day, previous_cif = row["t_days"], row["cif"]
    last = rows[-1]["t_days"]
    rest = sum(n for t, n in events_by_day.items() if t > last and at_risk_by_day[t] >= min_cell)
    assert rest < min_cell  # nothing publishable was left out at the end
