"""Seeded students: repeatable, unique emails, ages that fit the course kind."""

from __future__ import annotations

import re
from datetime import date

from dokstamp_sandbox.seed_draws import AS_OF_DAY
from dokstamp_sandbox.seed_students import StudentDraws

from .seed_steps import empty_rows


def _draw(kind: str, count: int) -> list[tuple[object, ...]]:
    rows = empty_rows()
    students = StudentDraws(rows, "students.test")
    for _ in range(count):
        students.new_student(AS_OF_DAY, kind)
    return rows.students


def test_the_same_seed_draws_the_same_students() -> None:
    assert _draw("short", 50) == _draw("short", 50)


def test_emails_are_unique_and_plain() -> None:
    emails = [str(row[4]) for row in _draw("short", 2_000)]
    assert len(set(emails)) == len(emails)
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+\d*@students\.test", email) for email in emails)


def test_bachelors_are_younger_than_masters() -> None:
    def median_age(kind: str) -> float:
        born = sorted(date.fromisoformat(str(row[5])).toordinal() for row in _draw(kind, 301))
        return (AS_OF_DAY - born[150]) / 365.25

    assert 17 < median_age("bachelor") < 22 < median_age("master") < 30
