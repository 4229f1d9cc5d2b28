"""A demo tenant's rows generated step by step in memory (no database), for the seed step tests."""

from __future__ import annotations

import random

from dokstamp_sandbox.seed import DEMO_SEED
from dokstamp_sandbox.seed_cohorts import (
    PlannedCohort,
    add_courses_and_cohorts,
    allocate,
    cohorts_by_course,
)
from dokstamp_sandbox.seed_enrollments import add_enrollments
from dokstamp_sandbox.seed_problems import plant_problems
from dokstamp_sandbox.seed_rows import TenantRows
from dokstamp_sandbox.seed_students import StudentDraws

IDS = {"courses": 1, "cohorts": 1, "students": 1, "enrollments": 1, "certificates": 1}


def empty_rows(seed: int = 7, ids: dict[str, int] | None = None) -> TenantRows:
    """Rows of tenant 1, institution 1, numbered from ``ids`` (from 1 if not given)."""
    return TenantRows(1, 1, rng=random.Random(seed), ids=dict(ids or IDS))


def enrolled_tenant(
    size: int, *, problems: bool = False, ids: dict[str, int] | None = None
) -> tuple[TenantRows, list[PlannedCohort]]:
    """The demo catalog's courses, cohorts and ``size`` enrollments (problems planted if asked)."""
    rows = empty_rows(ids=ids)
    cohorts = add_courses_and_cohorts(rows, DEMO_SEED.catalog, DEMO_SEED.institution)
    students = StudentDraws(rows, DEMO_SEED.email_domain)
    add_enrollments(rows, cohorts, allocate(cohorts, size), students)
    if problems:
        plant_problems(rows, cohorts_by_course(cohorts))
    return rows, cohorts
