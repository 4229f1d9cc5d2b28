"""Enrollment search for the corrections page."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from dashboard.app.enrollment_search import search_enrollments


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "uuid": ["aaaa-1", "bbbb-2", "cccc-3"],
            "student_name": ["Maria Silva", "João Souza", "Ana Silva"],
            "student_uuid": ["stu-1", "stu-2", "stu-3"],
            "course_name": ["Nursing", "Computer Science", "Computer Science"],
            "cohort_code": ["BNS-2024", None, "BCS-2023-EVE"],
            "enrolled_at": [datetime(2024, 2, 1, tzinfo=UTC)] * 3,
        }
    )


def test_every_word_must_match_some_column() -> None:
    found = search_enrollments(_frame(), "silva computer")
    assert found.get_column("uuid").to_list() == ["cccc-3"]


def test_case_insensitive_and_sorted_by_name() -> None:
    found = search_enrollments(_frame(), "SILVA")
    assert found.get_column("student_name").to_list() == ["Ana Silva", "Maria Silva"]


def test_uuid_and_null_columns() -> None:
    assert search_enrollments(_frame(), "bbbb-2").height == 1
    assert search_enrollments(_frame(), "stu-2").get_column("uuid").to_list() == ["bbbb-2"]


def test_empty_query_finds_nothing_and_limit_applies() -> None:
    assert search_enrollments(_frame(), "   ").is_empty()
    assert search_enrollments(_frame(), "science", limit=1).height == 1


def test_words_do_not_match_across_columns() -> None:
    # "silvastu" would match "Silva" + "stu-1" glued together without a separator.
    assert search_enrollments(_frame(), "silvastu").is_empty()
