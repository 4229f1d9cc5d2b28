"""A tenant's courses, the cohorts each opens by year, term and shift, and how many join each.

A cohort's weight is its share of the tenant's enrollments: popular courses, later years and
day classes draw more; online classes grow after 2020; a cohort that starts after SEED_AS_OF is
planned and has none yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dokstamp_sandbox.seed_catalog import SHIFT_MODALITY, CourseSpec
from dokstamp_sandbox.seed_draws import AS_OF, AS_OF_DAY, add_months, first_weekday, iso, stamp
from dokstamp_sandbox.seed_rows import TenantRows

# Cohorts are opened up to half a year past SEED_AS_OF (planned, still empty).
_PLANNED_AHEAD_DAYS = 183


@dataclass
class PlannedCohort:
    """A generated cohort: its row id, course, shift, days (ordinals) and share of enrollments."""

    row_id: int
    course: CourseSpec
    course_id: int
    shift: str
    start: int
    end: int
    weight: float


def add_courses_and_cohorts(
    rows: TenantRows, catalog: tuple[CourseSpec, ...], institution: str
) -> list[PlannedCohort]:
    """Add each course of the catalog and its cohorts to rows; the cohorts in creation order."""
    cohorts: list[PlannedCohort] = []
    for course in catalog:
        course_id = _add_course(rows, course, institution)
        cohorts += _add_cohorts(rows, course, course_id)
    return cohorts


def cohorts_by_course(cohorts: list[PlannedCohort]) -> dict[int, list[int]]:
    """Each course's cohort row ids, in creation order."""
    found: dict[int, list[int]] = {}
    for cohort in cohorts:
        found.setdefault(cohort.course_id, []).append(cohort.row_id)
    return found


def allocate(cohorts: list[PlannedCohort], size: int) -> list[int]:
    """Enrollments per cohort, proportional to weight and summing exactly to size."""
    total = sum(cohort.weight for cohort in cohorts)
    if total == 0 or size == 0:
        return [0] * len(cohorts)
    shares = [size * cohort.weight / total for cohort in cohorts]
    counts = [int(share) for share in shares]
    by_remainder = sorted(
        range(len(shares)), key=lambda i: (shares[i] - counts[i], -i), reverse=True
    )
    for index in by_remainder[: size - sum(counts)]:
        counts[index] += 1
    return counts


def _add_course(rows: TenantRows, course: CourseSpec, institution: str) -> int:
    course_id = rows.new_id("courses")
    created = stamp(date(course.first_year - 1, 11, 15).toordinal())
    rows.courses.append(
        (
            course_id,
            rows.new_uuid(),
            rows.tenant_id,
            rows.institution_id,
            course.code,
            course.name,
            f"{course.name} at {institution}.",
            course.workload_hours,
            course.area,
            f"{course.first_year}.1",
            "active",
            created,
            created,
        )
    )
    return course_id


def _add_cohorts(rows: TenantRows, course: CourseSpec, course_id: int) -> list[PlannedCohort]:
    """One cohort per year, intake month (term A, B, ...) and shift, from its first year."""
    cohorts: list[PlannedCohort] = []
    months = sorted(course.intake_months)
    for year in range(course.first_year, AS_OF.year + 2):
        for term, month in enumerate(months):
            start = first_weekday(year, month)
            if start.toordinal() > AS_OF_DAY + _PLANNED_AHEAD_DAYS:
                continue
            end = add_months(start, course.months).toordinal() - 1
            suffix = chr(ord("A") + term) if len(months) > 1 else ""
            for shift in course.shifts:
                cohort_id = rows.new_id("cohorts")
                rows.cohorts.append(
                    (
                        cohort_id,
                        rows.new_uuid(),
                        rows.tenant_id,
                        course_id,
                        f"{course.code}-{year}{suffix}-{shift}",
                        _modality(shift, year),
                        start.isoformat(),
                        iso(end),
                        stamp(start.toordinal() - 90),
                        stamp(start.toordinal() - 90),
                    )
                )
                weight = _weight(course, year, shift, terms=len(months), start=start.toordinal())
                cohorts.append(
                    PlannedCohort(
                        cohort_id, course, course_id, shift, start.toordinal(), end, weight
                    )
                )
    return cohorts


def _modality(shift: str, year: int) -> str:
    if shift == "EVE" and year < 2021:
        return "presential"  # evening classes went hybrid in 2021
    return SHIFT_MODALITY[shift]


def _weight(course: CourseSpec, year: int, shift: str, *, terms: int, start: int) -> float:
    if start > AS_OF_DAY:
        return 0.0  # planned cohort: nobody has enrolled yet
    weight = course.popularity * (1 + 0.07 * (year - 2018)) / terms
    if shift == "ONL":
        weight *= 0.5 if year < 2020 else min(1.4, 0.8 + 0.15 * (year - 2020))
    elif shift == "EVE":
        weight *= 0.7
    return weight
