"""Each cohort's enrollments: who enrolls (a new or a returning student), when, and how it stands
on SEED_AS_OF (completed with a grade, dropped, or still enrolled).

Outcomes follow the course (its completion share and grades) and the shift (evening and online
students juggle jobs); most completions land near the cohort's end, most bachelor dropouts leave
in the first year.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from dokstamp_sandbox.seed_cohorts import PlannedCohort
from dokstamp_sandbox.seed_draws import AS_OF_DAY, between
from dokstamp_sandbox.seed_rows import TenantRows
from dokstamp_sandbox.seed_students import StudentDraws

# Completion probability and grade shift by class shift.
_SHIFT_COMPLETION = {"DAY": 0.03, "EVE": -0.04, "ONL": -0.08}
_SHIFT_GRADE = {"DAY": 0.1, "EVE": -0.1, "ONL": 0.0}
_RETURNING = 0.15  # share of enrollments by a student who enrolled before
_NO_COHORT = 0.03  # share of enrollments recorded without their cohort

Outcome = tuple[str, int | None, float | None, int]  # status, completed on, grade, last change


def add_enrollments(
    rows: TenantRows, cohorts: list[PlannedCohort], counts: list[int], students: StudentDraws
) -> None:
    """Add ``counts[i]`` enrollments to ``cohorts[i]``, cohort by cohort in order of start."""
    rng = rows.rng
    draw = rng.random
    returning = _ReturningStudents(rng)
    # Chronological order: a returning student was created by an earlier enrollment.
    planned = sorted(
        zip(cohorts, counts, strict=True), key=lambda pair: (pair[0].start, pair[0].row_id)
    )
    for cohort, count in planned:
        for _ in range(count):
            enrolled = _enrollment_day(draw, cohort)
            student_id = returning.pick(cohort.course_id)
            if not student_id:
                student_id = students.new_student(enrolled, cohort.course.kind)
                returning.add(student_id, cohort.course_id)
            status, completed_at, grade, updated = _outcome(rng, cohort, enrolled)
            cohort_id: int | None = cohort.row_id if draw() >= _NO_COHORT else None
            rows.enrollments.append(
                [
                    rows.new_id("enrollments"),
                    rows.new_uuid(),
                    rows.tenant_id,
                    student_id,
                    cohort.course_id,
                    cohort_id,
                    status,
                    grade,
                    enrolled,
                    completed_at,
                    updated,
                ]
            )


class _ReturningStudents:
    """The students enrolled so far, to draw a returning one from (e.g. a graduate back for a
    master's or a short course)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ids: list[int] = []
        self.first_course: dict[int, int] = {}

    def pick(self, course_id: int) -> int:
        """A returning student's id, or 0 for a new one (never back in their first course)."""
        if not self.ids or self.rng.random() >= _RETURNING:
            return 0
        student_id = self.ids[self.rng.randrange(len(self.ids))]
        return 0 if self.first_course[student_id] == course_id else student_id

    def add(self, student_id: int, course_id: int) -> None:
        self.ids.append(student_id)
        self.first_course[student_id] = course_id


def _enrollment_day(draw: Callable[[], float], cohort: PlannedCohort) -> int:
    """Most enroll in the weeks before the start, some in its first two weeks; none after today."""
    if draw() < 0.08:
        enrolled = cohort.start + between(draw, 0, 14)
    else:
        enrolled = cohort.start - between(draw, 0, 45)
    return min(enrolled, AS_OF_DAY)


def _outcome(rng: random.Random, cohort: PlannedCohort, enrolled: int) -> Outcome:
    """How the enrollment stands on SEED_AS_OF, and the day of its last change."""
    course = cohort.course
    draw = rng.random
    completes = draw() < course.completion + _SHIFT_COMPLETION[cohort.shift]
    event = (
        _completion_day(draw, cohort, enrolled)
        if completes
        else _dropout_day(draw, cohort, enrolled)
    )
    if event > AS_OF_DAY:
        return "enrolled", None, None, enrolled
    if completes:
        mean = course.grade_mean + _SHIFT_GRADE[cohort.shift]
        grade = _grade(rng, mean, course.grade_sd, course.grade_step, 4.0)
        return "completed", event, grade, event
    dropped_grade = None
    if draw() < 0.15:  # a grade recorded before leaving
        dropped_grade = _grade(rng, course.grade_mean - 2.5, 1.4, course.grade_step, 0.0)
    return "dropped", None, dropped_grade, event


def _completion_day(draw: Callable[[], float], cohort: PlannedCohort, enrolled: int) -> int:
    """Most near the cohort's end; some up to half a course late; a few much later."""
    duration = cohort.end - cohort.start
    roll = draw()
    if roll < 0.8:
        event = cohort.end + between(draw, -25, 20)
    elif roll < 0.95:
        event = cohort.end + int(duration * (0.1 + 0.4 * draw()))
    else:
        event = cohort.end + int(duration * (0.5 + 0.5 * draw()))
    return max(event, enrolled + 7)


def _dropout_day(draw: Callable[[], float], cohort: PlannedCohort, enrolled: int) -> int:
    duration = cohort.end - cohort.start
    if duration > 400 and draw() < 0.6:
        return enrolled + between(draw, 20, 365)  # most dropouts leave in year one
    if duration > 400:
        return enrolled + between(draw, 366, duration)
    return enrolled + 7 + int(duration * draw() ** 1.8)


def _grade(rng: random.Random, mean: float, sd: float, step: float, low: float) -> float:
    """A grade on the 0-10 scale, at least ``low``, in steps of ``step``."""
    raw = min(10.0, max(low, rng.gauss(mean, sd)))
    return round(round(raw / step) * step, 2)
