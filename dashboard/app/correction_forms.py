"""The corrections page's forms: edit, create and delete enrollments, through the data layer.

Each form checks its input with ``correction_rules`` (the API's rules) and ``record_quality``
(the Data quality page's checks, stricter than the API) before anything is sent; the server's
422 messages are shown beside the same fields; what the user typed stays in the form on any
failure. An edit remembers the record as it was opened and, if the server's copy changed since,
shows both versions instead of overwriting; saving anyway sends only the fields this editor
changed, and the editor picks mine or theirs for a field both changed. Widget values live in
``st.session_state`` under keys derived from the enrollment, and the saves run in ``on_click``
callbacks, before the next run draws the widgets (the only moment Streamlit lets the code reset
a widget's value).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl
import streamlit as st

from dashboard.app.concurrent_change import (
    FIELD_LABELS,
    conflict_fields,
    frame_row,
    merged_form,
    versions_table,
)
from dashboard.app.correction_rules import (
    EDITABLE_FIELDS,
    FormCheck,
    check_create,
    check_update,
    current_values,
    enrolled_date,
    form_values,
    merge_errors,
)
from dashboard.app.plain_text import escape_markdown
from dashboard.app.record_quality import FORM_NOTE, QualityContext, quality_errors
from dashboard.app.runtime import data_changed
from dashboard.client import DokStampError, ValidationError
from dashboard.data.corrections import (
    ConcurrentChangeError,
    corrections_log_status,
    create_enrollment,
    delete_enrollments,
    update_enrollment,
)
from dashboard.data.schema import COMPLETION_STATUSES
from dashboard.data.source import DataSource
from dashboard.settings import Settings

__all__ = [
    "CREATE_FIELDS",
    "EditTarget",
    "FormSetup",
    "edit_key",
    "render_create_form",
    "render_delete_confirmation",
    "render_edit_form",
    "request_delete",
]

CREATE_FIELDS = (
    "student_uuid",
    "course_uuid",
    "cohort_uuid",
    "enrolled_at",
    "completion_status",
    "grade",
    "completed_at",
)
FLASH = "corr_flash"
FLASH_WARNING = "corr_flash_warning"
PENDING_DELETE = "corr_pending_delete"
OPEN = "corr_open"


@dataclass(frozen=True)
class FormSetup:
    """What the callbacks need besides the widget values: where to write, who writes, and the
    cohorts and stored enrollments the data-quality checks compare a record with."""

    settings: DataSource | Settings
    actor: str | None
    cohorts: pl.DataFrame
    enrollments: pl.DataFrame
    role: str | None = None  # the signed-in actor's role, logged beside the actor

    def quality(self) -> QualityContext:
        """The data-quality checks' context, with now as the limit for future dates."""
        return QualityContext(
            cohorts=self.cohorts, enrollments=self.enrollments, as_of=datetime.now(UTC)
        )


@dataclass(frozen=True)
class EditTarget:
    """The enrollment being edited, as the dataset has it now."""

    uuid: str
    row: Mapping[str, Any]


def edit_key(uuid: str, part: str) -> str:
    """Session-state key of one part of the edit form of enrollment ``uuid``."""
    return f"corr_{uuid}_{part}"


def _flash(message: str, settings: DataSource | Settings) -> None:
    """Say what was saved, and at once if its corrections-log entry could not be written."""
    st.session_state[FLASH] = message
    status = corrections_log_status(settings)
    if status.ok:
        st.session_state.pop(FLASH_WARNING, None)
    elif status.pending:
        st.session_state[FLASH_WARNING] = (
            "The change was made, but its correction-log entry is pending in "
            f"{status.pending_path}: {status.problem}"
        )
    else:
        st.session_state[FLASH_WARNING] = (
            "The change was made, but its correction-log entry could not be kept (it is in the "
            f"server log): {status.problem}"
        )


def _field_errors(errors: Mapping[str, Sequence[str]], field: str) -> None:
    for message in errors.get(field, ()):
        st.error(escape_markdown(str(message)), icon=":material/error:")


def _set_form(uuid: str, row: Mapping[str, Any]) -> None:
    for field, text in form_values(row).items():
        st.session_state[edit_key(uuid, field)] = text


def _server_errors(error: ValidationError, *, fields: tuple[str, ...]) -> dict[str, list[str]]:
    placed = merge_errors(error.errors, fields=fields)
    placed.setdefault("__all__", []).insert(0, f"The server refused the change: {error.message}")
    return placed


