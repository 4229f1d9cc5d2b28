"""Each metric's frame goes through suppress_small_cells with its layout: no small count shown."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from dashboard.metrics import (
    InvalidOptionError,
    cohort_completion_windows,
    cohort_timeline,
    completion_rates,
    cumulative_incidence,
    data_quality,
    filter_vs_all,
    grade_histogram,
    grade_summary,
    suppress_small_cells,
    suppression_layout,
    thin_curve_for_publication,
    time_to_completion,
)

START = datetime(2022, 1, 1, tzinfo=UTC)
AS_OF = datetime(2024, 6, 1, tzinfo=UTC)
MIN_CELL = 10


@pytest.fixture(scope="module")
def data():
    rng = random.Random(7)
    from dashboard.data.schema import COHORT_SCHEMA, ENROLLMENT_SCHEMA

    cohorts = pl.DataFrame(
        [
            {"uuid": f"h{i}", "code": f"H{i}", "modality": "online", "course_uuid": f"c{i % 3}",
             "course_name": f"Course {i % 3}", "start_date": START + timedelta(days=60 * i),
             "end_date": START + timedelta(days=60 * i + 180)}
            for i in range(6)
        ],
        schema=COHORT_SCHEMA,
    )  # fmt: skip
    rows = []
    for i in range(600):
        cohort = rng.randrange(6)
        enrolled = START + timedelta(days=60 * cohort + rng.randrange(30))
        status = rng.choices(["completed", "dropped", "enrolled"], [6, 2, 2])[0]
        done = enrolled + timedelta(days=rng.randrange(60, 400)) if status == "completed" else None
        if done is not None and done > AS_OF:
            status, done = "enrolled", None
        rows.append(
            {"uuid": f"e{i}", "completion_status": status,
             "grade": round(rng.uniform(0, 10), 1) if status == "completed" else None,
             "enrolled_at": enrolled, "completed_at": done, "student_uuid": f"s{i}",
             "student_name": "x", "course_uuid": f"c{cohort % 3}",
             "course_name": f"Course {cohort % 3}", "cohort_uuid": f"h{cohort}",
             "cohort_code": f"H{cohort}"}
        )  # fmt: skip
    return pl.DataFrame(rows, schema=ENROLLMENT_SCHEMA), cohorts


def shown_counts(frame: pl.DataFrame, columns: list[str]) -> list[int]:
    return [v for c in columns if c in frame.columns for v in frame.get_column(c).drop_nulls()]


def check(frame: pl.DataFrame, metric: str, *, by=(), **extra) -> pl.DataFrame:
    layout = suppression_layout(metric, by=by)
    published = suppress_small_cells(frame, min_cell=MIN_CELL, **layout, **extra)
    counts = [
        *([layout.get("n_column", "n")] if layout.get("n_column", "n") else []),
        *layout.get("count_columns", ("completed", "dropped", "enrolled")),
        *layout.get("extra_count_columns", ()),
    ]
    assert all(v >= MIN_CELL for v in shown_counts(published, [c for c in counts if c]))
    statistics = layout.get("statistic_columns", {})
    for stat, base in statistics.items():
        if base in statistics:  # a count hidden with another: its own rule is checked apart
            continue
        hidden_base = published.get_column(base).is_null()
        assert published.filter(hidden_base).get_column(stat).null_count() == int(hidden_base.sum())
    for column in layout.get("individual_columns", ()):
        assert published.get_column(column).null_count() == published.height
    assert published.height == frame.height
    return published


def test_completion_rates_with_total(data) -> None:
    enrollments, _ = data
    frame = completion_rates(enrollments, by=["cohort_code"], total=True)
    check(frame, "completion_rates", total_row=pl.col("is_total"))


def test_filter_vs_all(data) -> None:
    enrollments, _ = data
    frame = filter_vs_all(
        enrollments.filter(pl.col("course_uuid") == "c0"), enrollments, by=["cohort_code"]
    )
    check(frame, "filter_vs_all", by=["cohort_code"])


def test_cohort_windows(data) -> None:
    enrollments, cohorts = data
    frame = cohort_completion_windows(enrollments, cohorts, as_of=AS_OF)
    published = check(frame, "cohort_completion_windows")
    assert published.filter(pl.col("status") != "shown").get_column(
        "completion_rate"
    ).null_count() == (published.filter(pl.col("status") != "shown").height)


def test_time_to_completion(data) -> None:
    enrollments, _ = data
    check(time_to_completion(enrollments, by=["cohort_code"]), "time_to_completion")


def test_cumulative_incidence(data) -> None:
    enrollments, _ = data
    frame = cumulative_incidence(enrollments, as_of=AS_OF, by=["course_name"])
    published = check(frame, "cumulative_incidence")
    few_at_risk = frame.get_column("n_at_risk") < MIN_CELL
    assert published.filter(few_at_risk).get_column("cif").null_count() == int(few_at_risk.sum())
    # where a step's events are hidden, so are the number at risk and the step's cif: step
    # height x at risk = events (the layout's second line; thin_curve_for_publication is first)
    hidden_events = pl.col("n_events").is_null()
    assert published.filter(hidden_events & pl.col("n_at_risk").is_not_null()).height == 0
    assert published.filter(hidden_events & pl.col("cif").is_not_null()).height == 0


def test_thinned_cumulative_incidence(data) -> None:
    enrollments, _ = data
    frame = cumulative_incidence(enrollments, as_of=AS_OF, by=["course_name"])
    thinned = thin_curve_for_publication(frame, min_cell=MIN_CELL)
    published = check(thinned, "cumulative_incidence")
    points = published.filter(pl.col("t_days") > 0)
    assert points.height > 0
    assert (points.get_column("n_events") >= MIN_CELL).all()
    assert points.get_column("cif").null_count() == 0


def test_grade_histogram_and_summary(data) -> None:
    enrollments, _ = data
    hist = grade_histogram(enrollments, by=["course_name"], bin_width=2.5)
    published = check(hist, "grade_histogram", by=["course_name"])
    for _, group in published.group_by("course_name"):
        assert group.get_column("count").null_count() != 1
    summary = grade_summary(enrollments, by=["course_name"])
    check(summary, "grade_summary")


def test_cohort_timeline(data) -> None:
    enrollments, cohorts = data
    frame = cohort_timeline(enrollments, cohorts, as_of=AS_OF)
    published = check(frame, "cohort_timeline")
    for _, group in published.group_by("cohort_uuid"):
        assert group.get_column("new_enrollments").null_count() != 1


def test_data_quality(data) -> None:
    enrollments, cohorts = data
    check(data_quality(enrollments, cohorts, as_of=AS_OF), "data_quality")


def test_unknown_metric_raises() -> None:
    with pytest.raises(InvalidOptionError):
        suppression_layout("nope")
