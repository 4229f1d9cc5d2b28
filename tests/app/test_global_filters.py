"""Global filters: query parameters in and out, and their effect on a frame."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from dashboard.app.global_filters import (
    Filters,
    apply_filters,
    describe_filters,
    filter_options,
    parse_query_params,
    to_query_params,
)
from dashboard.data.schema import COHORT_SCHEMA, ENROLLMENT_SCHEMA

COURSE_A = "0b7f3c1e-3d2a-4c55-9a61-2f4f8f3a0001"
COURSE_B = "0b7f3c1e-3d2a-4c55-9a61-2f4f8f3a0002"
COHORT_A = "5d0e2f10-8a3b-4f7e-b1d2-77aa00000001"


def _enrollments() -> pl.DataFrame:
    rows = [
        ("e1", "completed", COURSE_A, "Alpha", COHORT_A, "A-24", 2024, "remote"),
        ("e2", "dropped", COURSE_A, "Alpha", None, None, 2023, None),
        ("e3", "enrolled", COURSE_B, "Beta", None, None, 2024, None),
        ("e4", "completed", COURSE_B, "Beta", COHORT_A, "A-24", 2023, "remote"),
    ]
    frame = pl.DataFrame(
        {
            "uuid": [r[0] for r in rows],
            "completion_status": [r[1] for r in rows],
            "course_uuid": [r[2] for r in rows],
            "course_name": [r[3] for r in rows],
            "cohort_uuid": [r[4] for r in rows],
            "cohort_code": [r[5] for r in rows],
            "enrolled_at": [datetime(r[6], 2, 1, tzinfo=UTC) for r in rows],
        }
    )
    base = pl.DataFrame(schema=ENROLLMENT_SCHEMA).drop(frame.columns)
    full = frame.with_columns(
        [pl.lit(None, dtype=dtype).alias(name) for name, dtype in base.schema.items()]
    ).cast({name: dtype for name, dtype in ENROLLMENT_SCHEMA.items()})
    return full.with_columns(
        intake_year=pl.Series([r[6] for r in rows], dtype=pl.Int32),
        modality=pl.Series([r[7] for r in rows], dtype=pl.String),
    )


def test_parse_keeps_valid_values_and_drops_the_rest() -> None:
    filters = parse_query_params(
        {
            "course": [COURSE_B, "not-a-uuid", COURSE_A.upper()],
            "status": ["completed", "graduated"],
            "intake": ["2024", "24", "2023", "2024"],
            "modality": "remote,teleport",
            "cohort": COHORT_A,
        }
    )
    assert filters == Filters(
        courses=(COURSE_A, COURSE_B),
        cohorts=(COHORT_A,),
        statuses=("completed",),
        intake_years=(2023, 2024),
        modalities=("remote",),
    )
    assert filters.active


def test_no_params_means_all() -> None:
    filters = parse_query_params({})
    assert filters == Filters()
    assert not filters.active
    assert to_query_params(filters) == {}


def test_round_trip_is_stable() -> None:
    params = {"status": ["dropped", "completed"], "intake": ["2024"], "course": [COURSE_A]}
    once = to_query_params(parse_query_params(params))
    assert once == {"course": [COURSE_A], "status": ["completed", "dropped"], "intake": ["2024"]}
    assert to_query_params(parse_query_params(once)) == once


def test_unknown_params_are_ignored() -> None:
    assert parse_query_params({"pass_mark": "6", "utm_source": "mail"}) == Filters()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), ["e1", "e2", "e3", "e4"]),
        (Filters(courses=(COURSE_A,)), ["e1", "e2"]),
        (Filters(statuses=("completed",)), ["e1", "e4"]),
        (Filters(intake_years=(2023,)), ["e2", "e4"]),
        (Filters(modalities=("remote",)), ["e1", "e4"]),
        (Filters(cohorts=(COHORT_A,), intake_years=(2024,)), ["e1"]),
        (Filters(courses=(COURSE_B,), statuses=("dropped",)), []),
    ],
)
def test_apply_filters(filters: Filters, expected: list[str]) -> None:
    assert apply_filters(_enrollments(), filters).get_column("uuid").to_list() == expected


def test_options_and_description_use_names() -> None:
    cohorts = pl.DataFrame(
        {"uuid": [COHORT_A], "code": ["A-24"], "modality": ["remote"]},
    ).with_columns(
        [
            pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in COHORT_SCHEMA.items()
            if name not in ("uuid", "code", "modality")
        ]
    )
    options = filter_options(_enrollments(), cohorts)
    assert options.courses == ((COURSE_A, "Alpha"), (COURSE_B, "Beta"))
    assert options.cohorts == ((COHORT_A, "A-24"),)
    assert options.intake_years == (2023, 2024)
    assert options.modalities == ("remote",)
    text = describe_filters(
        Filters(courses=(COURSE_B,), statuses=("completed",), intake_years=(2023, 2024)), options
    )
    assert text == "course: Beta; status: completed; intake: 2023, 2024"
    assert describe_filters(Filters(), options) == "all enrollments"
