"""Charts drawn from real dashboard.metrics output: nothing the suppression hid reaches a spec."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from dashboard.charts import (
    cohort_timeline_chart,
    cohort_window_chart,
    completion_rate_chart,
    cumulative_incidence_chart,
    data_quality_chart,
    grade_box_chart,
    grade_histogram_chart,
    status_composition_chart,
)
from dashboard.data.schema import COHORT_SCHEMA, ENROLLMENT_SCHEMA
from dashboard.metrics import (
    cohort_completion_windows,
    cohort_timeline,
    cohort_windows_planned,
    completion_rates,
    cumulative_incidence,
    data_quality,
    filter_vs_all,
    grade_histogram,
    grade_summary,
    suppress_small_cells,
    suppression_layout,
    thin_curve_for_publication,
)

# course -> (completed, enrolled, dropped)
COURSES = {
    "Biology": (30, 7, 3),  # small dropped/enrolled: cells hidden, the completion rate stays
    "Chemistry": (4, 1, 1),  # n = 6: the whole group is hidden
    "History": (40, 30, 20),  # nothing hidden
}


def enrollment_rows() -> pl.DataFrame:
    rows = []
    for course, counts in COURSES.items():
        for status, count in zip(("completed", "enrolled", "dropped"), counts, strict=True):
            rows += [
                {
                    "uuid": f"{course}-{status}-{i}",
                    "completion_status": status,
                    "enrolled_at": datetime(2024, 1, 1, tzinfo=UTC),
                    "course_uuid": course.lower(),
                    "course_name": course,
                }
                for i in range(count)
            ]
    return pl.DataFrame(rows, schema=ENROLLMENT_SCHEMA)


@pytest.fixture
def published() -> pl.DataFrame:
    return suppress_small_cells(completion_rates(enrollment_rows(), by=["course_name"]))


def assert_hidden_stays_hidden(published: pl.DataFrame, rows: list[dict[str, Any]]) -> None:
    """Every value the metric nulled is null (or absent) in the chart's data too."""
    by_course = {row["course_name"]: row for row in published.to_dicts()}
    for row in rows:
        source = by_course[row["course_name"]]
        for column, value in row.items():
            if column in source and source[column] is None:
                assert value is None, (row["course_name"], column, value)


def test_completion_chart_hides_what_the_metric_hid(published: pl.DataFrame, spec: Any) -> None:
    chart = spec(completion_rate_chart(published, by="course_name"))
    assert_hidden_stays_hidden(published, chart.rows())
    rows = {row["course_name"]: row for row in chart.rows()}
    assert rows["Biology"]["withheld"] is False
    assert rows["Biology"]["completion_rate"] == pytest.approx(30 / 40)
    assert rows["Chemistry"]["withheld"] is True
    assert rows["Chemistry"]["note"] == "n<10"
    assert rows["History"]["n"] == 90


def test_dropout_chart_labels_hidden_small_counts(published: pl.DataFrame, spec: Any) -> None:
    chart = spec(completion_rate_chart(published, by="course_name", rate="dropout"))
    assert_hidden_stays_hidden(published, chart.rows())
    biology = next(row for row in chart.rows() if row["course_name"] == "Biology")
    assert biology["withheld"] is True
    assert biology["note"] == "hidden to protect a small count"


def test_composition_chart_hides_what_the_metric_hid(published: pl.DataFrame, spec: Any) -> None:
    chart = spec(status_composition_chart(published, by="course_name"))
    assert_hidden_stays_hidden(published, chart.rows())
    biology = next(row for row in chart.rows() if row["course_name"] == "Biology")
    assert (biology["completed"], biology["not shown"]) == (30, 10)


def test_filter_vs_all_draws(spec: Any) -> None:
    everything = enrollment_rows()
    history = everything.filter(pl.col("course_name") == "History")
    published = suppress_small_cells(
        filter_vs_all(history, everything, by=["course_name"]), row_sets=("scope",)
    )
    chart = spec(completion_rate_chart(published, by="course_name"))
    scopes = {(row["course_name"], row["scope"]) for row in chart.rows()}
    assert ("History", "Current filter") in scopes
    assert ("History", "All enrollments") in scopes


