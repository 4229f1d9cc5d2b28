"""Planted data problems: each on its own handful of rows, nothing else changed."""

from __future__ import annotations

import copy

from dokstamp_sandbox.seed_cohorts import cohorts_by_course
from dokstamp_sandbox.seed_draws import AS_OF_DAY
from dokstamp_sandbox.seed_problems import plant_problems
from dokstamp_sandbox.seed_rows import COHORT, COMPLETED, ENROLLED, GRADE, STATUS

from .seed_steps import enrolled_tenant


def test_each_problem_is_planted_on_a_few_distinct_rows() -> None:
    rows, cohorts = enrolled_tenant(5_000)
    before = copy.deepcopy(rows.enrollments)
    plant_problems(rows, cohorts_by_course(cohorts))
    changed = [i for i, row in enumerate(rows.enrollments) if row != before[i]]
    assert 2 * 12 <= len(changed) < len(rows.enrollments) * 0.02  # 12 problems, 2+ rows each
    after = rows.enrollments
    course_of_cohort = {cohort.row_id: cohort.course_id for cohort in cohorts}
    found = {
        "completed without completed_at": [
            r for r in after if r[STATUS] == "completed" and r[COMPLETED] is None
        ],
        "completed before enrolled": [
            r for r in after if r[COMPLETED] is not None and r[COMPLETED] < r[ENROLLED]
        ],
        "completed in the future": [
            r for r in after if r[COMPLETED] is not None and r[COMPLETED] > AS_OF_DAY
        ],
        "enrolled in the future": [r for r in after if r[ENROLLED] > AS_OF_DAY],
        "grade out of range": [r for r in after if r[GRADE] is not None and r[GRADE] > 10],
        "dropped with completed_at": [
            r for r in after if r[STATUS] == "dropped" and r[COMPLETED] is not None
        ],
        "cohort of another course": [
            r for r in after if r[COHORT] is not None and course_of_cohort[r[COHORT]] != r[4]
        ],
    }
    for problem, rows_with_it in found.items():
        assert 2 <= len(rows_with_it) <= 8, problem
    assert not any(
        r[COMPLETED] is not None and r[COMPLETED] < r[ENROLLED] for r in before
    )  # none of them was there before
