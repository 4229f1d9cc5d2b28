"""Builders of small enrollment and cohort frames for the metrics tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from dashboard.data.schema import COHORT_SCHEMA, ENROLLMENT_SCHEMA

FrameBuilder = Callable[[Sequence[Mapping[str, Any]]], pl.DataFrame]


def day(year: int, month: int, dom: int) -> datetime:
    return datetime(year, month, dom, tzinfo=UTC)


def _build(
    schema: pl.Schema, defaults: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]
) -> pl.DataFrame:
    filled = []
    for index, row in enumerate(rows):
        unknown = set(row) - set(schema)
        assert not unknown, f"unknown columns {unknown}"
        base = {k: (v(index) if callable(v) else v) for k, v in defaults.items()}
        filled.append({**base, **row})
    return pl.DataFrame(filled, schema=schema) if filled else pl.DataFrame(schema=schema)


@pytest.fixture
def enrollments() -> FrameBuilder:
    """Build an ENROLLMENT_SCHEMA frame from partial rows (uuids and names filled in)."""
    defaults: dict[str, Any] = {
        "uuid": lambda i: f"e{i}",
        "completion_status": "enrolled",
        "grade": None,
        "enrolled_at": day(2024, 1, 1),
        "completed_at": None,
        "student_uuid": lambda i: f"s{i}",
        "student_name": lambda i: f"Student {i}",
        "course_uuid": "c1",
        "course_name": "Course 1",
        "cohort_uuid": None,
        "cohort_code": None,
    }
    return lambda rows: _build(ENROLLMENT_SCHEMA, defaults, rows)


@pytest.fixture
def cohorts() -> FrameBuilder:
    """Build a COHORT_SCHEMA frame from partial rows."""
    defaults: dict[str, Any] = {
        "uuid": lambda i: f"h{i}",
        "code": lambda i: f"H{i}",
        "modality": "online",
        "start_date": None,
        "end_date": None,
        "course_uuid": "c1",
        "course_name": "Course 1",
    }
    return lambda rows: _build(COHORT_SCHEMA, defaults, rows)