# --- edit ------------------------------------------------------------------------------------


def _checked_edit(
    opened: Mapping[str, Any], form: Mapping[str, str], setup: FormSetup
) -> FormCheck:
    """The API's rules, then the data-quality checks that read a field this edit changes."""
    check = check_update(form, current=current_values(opened), enrolled_at=enrolled_date(opened))
    if not check.ok:
        return check
    errors = quality_errors(
        {**opened, **check.payload},
        setup.quality(),
        form_fields=EDITABLE_FIELDS,
        changed=tuple(check.payload),
    )
    return FormCheck(errors=errors) if errors else check


def _save_update(uuid: str, setup: FormSetup) -> None:
    state = st.session_state
    opened: dict[str, Any] = dict(state[edit_key(uuid, "opened")])
    form = {field: state.get(edit_key(uuid, field)) or "" for field in EDITABLE_FIELDS}
    check = _checked_edit(opened, form, setup)
    if not check.ok:
        state[edit_key(uuid, "errors")] = check.errors
        return
    try:
        updated = update_enrollment(
            setup.settings, uuid, check.payload, opened=opened, actor=setup.actor, role=setup.role
        )
    except ConcurrentChangeError as conflict:
        _end_conflict(uuid)  # choices made for an earlier conflict do not carry over
        state[edit_key(uuid, "conflict")] = {
            "current": frame_row(conflict.current),
            "edit": check.payload,
            "form": form,
        }
        state[edit_key(uuid, "errors")] = {}
        return
    except ValidationError as error:
        state[edit_key(uuid, "errors")] = _server_errors(error, fields=EDITABLE_FIELDS)
        return
    except DokStampError as error:
        state[edit_key(uuid, "errors")] = {"__all__": [f"Not saved: {error}"]}
        return
    data_changed()
    row = frame_row(updated)
    state[edit_key(uuid, "opened")] = row
    state[edit_key(uuid, "errors")] = {}
    state.pop(edit_key(uuid, "conflict"), None)
    _set_form(uuid, row)
    _flash(f"Saved: enrollment {uuid} ({', '.join(sorted(check.payload))}).", setup.settings)


def _end_conflict(uuid: str) -> None:
    state = st.session_state
    state.pop(edit_key(uuid, "conflict"), None)
    state.pop(edit_key(uuid, "conflict_error"), None)
    for name in EDITABLE_FIELDS:
        state.pop(edit_key(uuid, f"choose_{name}"), None)


def _take_server_version(uuid: str) -> None:
    conflict = st.session_state.get(edit_key(uuid, "conflict"))
    if conflict is None:
        return
    _end_conflict(uuid)
    st.session_state[edit_key(uuid, "opened")] = conflict["current"]
    st.session_state[edit_key(uuid, "errors")] = {}
    _set_form(uuid, conflict["current"])


def _keep_my_edit(uuid: str, setup: FormSetup) -> None:
    """Save onto the server's version only the fields this editor changed (and chose to keep)."""
    state = st.session_state
    conflict = state.get(edit_key(uuid, "conflict"))
    if conflict is None:
        return
    fields = conflict_fields(state[edit_key(uuid, "opened")], conflict["current"], conflict["edit"])
    choices = {name: state.get(edit_key(uuid, f"choose_{name}")) for name in fields.both}
    undecided = [FIELD_LABELS[name] for name, choice in choices.items() if choice is None]
    if undecided:
        state[edit_key(uuid, "conflict_error")] = (
            f"Nothing was sent. Choose mine or theirs for: {', '.join(undecided)}."
        )
        return
    keep = {name for name, choice in choices.items() if choice == "mine"}
    merged = merged_form(conflict["current"], conflict["form"], fields, keep_mine=keep)
    _end_conflict(uuid)
    # The editor has seen the server's version: it becomes the base the edit is checked against,
    # so only what differs from it (this editor's changes) is sent.
    state[edit_key(uuid, "opened")] = conflict["current"]
    for name, text in merged.items():
        state[edit_key(uuid, name)] = text
    if not fields.mine and not keep:
        state[edit_key(uuid, "errors")] = {}
        _flash(f"Nothing was sent: enrollment {uuid} keeps the server's version.", setup.settings)
        return
    _save_update(uuid, setup)


