"""The create form's student choices: the student list first, enrolled students never lost."""

from __future__ import annotations

import polars as pl

from dashboard.app.student_choice import student_options
from dashboard.data.schema import STUDENT_SCHEMA

ENROLLED_SCHEMA = {"student_uuid": pl.String, "student_name": pl.String}


def _students(rows: list[tuple[str, str | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(uuid, name, email, None) for uuid, name, email in rows],
        schema=STUDENT_SCHEMA,
        orient="row",
    )


def _enrolled(rows: list[tuple[str | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=ENROLLED_SCHEMA, orient="row")


def test_labels_are_name_and_email_sorted_by_name() -> None:
    students = _students(
        [
            ("u-bob", "bob Brown", "bob@x.test"),
            ("u-ann2", "Ann Lee", "ann.lee@y.test"),
            ("u-ann1", "Ann Lee", "Ann@x.test"),
        ]
    )
    assert student_options(students, _enrolled([])) == [
        ("u-ann2", "Ann Lee <ann.lee@y.test>"),  # same name: the email tells them apart
        ("u-ann1", "Ann Lee <Ann@x.test>"),  # (and orders them, ignoring case)
        ("u-bob", "bob Brown <bob@x.test>"),
    ]


def test_students_without_enrollments_are_offered() -> None:
    students = _students([("u-new", "New Student", "new@x.test"), ("u-old", "Old", "o@x.test")])
    options = dict(student_options(students, _enrolled([("u-old", "Old")])))
    assert options == {"u-new": "New Student <new@x.test>", "u-old": "Old <o@x.test>"}


def test_enrolled_students_missing_from_the_list_are_kept() -> None:
    students = _students([("u-a", "Ann", "a@x.test")])
    enrolled = _enrolled(
        [("u-a", "Ann"), ("0123456789ab", "Zed"), ("0123456789ab", "Zed"), (None, "?")]
    )
    assert student_options(students, enrolled) == [
        ("u-a", "Ann <a@x.test>"),
        ("0123456789ab", "Zed · 01234567"),
    ]


def test_without_a_list_the_enrolled_students_are_offered() -> None:
    assert student_options(None, _enrolled([("u-b", "Bea"), ("u-a", None)])) == [
        ("u-b", "Bea · u-b"),
        ("u-a", "(no name) · u-a"),
    ]


def test_markup_and_line_breaks_stay_plain_single_line_text() -> None:
    name = "**Bold**\n[link](http://x.test) <b>"
    [(_, label)] = student_options(_students([("u", name, "m@x.test")]), _enrolled([]))
    assert label == "**Bold** [link](http://x.test) <b> <m@x.test>"
    [(_, nameless)] = student_options(_students([("u", None, None)]), _enrolled([]))
    assert nameless == "(no name) · u"
