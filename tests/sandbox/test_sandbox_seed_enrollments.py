"""Seeded enrollments: as many as asked per cohort, outcomes consistent with SEED_AS_OF."""

from __future__ import annotations

from collections import Counter

from dokstamp_sandbox.seed_cohorts import allocate
from dokstamp_sandbox.seed_draws import AS_OF_DAY
from dokstamp_sandbox.seed_rows import COHORT, COMPLETED, COURSE, GRADE, STATUS, STUDENT, UPDATED

from .seed_steps import enrolled_tenant


def test_every_cohort_gets_its_share() -> None:
    rows, cohorts = enrolled_tenant(3_000)
    assert len(rows.enrollments) == 3_000
    per_cohort = Counter(row[COHORT] for row in rows.enrollments if row[COHORT] is not None)
    wanted = dict(zip((c.row_id for c in cohorts), allocate(cohorts, 3_000), strict=True))
    assert all(per_cohort[cohort] <= count for cohort, count in wanted.items())
    assert 0 < sum(1 for row in rows.enrollments if row[COHORT] is None) < 3_000 * 0.06


def test_outcomes_agree_with_their_days() -> None:
    rows, _ = enrolled_tenant(3_000)
    for row in rows.enrollments:
        if row[STATUS] == "completed":
            assert row[COMPLETED] == row[UPDATED] <= AS_OF_DAY
            assert 4.0 <= row[GRADE] <= 10.0
        else:
            assert row[COMPLETED] is None
        if row[STATUS] == "enrolled":
            assert row[GRADE] is None
    assert set(Counter(row[STATUS] for row in rows.enrollments)) == {
        "enrolled",
        "completed",
        "dropped",
    }


def test_returning_students_come_back_to_another_course() -> None:
    rows, _ = enrolled_tenant(3_000)
    courses_of: dict[int, list[int]] = {}
    for row in rows.enrollments:
        courses_of.setdefault(row[STUDENT], []).append(row[COURSE])
    returning = [courses for courses in courses_of.values() if len(courses) > 1]
    assert len(returning) > 100
    assert all(courses[0] not in courses[1:] for courses in returning)
