"""The new-enrollment form alone: refused input stays and is never sent; a valid one is created
and opened for editing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dashboard.app.correction_create_form import CREATE_FIELDS, create_key
from dokstamp_sandbox.runner import RunningSandbox

from .correction_scripts import NOWHERE, run, setup_for


def create_form(setup, options) -> None:  # untyped: AppTest runs its source alone
    import streamlit as st

    from dashboard.app.correction_create_form import render_create_form
    from dashboard.app.correction_forms import FLASH

    st.text(st.session_state.pop(FLASH, "-"))
    render_create_form(setup, **options)


def test_refused_input_is_shown_beside_its_field_and_not_sent(tmp_path: Path) -> None:
    setup = setup_for(NOWHERE, tmp_path / "cache", stored=False)
    options = {"students": [("s1", "Ana")], "courses": [("c1", "Algebra")], "cohorts": []}
    at = run(create_form, setup, options)
    at.text_input(key=create_key("grade")).input("11")
    at.text_input(key=create_key("enrolled_at")).input("2026-02-30")
    at.button[0].click().run()
    assert not at.exception
    messages = " ".join(str(error.value) for error in at.error)
    assert "student" in messages.lower()  # no student picked
    assert "grade" in messages.lower() or "10" in messages
    assert "Not saved" not in messages  # refused here: it never reached the (absent) server
    assert at.text_input(key=create_key("grade")).value == "11"  # what was typed stays


def test_a_valid_enrollment_is_created_and_opened(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(seed="demo", enrollments=100)
    setup = setup_for(sandbox.url, tmp_path / "cache")
    row = setup.enrollments.row(0, named=True)
    options = {
        "students": [(row["student_uuid"], "Student")],
        "courses": [(row["course_uuid"], "Course")],
        "cohorts": [],
    }
    at = run(create_form, setup, options)
    at.selectbox(key=create_key("student_uuid")).set_value(row["student_uuid"])
    at.selectbox(key=create_key("course_uuid")).set_value(row["course_uuid"])
    at.text_input(key=create_key("enrolled_at")).input("2026-08-01")
    at.button[0].click().run()
    assert not at.exception
    assert [error.value for error in at.error] == []
    opened = at.session_state["corr_open"]
    assert at.text[0].value == f"Created enrollment {opened}; it is open for editing below."
    assert set(CREATE_FIELDS) >= {"student_uuid", "course_uuid", "enrolled_at"}
