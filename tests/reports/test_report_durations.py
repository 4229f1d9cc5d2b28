"""time-to-completion and completion-curves on the hand-built tenant."""

from __future__ import annotations

import polars as pl
import pytest

from dashboard.reports.completion import ALL_GROUPS
from dashboard.reports.durations import completion_curves, time_to_completion_by_course

from .conftest import ReportData


def by_course(frame: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {row["course_name"]: row for row in frame.iter_rows(named=True)}


def test_time_to_completion_by_hand(report_data: ReportData) -> None:
    rows = by_course(time_to_completion_by_course(report_data.enrollments, min_cell=1))
    assert list(rows) == ["Algebra", "Biology", "Chemistry", ALL_GROUPS]
    # Algebra: 10 completers after 335 days, 10 after 517 (linear-interpolated quartiles).
    alg = rows["Algebra"]
    assert alg["n_completers"] == 20
    assert (alg["median_days"], alg["q1_days"], alg["q3_days"]) == (426.0, 335.0, 517.0)
    assert alg["mean_days"] == pytest.approx(426.0)
    assert rows["Biology"]["median_days"] == 517.0
    # Chemistry: one completer (184 days); the completed row without a date is left out.
    chem = rows["Chemistry"]
    assert (chem["n_completers"], chem["median_days"], chem["n_excluded"]) == (1, 184.0, 1)
    overall = rows[ALL_GROUPS]
    assert overall["is_total"] is True
    assert overall["n_completers"] == 33
    assert overall["mean_days"] == pytest.approx((10 * 335 + 22 * 517 + 184) / 33)
    assert (overall["median_days"], overall["q1_days"]) == (517.0, 335.0)


def test_time_to_completion_hides_small_groups_and_their_complement(
    report_data: ReportData,
) -> None:
    rows = by_course(time_to_completion_by_course(report_data.enrollments))
    chem = rows["Chemistry"]
    assert chem["n_completers"] is None
    assert chem["median_days"] is None
    assert chem["suppression_note"] == "n<10"
    # With the overall 33 shown, Chemistry's 1 = 33 - 20 - 12: Biology (smallest) goes too.
    assert rows["Biology"]["n_completers"] is None
    assert rows["Algebra"]["median_days"] == 426.0


def test_completion_curves_by_hand(report_data: ReportData) -> None:
    frame = completion_curves(report_data.enrollments, as_of=report_data.as_of, policy="public")
    algebra = frame.filter(pl.col("course_name") == "Algebra")
    steps = {row["t_days"]: row for row in algebra.iter_rows(named=True)}
    # 40 at risk; 10 complete on day 335, 10 more on day 517 (drops stay at risk, no censoring
    # before as_of), so the cumulative incidence is 0.25 then 0.5.
    assert steps[335]["cif"] == pytest.approx(0.25)
    assert (steps[335]["n_at_risk"], steps[335]["n_events"]) == (40, 10)
    assert steps[517]["cif"] == pytest.approx(0.5)
    # Thinned for publication: the curve starts at 0 with no counts, then only points that
    # rest on at least 10 completions since the previous one.
    assert (steps[0]["cif"], steps[0]["n_at_risk"], steps[0]["n_events"]) == (0.0, None, None)
    assert sorted(steps) == [0, 335, 517]
    points = frame.filter(pl.col("cif").is_not_null() & (pl.col("t_days") > 0))
    assert points["n_events"].null_count() == 0
    assert points["n_events"].min() >= 10  # type: ignore[operator]
    assert set(frame["event"].to_list()) == {"completed"}
    # Chemistry's 4 enrollments publish no curve at all.
    chemistry = frame.filter(pl.col("course_name") == "Chemistry")
    assert chemistry["cif"].null_count() == chemistry.height > 0
    cif = frame["cif"].drop_nulls()
    assert cif.min() >= 0  # type: ignore[operator]
    assert cif.max() <= 1  # type: ignore[operator]
