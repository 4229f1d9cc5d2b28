"""Metrics benchmark: the overview aggregates on a synthetic 1M-row frame, against simple baselines.

The frame is generated with polars in this script (no server, no network): 30 courses, 300 dated
cohorts, statuses 60/20/20 completed/dropped/enrolled, grades for completers, four intake years.
Measured in one run, each the median of ``--repeats`` runs:

- ours: every overview aggregate of ``dashboard.metrics`` (groupings, completion rates by none /
  course / cohort / intake year / modality with their suppression, cohort windows, time to
  completion, cumulative incidence, grade summary and histogram, data quality);
- baseline A, a plain-Python loop over the rows counting statuses per course, then Wilson per
  course with ``math``;
- baseline B, a naive per-group loop: one polars filter and count per course;

both baselines against ``completion_rates(by=["course_name"])``, their counts checked equal.

Usage: ``python bench/metrics_bench.py [--rows 1000000] [--repeats 3] [--out FILE]``; writes
``bench/results_metrics.md`` unless ``--out`` says otherwise.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine_info import machine  # noqa: E402
from dashboard.data.schema import COHORT_SCHEMA, ENROLLMENT_SCHEMA  # noqa: E402
from dashboard.metrics import (  # noqa: E402
    cohort_completion_windows,
    completion_rates,
    cumulative_incidence,
    data_quality,
    grade_histogram,
    grade_summary,
    suppress_small_cells,
    suppression_layout,
    time_to_completion,
    wilson_interval,
    with_groupings,
)

RESULTS = ROOT / "bench" / "results_metrics.md"
COURSES = 30
COHORTS = 300
FIRST_DAY = datetime(2021, 1, 1, tzinfo=UTC)
AS_OF = datetime(2025, 1, 1, tzinfo=UTC)


def synthetic(rows: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A deterministic enrollment frame (ENROLLMENT_SCHEMA) and its cohorts (COHORT_SCHEMA)."""
    day = pl.duration(days=1)
    cohorts = (
        pl.DataFrame({"i": range(COHORTS)})
        .select(
            pl.format("h{}", "i").alias("uuid"),
            pl.format("H-{}", "i").alias("code"),
            pl.when(pl.col("i") % 3 == 0)
            .then(pl.lit("online"))
            .otherwise(pl.lit("onsite"))
            .alias("modality"),
            (pl.lit(FIRST_DAY) + (pl.col("i") * 4) * day).alias("start_date"),
            (pl.lit(FIRST_DAY) + (pl.col("i") * 4 + 365) * day).alias("end_date"),
            pl.format("c{}", pl.col("i") % COURSES).alias("course_uuid"),
            pl.format("Course {}", pl.col("i") % COURSES).alias("course_name"),
        )
        .cast(dict(COHORT_SCHEMA))  # type: ignore[arg-type]
    )

    def h(seed: int) -> pl.Expr:
        return pl.int_range(rows).hash(seed)

    base = pl.DataFrame({"i": pl.int_range(rows, eager=True)}).with_columns(
        (h(1) % COHORTS).alias("cohort"),
        (h(2) % 100).alias("roll"),
        (h(3) % 30).alias("late"),
        (h(4) % 700).alias("took"),
        (h(5) % 1001).alias("grade_x100"),
    )
    status = (
        pl.when(pl.col("roll") < 60)
        .then(pl.lit("completed"))
        .when(pl.col("roll") < 80)
        .then(pl.lit("dropped"))
        .otherwise(pl.lit("enrolled"))
    )
    enrolled_at = pl.lit(FIRST_DAY) + (pl.col("cohort") * 4 + pl.col("late")) * day
    completed_at = enrolled_at + (pl.col("took") + 30) * day
    frame = base.select(
        pl.format("e{}", "i").alias("uuid"),
        status.alias("completion_status"),
        pl.when(status == "completed").then(pl.col("grade_x100") / 100.0).alias("grade"),
        enrolled_at.alias("enrolled_at"),
        pl.when((status == "completed") & (completed_at <= pl.lit(AS_OF)))
        .then(completed_at)
        .alias("completed_at"),
        pl.format("s{}", "i").alias("student_uuid"),
        pl.format("Student {}", "i").alias("student_name"),
        pl.format("c{}", pl.col("cohort") % COURSES).alias("course_uuid"),
        pl.format("Course {}", pl.col("cohort") % COURSES).alias("course_name"),
        pl.format("h{}", "cohort").alias("cohort_uuid"),
        pl.format("H-{}", "cohort").alias("cohort_code"),
    ).cast(dict(ENROLLMENT_SCHEMA))  # type: ignore[arg-type]
    return frame, cohorts