def render_edit_form(
    target: EditTarget, setup: FormSetup, *, cohort_options: Sequence[tuple[str, str]]
) -> None:
    """The edit form of one enrollment (status, grade, completed at, cohort)."""
    uuid, row = target.uuid, target.row
    state = st.session_state
    if edit_key(uuid, "opened") not in state:
        state[edit_key(uuid, "opened")] = dict(row)
        _set_form(uuid, row)
    errors: Mapping[str, Sequence[str]] = state.get(edit_key(uuid, "errors"), {})
    labels = dict(cohort_options)
    st.text(
        f"Student: {row.get('student_name') or '(no name)'}   ·   "
        f"Course: {row.get('course_name') or '(none)'}   ·   "
        f"Enrolled: {enrolled_date(row) or '(unknown)'}   ·   Enrollment: {uuid}"
    )
    conflict = state.get(edit_key(uuid, "conflict"))
    if conflict is not None:
        _render_conflict(uuid, conflict, setup, labels)
    current_cohort = state.get(edit_key(uuid, "cohort_uuid")) or ""
    choices = ["", *[value for value, _ in cohort_options]]
    if current_cohort and current_cohort not in choices:
        choices.append(current_cohort)
        labels[current_cohort] = f"{current_cohort} (not a cohort of this course)"
    with st.form(edit_key(uuid, "form"), enter_to_submit=False):
        _field_errors(errors, "__all__")
        st.caption(FORM_NOTE)
        st.selectbox("Status", COMPLETION_STATUSES, key=edit_key(uuid, "completion_status"))
        _field_errors(errors, "completion_status")
        st.text_input(
            "Grade",
            key=edit_key(uuid, "grade"),
            placeholder="0-10, at most 2 decimals; empty for no grade",
        )
        _field_errors(errors, "grade")
        st.text_input(
            "Completed at",
            key=edit_key(uuid, "completed_at"),
            placeholder="YYYY-MM-DD; empty if not completed",
        )
        _field_errors(errors, "completed_at")
        st.selectbox(
            "Cohort",
            choices,
            format_func=lambda value: labels.get(value, value) if value else "(no cohort)",
            key=edit_key(uuid, "cohort_uuid"),
        )
        _field_errors(errors, "cohort_uuid")
        st.form_submit_button(
            "Save correction",
            type="primary",
            on_click=_save_update,
            args=(uuid, setup),
        )


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
        on_click=_take_server_version,
        args=(uuid,),
    )
    right.button(
        "Save my edit over it",
        key=edit_key(uuid, "keep_mine"),
        on_click=_keep_my_edit,
        args=(uuid, setup),
        type="primary",
    )


# --- create ----------------------------------------------------------------------------------


def _create_key(field: str) -> str:
    return f"corr_new_{field}"


def _save_create(setup: FormSetup) -> None:
    state = st.session_state
    form = {field: state.get(_create_key(field)) or "" for field in CREATE_FIELDS}
    check = check_create(form)
    errors = dict(check.errors)
    if not errors:
        # The API makes a new enrollment "enrolled" when no status is sent.
        record = {"uuid": None, "completion_status": "enrolled", **check.payload}
        errors = quality_errors(record, setup.quality(), form_fields=CREATE_FIELDS)
    if errors:
        state[_create_key("errors")] = errors
        return
    try:
        created = create_enrollment(
            setup.settings, check.payload, actor=setup.actor, role=setup.role
        )
    except ValidationError as error:
        state[_create_key("errors")] = _server_errors(error, fields=CREATE_FIELDS)
        return
    except DokStampError as error:
        state[_create_key("errors")] = {"__all__": [f"Not saved: {error}"]}
        return
    data_changed()
    state[_create_key("errors")] = {}
    for field in ("grade", "completed_at"):
        state[_create_key(field)] = ""
    state[OPEN] = str(created["uuid"])
    _flash(f"Created enrollment {created['uuid']}; it is open for editing below.", setup.settings)


