"""The data problems the dashboard must flag (metrics.md §7), planted on a handful of rows each.

Each problem goes on its own rows, a count that grows with the tenant (at least 2), so every
check of the data-quality page has something to find and nothing else is disturbed.
"""

from __future__ import annotations

import random
from typing import Any

from dokstamp_sandbox.seed_draws import AS_OF_DAY
from dokstamp_sandbox.seed_rows import (
    COHORT,
    COMPLETED,
    COURSE,
    ENROLLED,
    GRADE,
    STATUS,
    STUDENT,
    UPDATED,
    TenantRows,
)


class _RowPicker:
    """Picks enrollment rows in a shuffled order, each row for one problem only."""

    def __init__(self, rows: list[list[Any]], rng: random.Random, per_problem: int) -> None:
        self.rows = rows
        self.per_problem = per_problem
        self.order = list(range(len(rows)))
        rng.shuffle(self.order)
        self.used: set[int] = set()

    def take(self, status: str | None, count: int | None = None) -> list[list[Any]]:
        """Up to ``count`` unused rows of ``status`` (any status for None); a completed row
        picked has a grade and a completion day to spoil."""
        wanted = self.per_problem if count is None else count
        picked: list[list[Any]] = []
        for index in self.order:
            if len(picked) == wanted:
                break
            row = self.rows[index]
            if index in self.used or (status is not None and row[STATUS] != status):
                continue
            if status == "completed" and (row[GRADE] is None or row[COMPLETED] is None):
                continue
            self.used.add(index)
            picked.append(row)
        return picked


def plant_problems(rows: TenantRows, cohorts_by_course: dict[int, list[int]]) -> None:
    """Spoil a handful of enrollment rows with each data problem, in place."""
    rng = rows.rng
    per_problem = max(2, round(len(rows.enrollments) * 0.0008))
    few = max(1, per_problem // 2)
    picker = _RowPicker(rows.enrollments, rng, per_problem)
    take = picker.take
    for row in take("completed"):  # completed without completed_at
        row[COMPLETED] = None
    for row in take("completed"):  # completed_at before enrolled_at
        row[COMPLETED] = row[ENROLLED] - rng.randint(1, 400)
    for row in take("completed"):  # completed_at in the future
        row[COMPLETED] = AS_OF_DAY + rng.randint(30, 480)
    for row in take("enrolled", few):  # enrolled_at in the future
        row[ENROLLED] = AS_OF_DAY + rng.randint(5, 200)
    for row in take("completed", few):  # grade on a 0-100 scale
        row[GRADE] = round(row[GRADE] * 10, 1)
    for row in take("completed", few):  # more than 2 decimals
        row[GRADE] = round(min(9.9, row[GRADE]) + 1 / 30, 6)
    for row in take("dropped"):  # dropped with a completed_at
        row[COMPLETED] = row[UPDATED]
    for row in take("enrolled"):  # still enrolled with a completed_at
        row[COMPLETED] = min(AS_OF_DAY, row[ENROLLED] + rng.randint(100, 600))
    for row in take("completed"):  # completed without a grade
        row[GRADE] = None
    course_ids = sorted(cohorts_by_course)
    for row in take(None):  # cohort of another course
        other = rng.choice([c for c in course_ids if c != row[COURSE]] or course_ids)
        row[COHORT] = rng.choice(cohorts_by_course[other])
    twins = take(None, 2 * per_problem)
    for original, twin in zip(twins[::2], twins[1::2], strict=False):  # enrolled twice
        twin[STUDENT], twin[COURSE], twin[COHORT] = (
            original[STUDENT],
            original[COURSE],
            original[COHORT],
        )
