"""Courses, cohorts and how the enrollments are shared among the cohorts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dokstamp_sandbox.seed import DEMO_SEED
from dokstamp_sandbox.seed_cohorts import (
    PlannedCohort,
    add_courses_and_cohorts,
    allocate,
    cohorts_by_course,
)
from dokstamp_sandbox.seed_draws import AS_OF_DAY

from .seed_steps import empty_rows


def _cohort(weight: float) -> PlannedCohort:
    course = DEMO_SEED.catalog[0]
    return PlannedCohort(1, course, 1, "DAY", 0, 100, weight)


@given(st.lists(st.floats(0, 5), min_size=1, max_size=30), st.integers(0, 10_000))
def test_allocation_sums_exactly_to_the_size(weights: list[float], size: int) -> None:
    counts = allocate([_cohort(w) for w in weights], size)
    assert len(counts) == len(weights)
    if sum(weights) == 0:
        assert counts == [0] * len(weights)
    else:
        assert sum(counts) == size
        assert all(count == 0 for count, w in zip(counts, weights, strict=True) if w == 0)


def test_each_course_opens_cohorts_and_planned_ones_stay_empty() -> None:
    rows = empty_rows()
    cohorts = add_courses_and_cohorts(rows, DEMO_SEED.catalog, DEMO_SEED.institution)
    assert len(rows.courses) == len(DEMO_SEED.catalog)
    assert len(rows.cohorts) == len(cohorts)
    assert [row[0] for row in rows.cohorts] == [cohort.row_id for cohort in cohorts]
    assert all(cohort.start <= AS_OF_DAY + 183 for cohort in cohorts)
    planned = [cohort for cohort in cohorts if cohort.start > AS_OF_DAY]
    assert planned
    assert all(cohort.weight == 0.0 for cohort in planned)
    assert all(cohort.weight > 0 for cohort in cohorts if cohort.start <= AS_OF_DAY)
    codes = [row[4] for row in rows.cohorts]
    assert len(set(codes)) == len(codes)
    by_course = cohorts_by_course(cohorts)
    assert sorted(by_course) == [row[0] for row in rows.courses]
    assert sum(len(ids) for ids in by_course.values()) == len(cohorts)