# --- every chart, from every metric, suppressed with the metric's own layout -------------------

AS_OF = datetime(2025, 6, 1, tzinfo=UTC)


def _day(year: int, month: int, dom: int) -> datetime:
    return datetime(year, month, dom, tzinfo=UTC)


@pytest.fixture(scope="module")
def school() -> tuple[pl.DataFrame, pl.DataFrame]:
    """~300 enrollments in 3 courses and 4 cohorts (one small), with grades and dates."""
    rng = random.Random(7)
    cohort_rows = [
        ("h-bio-22", "BIO-22", "bio", "Biology", _day(2022, 2, 1), _day(2023, 2, 1), 120),
        ("h-bio-24", "BIO-24", "bio", "Biology", _day(2024, 2, 1), _day(2025, 2, 1), 110),
        ("h-che-23", "CHE-23", "che", "Chemistry", None, None, 60),
        ("h-his-23", "HIS-23", "his", "History", _day(2023, 9, 1), _day(2024, 9, 1), 8),
    ]
    cohorts = pl.DataFrame(
        [
            {"uuid": u, "code": c, "modality": "online", "start_date": s, "end_date": e,
             "course_uuid": cu, "course_name": cn}
            for u, c, cu, cn, s, e, _ in cohort_rows
        ],
        schema=COHORT_SCHEMA,
    )  # fmt: skip
    rows = []
    for uuid, code, course_uuid, course, start, _, size in cohort_rows:
        begin = start or _day(2023, 3, 1)
        for i in range(size):
            enrolled = begin + timedelta(days=rng.randint(0, 40))
            finished = enrolled + timedelta(days=rng.randint(150, 500))
            draw = rng.random()
            completed = draw < 0.6 and finished <= AS_OF
            rows.append(
                {
                    "uuid": f"{code}-{i}",
                    "completion_status": "completed" if completed else
                    ("dropped" if draw < 0.8 else "enrolled"),
                    "grade": round(rng.uniform(2, 10), 1) if completed else None,
                    "enrolled_at": enrolled,
                    "completed_at": finished if completed else None,
                    "student_uuid": f"s-{code}-{i}",
                    "student_name": "Student",
                    "course_uuid": course_uuid,
                    "course_name": course,
                    "cohort_uuid": uuid,
                    "cohort_code": code,
                }
            )  # fmt: skip
    return pl.DataFrame(rows, schema=ENROLLMENT_SCHEMA), cohorts


def publish(frame: pl.DataFrame, metric: str, *, by: tuple[str, ...] = ()) -> pl.DataFrame:
    return suppress_small_cells(frame, **suppression_layout(metric, by=by))


def assert_nulls_kept(
    published: pl.DataFrame,
    rows: list[dict[str, Any]],
    *,
    keys: tuple[str, ...],
    rename: dict[str, str] | None = None,
) -> int:
    """Each cell the metric nulled is null or absent in the matching chart row; returns how many
    hidden cells were checked (so a test can insist there were some)."""
    rename = rename or {}
    charted = {tuple(row.get(k) for k in keys): row for row in rows}
    checked = 0
    for source in published.to_dicts():
        key = tuple(
            value.isoformat()[:10] if isinstance(value, date | datetime) else value
            for value in (source[k] for k in keys)
        )
        row = charted.get(key)
        if row is None:
            continue  # the chart left the row out altogether
        for column, value in source.items():
            name = rename.get(column, column)
            if value is None and name in row:
                assert row[name] is None, (key, name, row[name])
                checked += 1
    return checked