def render_create_form(
    setup: FormSetup,
    *,
    students: Sequence[tuple[str, str]],
    courses: Sequence[tuple[str, str]],
    cohorts: Sequence[tuple[str, str]],
) -> None:
    """The new-enrollment form, with student, course and cohort pickers from the API's data."""
    state = st.session_state
    state.setdefault(_create_key("enrolled_at"), datetime.now(UTC).date().isoformat())
    state.setdefault(_create_key("completion_status"), "enrolled")
    errors: Mapping[str, Sequence[str]] = state.get(_create_key("errors"), {})
    student_labels, course_labels, cohort_labels = dict(students), dict(courses), dict(cohorts)
    with st.form("corr_new_form", enter_to_submit=False):
        _field_errors(errors, "__all__")
        st.caption(FORM_NOTE)
        st.selectbox(
            "Student",
            [value for value, _ in students],
            index=None,
            format_func=lambda value: student_labels.get(value, value),
            key=_create_key("student_uuid"),
            placeholder="Type a name or email",
            filter_mode="contains",
        )
        _field_errors(errors, "student_uuid")
        st.selectbox(
            "Course",
            [value for value, _ in courses],
            index=None,
            format_func=lambda value: course_labels.get(value, value),
            key=_create_key("course_uuid"),
            placeholder="Choose a course",
        )
        _field_errors(errors, "course_uuid")
        st.selectbox(
            "Cohort (optional)",
            [value for value, _ in cohorts],
            index=None,
            format_func=lambda value: cohort_labels.get(value, value),
            key=_create_key("cohort_uuid"),
            placeholder="No cohort",
        )
        _field_errors(errors, "cohort_uuid")
        st.text_input("Enrolled at", key=_create_key("enrolled_at"), placeholder="YYYY-MM-DD")
        _field_errors(errors, "enrolled_at")
        st.selectbox("Status", COMPLETION_STATUSES, key=_create_key("completion_status"))
        _field_errors(errors, "completion_status")
        st.text_input("Grade", key=_create_key("grade"), placeholder="0-10; empty for no grade")
        _field_errors(errors, "grade")
        st.text_input(
            "Completed at", key=_create_key("completed_at"), placeholder="YYYY-MM-DD or empty"
        )
        _field_errors(errors, "completed_at")
        st.form_submit_button(
            "Create enrollment", type="primary", on_click=_save_create, args=(setup,)
        )


# --- delete ----------------------------------------------------------------------------------


def request_delete(uuids: Sequence[str]) -> None:
    """Ask for confirmation before deleting ``uuids`` (shown by ``render_delete_confirmation``)."""
    st.session_state[PENDING_DELETE] = list(dict.fromkeys(uuids))


def _confirm_delete(setup: FormSetup) -> None:
    uuids: list[str] = st.session_state.pop(PENDING_DELETE, [])
    if not uuids:
        return
    try:
        delete_enrollments(setup.settings, uuids, actor=setup.actor, role=setup.role)
    except DokStampError as error:
        st.session_state[PENDING_DELETE] = uuids
        st.session_state["corr_delete_error"] = f"Nothing was deleted: {error}"
        return
    data_changed()
    st.session_state.pop("corr_delete_error", None)
    if st.session_state.get(OPEN) in uuids:
        st.session_state.pop(OPEN)
    _flash(f"Deleted {len(uuids)} enrollment{'s' if len(uuids) != 1 else ''}.", setup.settings)


def _cancel_delete() -> None:
    st.session_state.pop(PENDING_DELETE, None)
    st.session_state.pop("corr_delete_error", None)


def render_delete_confirmation(setup: FormSetup, rows: pl.DataFrame) -> None:
    """When a delete is pending: which rows, how many, and the confirm / cancel buttons."""
    uuids: list[str] = st.session_state.get(PENDING_DELETE, [])
    if not uuids:
        return
    count = len(uuids)
    noun = "enrollment" if count == 1 else "enrollments"
    with st.container(border=True):
        st.warning(
            f"Delete {count} {noun}? DokStamp soft-deletes them: they disappear from every "
            "list and chart, and only a platform administrator can restore them.",
            icon=":material/delete:",
        )
        error = st.session_state.get("corr_delete_error")
        if error:
            st.error(escape_markdown(str(error)))
        st.dataframe(
            rows.filter(pl.col("uuid").is_in(uuids)).select(
                "uuid", "student_name", "course_name", "cohort_code", "completion_status"
            ),
            hide_index=True,
            key="corr_delete_rows",
        )
        left, right = st.columns(2)
        left.button(
            f"Yes, delete {count} {noun}",
            key="corr_delete_confirm",
            type="primary",
            on_click=_confirm_delete,
            args=(setup,),
        )
        right.button("Cancel", key="corr_delete_cancel", on_click=_cancel_delete)
