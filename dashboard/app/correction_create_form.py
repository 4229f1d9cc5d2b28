"""The new-enrollment form: student, course and cohort pickers from the API's data, checked as
the API and the Data quality page would before it is sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Literal

import streamlit as st

from dashboard.app.correction_forms import OPEN, FormSetup, field_errors, flash, server_errors
from dashboard.app.correction_rules import check_create
from dashboard.app.record_quality import FORM_NOTE, quality_errors
from dashboard.app.runtime import data_changed
from dashboard.client import DokStampError, ValidationError
from dashboard.data.corrections import create_enrollment
from dashboard.data.schema import COMPLETION_STATUSES

__all__ = ["CREATE_FIELDS", "create_key", "render_create_form"]

CREATE_FIELDS = (
    "student_uuid",
    "course_uuid",
    "cohort_uuid",
    "enrolled_at",
    "completion_status",
    "grade",
    "completed_at",
)


def create_key(field: str) -> str:
    """Session-state key of one field of the new-enrollment form."""
    return f"corr_new_{field}"


def render_create_form(
    setup: FormSetup,
    *,
    students: Sequence[tuple[str, str]],
    courses: Sequence[tuple[str, str]],
    cohorts: Sequence[tuple[str, str]],
) -> None:
    """The new-enrollment form; ``students``, ``courses``, ``cohorts``: (uuid, label) to pick."""
    state = st.session_state
    state.setdefault(create_key("enrolled_at"), datetime.now(UTC).date().isoformat())
    state.setdefault(create_key("completion_status"), "enrolled")
    errors: Mapping[str, Sequence[str]] = state.get(create_key("errors"), {})
    with st.form("corr_new_form", enter_to_submit=False):
        field_errors(errors, "__all__")
        st.caption(FORM_NOTE)
        _picker("Student", students, "student_uuid", "Type a name or email", filter_mode="contains")
        field_errors(errors, "student_uuid")
        _picker("Course", courses, "course_uuid", "Choose a course")
        field_errors(errors, "course_uuid")
        _picker("Cohort (optional)", cohorts, "cohort_uuid", "No cohort")
        field_errors(errors, "cohort_uuid")
        st.text_input("Enrolled at", key=create_key("enrolled_at"), placeholder="YYYY-MM-DD")
        field_errors(errors, "enrolled_at")
        st.selectbox("Status", COMPLETION_STATUSES, key=create_key("completion_status"))
        field_errors(errors, "completion_status")
        st.text_input("Grade", key=create_key("grade"), placeholder="0-10; empty for no grade")
        field_errors(errors, "grade")
        st.text_input(
            "Completed at", key=create_key("completed_at"), placeholder="YYYY-MM-DD or empty"
        )
        field_errors(errors, "completed_at")
        st.form_submit_button(
            "Create enrollment", type="primary", on_click=_save_create, args=(setup,)
        )


def _picker(
    label: str,
    options: Sequence[tuple[str, str]],
    field: str,
    placeholder: str,
    *,
    filter_mode: Literal["fuzzy", "contains"] = "fuzzy",
) -> None:
    """A select box of uuids shown by their labels, empty until the user picks."""
    labels = dict(options)
    st.selectbox(
        label,
        [value for value, _ in options],
        index=None,
        format_func=lambda value: labels.get(value, value),
        key=create_key(field),
        placeholder=placeholder,
        filter_mode=filter_mode,
    )


def _save_create(setup: FormSetup) -> None:
    """Check the form, send it, and open the new enrollment for editing."""
    state = st.session_state
    form = {field: state.get(create_key(field)) or "" for field in CREATE_FIELDS}
    check = check_create(form)
    errors = dict(check.errors)
    if not errors:
        # The API makes a new enrollment "enrolled" when no status is sent.
        record = {"uuid": None, "completion_status": "enrolled", **check.payload}
        errors = quality_errors(record, setup.quality(), form_fields=CREATE_FIELDS)
    if errors:
        state[create_key("errors")] = errors
        return
    try:
        created = create_enrollment(
            setup.settings, check.payload, actor=setup.actor, role=setup.role
        )
    except ValidationError as error:
        state[create_key("errors")] = server_errors(error, fields=CREATE_FIELDS)
        return
    except DokStampError as error:
        state[create_key("errors")] = {"__all__": [f"Not saved: {error}"]}
        return
    data_changed()
    state[create_key("errors")] = {}
    for field in ("grade", "completed_at"):
        state[create_key(field)] = ""
    state[OPEN] = str(created["uuid"])
    flash(f"Created enrollment {created['uuid']}; it is open for editing below.", setup.settings)