def overview(enrollments: pl.DataFrame, cohorts: pl.DataFrame) -> dict[str, Callable[[], Any]]:
    """The aggregates an overview page publishes, each a step to time."""
    grouped = with_groupings(enrollments, cohorts)

    def rates(by: list[str]) -> pl.DataFrame:
        table = completion_rates(grouped, by=by, total=True)
        return suppress_small_cells(table, total_row=pl.col("is_total"))

    return {
        "with_groupings (intake_year, modality)": lambda: with_groupings(enrollments, cohorts),
        "completion_rates, overall": lambda: suppress_small_cells(completion_rates(grouped)),
        "completion_rates by course + total, suppressed": lambda: rates(["course_name"]),
        "completion_rates by cohort + total, suppressed": lambda: rates(["cohort_code"]),
        "completion_rates by intake year + total, suppressed": lambda: rates(["intake_year"]),
        "completion_rates by modality + total, suppressed": lambda: rates(["modality"]),
        "cohort_completion_windows (300 cohorts x 3), suppressed": lambda: suppress_small_cells(
            cohort_completion_windows(grouped, cohorts, as_of=AS_OF),
            **suppression_layout("cohort_completion_windows"),
        ),
        "time_to_completion by course": lambda: time_to_completion(grouped, by=["course_name"]),
        "cumulative_incidence, overall": lambda: cumulative_incidence(grouped, as_of=AS_OF),
        "grade_summary by course, suppressed": lambda: suppress_small_cells(
            grade_summary(grouped, by=["course_name"]), **suppression_layout("grade_summary")
        ),
        "grade_histogram, overall": lambda: grade_histogram(grouped),
        "data_quality (12 checks)": lambda: data_quality(grouped, cohorts, as_of=AS_OF),
    }


def python_loop_rates(enrollments: pl.DataFrame) -> dict[str, tuple[int, int, int, int]]:
    """Baseline A: a plain-Python loop over the rows, then Wilson per course with math."""
    counts: dict[str, list[int]] = {}
    statuses = enrollments.get_column("completion_status").cast(pl.String).to_list()
    courses = enrollments.get_column("course_name").to_list()
    for status, course in zip(statuses, courses, strict=True):
        row = counts.setdefault(course, [0, 0, 0, 0])
        row[0] += 1
        if status == "completed":
            row[1] += 1
        elif status == "dropped":
            row[2] += 1
        elif status == "enrolled":
            row[3] += 1
    for n, completed, dropped, _ in counts.values():
        wilson_interval(completed, n)
        wilson_interval(dropped, n)
    return {course: (n, c, d, e) for course, (n, c, d, e) in counts.items()}


def per_group_filter_rates(enrollments: pl.DataFrame) -> dict[str, tuple[int, int, int, int]]:
    """Baseline B: one polars filter per course, counting each status."""
    out = {}
    status = pl.col("completion_status").cast(pl.String)
    for course in enrollments.get_column("course_name").unique().to_list():
        part = enrollments.filter(pl.col("course_name") == course)
        n = part.height
        c = part.filter(status == "completed").height
        d = part.filter(status == "dropped").height
        e = part.filter(status == "enrolled").height
        wilson_interval(c, n)
        wilson_interval(d, n)
        out[course] = (n, c, d, e)
    return out


def ours_rates(enrollments: pl.DataFrame) -> dict[str, tuple[int, int, int, int]]:
    table = completion_rates(enrollments, by=["course_name"])
    return {
        r["course_name"]: (r["n"], r["completed"], r["dropped"], r["enrolled"])
        for r in table.iter_rows(named=True)
    }


def timed(step: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    seconds = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = step()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the report goes")
    args = parser.parse_args()
    host = machine()

    start = time.perf_counter()
    enrollments, cohorts = synthetic(args.rows)
    generated = time.perf_counter() - start
    print(f"generated {enrollments.height:,} rows in {generated:.2f} s", flush=True)

    steps = []
    for name, step in overview(enrollments, cohorts).items():
        seconds, _ = timed(step, args.repeats)
        steps.append((name, seconds))
        print(f"{seconds:8.3f} s  {name}", flush=True)
    total = sum(s for _, s in steps)

    ours_s, ours = timed(lambda: ours_rates(enrollments), args.repeats)
    loop_s, loop = timed(lambda: python_loop_rates(enrollments), args.repeats)
    filt_s, filt = timed(lambda: per_group_filter_rates(enrollments), args.repeats)
    assert ours == loop == filt, "baselines and completion_rates disagree"
    print(f"rates by course: ours {ours_s:.3f} s, loop {loop_s:.3f} s, filter {filt_s:.3f} s")

    lines = [
        "# Metrics benchmark",
        "",
        f"Machine: {host}.  ",
        f"Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.  ",
        f"Command: `python bench/metrics_bench.py --rows {args.rows} --repeats {args.repeats}` "
        f"(each time the median of {args.repeats} runs, one process; the 2-core machine was "
        "shared with other work, so expect noise).  ",
        f"Data: {enrollments.height:,} synthetic enrollments ({COURSES} courses, {COHORTS} dated "
        f"cohorts), generated with polars in {generated:.2f} s.",
        "",
        "## Completion rates by course: ours vs simple baselines (same counts checked)",
        "",
        "| method | seconds | ratio to ours |",
        "| --- | ---: | ---: |",
        f"| `completion_rates(by=['course_name'])` (polars group_by) | {ours_s:.3f} | 1.0 |",
        f"| baseline A: plain-Python loop over rows + `math` Wilson | {loop_s:.3f} | "
        f"{loop_s / ours_s:.1f} |",
        f"| baseline B: naive per-course polars filter loop | {filt_s:.3f} | "
        f"{filt_s / ours_s:.1f} |",
        "",
        "## Overview aggregates (ours)",
        "",
        "| step | seconds |",
        "| --- | ---: |",
        *[f"| {name} | {seconds:.3f} |" for name, seconds in steps],
        f"| **all overview aggregates** | **{total:.3f}** |",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