def test_cohort_windows_from_metrics(school: tuple[pl.DataFrame, pl.DataFrame], spec: Any) -> None:
    enrollments, cohorts = school
    published = publish(
        cohort_completion_windows(enrollments, cohorts, as_of=AS_OF), "cohort_completion_windows"
    )
    chart = spec(cohort_window_chart(published))
    rows = chart.rows()
    charted = {(r["cohort_code"], r["window"]): r for r in rows}
    hidden = 0
    for source in published.to_dicts():
        row = charted[(source["cohort_code"], f"{source['window_pct']}%")]
        for column in ("n", "completed_within", "completion_rate", "excluded"):
            if source[column] is None:
                assert row[column] is None
                hidden += 1
    assert hidden > 0
    statuses = {(r["cohort_code"], r["status"]) for r in rows}
    assert ("CHE-23", "no normal time") in statuses
    assert ("BIO-24", "in progress") in statuses
    his = [r for r in rows if r["cohort_code"] == "HIS-23"]
    assert all(r["n"] is None and r["note"].endswith("n<10") for r in his)


def test_incidence_from_metrics(school: tuple[pl.DataFrame, pl.DataFrame], spec: Any) -> None:
    enrollments, _ = school
    # As the app and reports publish it: thinned to points that rest on min_cell events each.
    published = publish(
        thin_curve_for_publication(
            cumulative_incidence(enrollments, as_of=AS_OF, by=["course_name"]), min_cell=10
        ),
        "cumulative_incidence",
        by=("course_name",),
    )
    chart = spec(cumulative_incidence_chart(published, group="course_name"))
    hidden = assert_nulls_kept(published, chart.rows(), keys=("course_name", "event", "t_days"))
    assert hidden > 0
    drawn = {(r["course_name"], r["t_days"]) for r in chart.rows()}
    for source in published.filter(pl.col("cif").is_null()).to_dicts():
        assert (source["course_name"], source["t_days"]) not in drawn


def test_grades_from_metrics(school: tuple[pl.DataFrame, pl.DataFrame], spec: Any) -> None:
    enrollments, _ = school
    histogram = publish(grade_histogram(enrollments), "grade_histogram")
    chart = spec(grade_histogram_chart(histogram))
    assert assert_nulls_kept(histogram, chart.rows(), keys=("bin_start",)) > 0

    summary = publish(grade_summary(enrollments, by=["course_name"]), "grade_summary")
    box = spec(grade_box_chart(summary, by="course_name"))
    assert assert_nulls_kept(summary, box.rows(), keys=("course_name",)) > 0
    assert all(row["min"] is None and row["max"] is None for row in box.rows())
    assert "Min and max are not shown" in box.subtitle()
    history = next(row for row in box.rows() if row["course_name"] == "History")
    assert history["withheld"] is True


def test_timeline_from_metrics(school: tuple[pl.DataFrame, pl.DataFrame], spec: Any) -> None:
    enrollments, cohorts = school
    published = publish(cohort_timeline(enrollments, cohorts, as_of=AS_OF), "cohort_timeline")
    chart = spec(
        cohort_timeline_chart(published, cohort_windows_planned(cohorts), cohort_uuid="h-bio-22")
    )
    rows = [row for row in chart.rows() if "month" in row]
    mine = published.filter(pl.col("cohort_uuid") == "h-bio-22")
    hidden = assert_nulls_kept(
        mine,
        rows,
        keys=("month",),
        rename={"new_enrollments": "New enrollments", "completions": "Completions"},
    )
    assert hidden > 0
    assert "Drops: no monthly counts" in chart.subtitle()
    assert chart.title() == "Cohort BIO-22 (Biology)"


def test_data_quality_from_metrics(school: tuple[pl.DataFrame, pl.DataFrame], spec: Any) -> None:
    enrollments, cohorts = school
    summary = data_quality(enrollments, cohorts, as_of=AS_OF)
    plain = spec(data_quality_chart(summary))
    assert [row["count"] for row in plain.rows()] == summary["count"].to_list()
    published = publish(summary, "data_quality")
    chart = spec(data_quality_chart(published))
    assert assert_nulls_kept(published, chart.rows(), keys=("check",)) > 0
