"""The Data quality page's checks applied to one record before a form sends it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import polars as pl
import pytest

from dashboard.app.correction_create_form import CREATE_FIELDS
from dashboard.app.correction_rules import EDITABLE_FIELDS
from dashboard.app.record_quality import _PLACES, RULE_SUFFIX, QualityContext, quality_errors
from dashboard.data.schema import COHORT_SCHEMA, ENROLLMENT_SCHEMA
from dashboard.metrics import QUALITY_CHECKS

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
STUDENT, COURSE, OTHER_COURSE = "s1", "c1", "c2"
COHORTS = pl.DataFrame(
    {"uuid": ["h1", "h2"], "course_uuid": [COURSE, OTHER_COURSE]},
    schema={"uuid": COHORT_SCHEMA["uuid"], "course_uuid": COHORT_SCHEMA["course_uuid"]},
)
OPENED = {
    "uuid": "e1",
    "completion_status": "enrolled",
    "grade": None,
    "enrolled_at": datetime(2024, 2, 1, tzinfo=UTC),
    "completed_at": None,
    "student_uuid": STUDENT,
    "course_uuid": COURSE,
    "cohort_uuid": "h1",
}


def stored(*rows: Mapping[str, object]) -> pl.DataFrame:
    return pl.DataFrame(
        [{name: row.get(name) for name in ENROLLMENT_SCHEMA} for row in rows],
        schema=ENROLLMENT_SCHEMA,
    )


CONTEXT = QualityContext(cohorts=COHORTS, enrollments=stored(OPENED), as_of=NOW)


def edit(**changes: object) -> dict[str, list[str]]:
    return quality_errors(
        {**OPENED, **changes}, CONTEXT, form_fields=EDITABLE_FIELDS, changed=tuple(changes)
    )


def plain(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    return {field: [m.removesuffix(RULE_SUFFIX) for m in ms] for field, ms in errors.items()}


def test_every_check_has_a_place_and_words() -> None:
    assert set(_PLACES) == set(QUALITY_CHECKS)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"completion_status": "completed", "grade": 8.0},
            {"completed_at": ["A completed enrollment needs a completion date."]},
        ),
        (
            {"completion_status": "completed", "completed_at": "2025-06-30"},
            {"grade": ["A completed enrollment needs a grade."]},
        ),
        (
            {"completed_at": "2025-06-30"},
            {
                "completed_at": [
                    "Only a completed enrollment has a completion date: clear it, or set the "
                    "status to completed."
                ]
            },
        ),
        (
            {"completion_status": "dropped", "completed_at": "2025-06-30"},
            {
                "completed_at": [
                    "Only a completed enrollment has a completion date: clear it, or set the "
                    "status to completed."
                ]
            },
        ),
        (
            {"completion_status": "completed", "grade": 7.0, "completed_at": "2026-12-03"},
            {"completed_at": ["The completion date is in the future."]},
        ),
        (
            {"cohort_uuid": "h2"},
            {"cohort_uuid": ["The selected cohort belongs to another course."]},
        ),
        ({"cohort_uuid": "gone"}, {"cohort_uuid": ["The cohort is not in the cohort list."]}),
    ],
)
def test_an_edit_that_the_quality_page_would_flag_is_refused(
    changes: dict[str, object], expected: dict[str, list[str]]
) -> None:
    errors = edit(**changes)
    assert plain(errors) == expected
    assert all(m.endswith(RULE_SUFFIX) for ms in errors.values() for m in ms)


def test_a_clean_edit_passes() -> None:
    assert edit(completion_status="completed", grade=7.5, completed_at="2026-12-02") == {}
    assert edit(completion_status="dropped") == {}


def test_an_edit_leaves_untouched_old_flags_alone() -> None:
    # Already completed without a date: changing the cohort does not have to fix that first...
    broken = {**OPENED, "completion_status": "completed", "grade": 6.0}
    context = QualityContext(cohorts=COHORTS, enrollments=stored(broken), as_of=NOW)
    moved = {**broken, "cohort_uuid": None}
    assert (
        quality_errors(moved, context, form_fields=EDITABLE_FIELDS, changed=("cohort_uuid",)) == {}
    )
    # ...but changing the grade of it touches a field a failing check reads.
    regraded = {**broken, "grade": 7.0}
    errors = quality_errors(regraded, context, form_fields=EDITABLE_FIELDS, changed=("grade",))
    assert plain(errors) == {}  # completed_without_date reads status and completed_at only
    cleared = {**broken, "grade": None}
    errors = quality_errors(cleared, context, form_fields=EDITABLE_FIELDS, changed=("grade",))
    assert plain(errors) == {"grade": ["A completed enrollment needs a grade."]}


def test_moving_into_a_cohort_where_the_student_already_is_is_a_duplicate() -> None:
    twin = {**OPENED, "uuid": "e2", "cohort_uuid": None}
    context = QualityContext(cohorts=COHORTS, enrollments=stored(OPENED, twin), as_of=NOW)
    moved = {**OPENED, "cohort_uuid": None}
    errors = quality_errors(moved, context, form_fields=EDITABLE_FIELDS, changed=("cohort_uuid",))
    assert plain(errors) == {
        "cohort_uuid": ["This student already has an enrollment in this course and cohort."]
    }


def test_a_new_record_is_checked_on_every_rule() -> None:
    new = {
        "uuid": None,
        "student_uuid": STUDENT,
        "course_uuid": COURSE,
        "cohort_uuid": "h1",
        "enrolled_at": "2026-12-24",
        "completion_status": "enrolled",
        "completed_at": "2026-12-25",
    }
    errors = plain(quality_errors(new, CONTEXT, form_fields=CREATE_FIELDS))
    assert errors == {
        "student_uuid": ["This student already has an enrollment in this course and cohort."],
        "enrolled_at": ["The enrollment date is in the future."],
        "completed_at": [
            "The completion date is in the future.",
            "Only a completed enrollment has a completion date: clear it, or set the status to "
            "completed.",
        ],
    }
