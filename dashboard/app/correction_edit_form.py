"""The edit form of one enrollment (status, grade, completed at, cohort), and, after a
concurrent change, both versions with a mine/theirs choice per field both changed.

The saves behind its buttons are in ``correction_edit``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard.app.concurrent_change import FIELD_LABELS, conflict_fields, versions_table
from dashboard.app.correction_edit import (
    edit_key,
    keep_my_edit,
    save_update,
    set_form,
    take_server_version,
)
from dashboard.app.correction_forms import FormSetup, field_errors
from dashboard.app.correction_rules import enrolled_date, form_values
from dashboard.app.plain_text import escape_markdown
from dashboard.app.record_quality import FORM_NOTE
from dashboard.data.schema import COMPLETION_STATUSES

__all__ = ["EditTarget", "render_edit_form"]


@dataclass(frozen=True)
class EditTarget:
    """The enrollment being edited, as the dataset has it now."""

    uuid: str
    row: Mapping[str, Any]


def render_edit_form(
    target: EditTarget, setup: FormSetup, *, cohort_options: Sequence[tuple[str, str]]
) -> None:
    """The edit form of one enrollment; ``cohort_options``: (uuid, label) of its cohorts."""
    uuid, row = target.uuid, target.row
    state = st.session_state
    if edit_key(uuid, "opened") not in state:
        state[edit_key(uuid, "opened")] = dict(row)
        set_form(uuid, row)
    errors: Mapping[str, Sequence[str]] = state.get(edit_key(uuid, "errors"), {})
    st.text(
        f"Student: {row.get('student_name') or '(no name)'}   ·   "
        f"Course: {row.get('course_name') or '(none)'}   ·   "
        f"Enrolled: {enrolled_date(row) or '(unknown)'}   ·   Enrollment: {uuid}"
    )
    choices, labels = _cohort_choices(uuid, cohort_options)
    conflict = state.get(edit_key(uuid, "conflict"))
    if conflict is not None:
        _render_conflict(uuid, conflict, setup, labels)
    with st.form(edit_key(uuid, "form"), enter_to_submit=False):
        field_errors(errors, "__all__")
        st.caption(FORM_NOTE)
        st.selectbox("Status", COMPLETION_STATUSES, key=edit_key(uuid, "completion_status"))
        field_errors(errors, "completion_status")
        st.text_input(
            "Grade",
            key=edit_key(uuid, "grade"),
            placeholder="0-10, at most 2 decimals; empty for no grade",
        )
        field_errors(errors, "grade")
        st.text_input(
            "Completed at",
            key=edit_key(uuid, "completed_at"),
            placeholder="YYYY-MM-DD; empty if not completed",
        )
        field_errors(errors, "completed_at")
        st.selectbox(
            "Cohort",
            choices,
            format_func=lambda value: labels.get(value, value) if value else "(no cohort)",
            key=edit_key(uuid, "cohort_uuid"),
        )
        field_errors(errors, "cohort_uuid")
        st.form_submit_button(
            "Save correction",
            type="primary",
            on_click=save_update,
            args=(uuid, setup),
        )


def _cohort_choices(
    uuid: str, cohort_options: Sequence[tuple[str, str]]
) -> tuple[list[str], dict[str, str]]:
    """The cohort picker's values ("" for none) and labels; a stored cohort that is not one of
    the course's stays a choice, labelled as such, so opening the form changes nothing."""
    labels = dict(cohort_options)
    choices = ["", *[value for value, _ in cohort_options]]
    current = st.session_state.get(edit_key(uuid, "cohort_uuid")) or ""
    if current and current not in choices:
        choices.append(current)
        labels[current] = f"{current} (not a cohort of this course)"
    return choices, labels


def _render_conflict(
    uuid: str, conflict: Mapping[str, Any], setup: FormSetup, cohort_labels: Mapping[str, str]
) -> None:
    """Both versions, what saving would send, a mine/theirs choice per field both changed."""
    state = st.session_state
    opened = state[edit_key(uuid, "opened")]
    fields = conflict_fields(opened, conflict["current"], conflict["edit"])
    st.warning(
        "Someone changed this enrollment after you opened it. Nothing was saved. Compare the "
        "versions, then load the server's version, or save your edit onto it: only the fields "
        "you changed are sent.",
        icon=":material/sync_problem:",
    )
    st.dataframe(
        versions_table(opened, conflict["current"], conflict["edit"]),
        hide_index=True,
        key=edit_key(uuid, "versions"),
    )

    def names(group: Sequence[str]) -> str:
        return ", ".join(FIELD_LABELS[name] for name in group)

    notes = []
    if fields.mine:
        notes.append(f"Saving sends your change to: {names(fields.mine)}.")
    if fields.theirs:
        notes.append(f"Their change to {names(fields.theirs)} stays.")
    if fields.both:
        notes.append(f"You both changed {names(fields.both)}: choose which to keep.")
    if notes:
        st.caption(" ".join(notes))
    theirs = form_values(conflict["current"])
    for name in fields.both:
        values = {"mine": conflict["form"][name], "theirs": theirs[name]}

        def shown(choice: str, values: Mapping[str, str] = values, name: str = name) -> str:
            text = values[choice]
            if name == "cohort_uuid" and text:
                text = cohort_labels.get(text, text)
            return f"{'Mine' if choice == 'mine' else 'Theirs'}: {text or '(empty)'}"

        st.radio(
            f"{FIELD_LABELS[name]}: changed by you and by someone else",
            ("mine", "theirs"),
            index=None,
            format_func=shown,
            horizontal=True,
            key=edit_key(uuid, f"choose_{name}"),
        )
    error = state.get(edit_key(uuid, "conflict_error"))
    if error:
        st.error(escape_markdown(str(error)), icon=":material/error:")
    left, right = st.columns(2)
    left.button(
        "Load the server's version",
        key=edit_key(uuid, "take_server"),
        on_click=take_server_version,
        args=(uuid,),
    )
    right.button(
        "Save my edit over it",
        key=edit_key(uuid, "keep_mine"),
        on_click=keep_my_edit,
        args=(uuid, setup),
        type="primary",
    )
