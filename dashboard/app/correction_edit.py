"""Saving an edit of one enrollment, and the way out of a concurrent change.

An edit remembers the record as it was opened and, if the server's copy changed since, keeps
both versions instead of overwriting; the editor then loads the server's version, or saves onto
it only the fields this editor changed, picking mine or theirs for a field both changed. These
are the edit form's ``on_click`` callbacks; the widgets are in ``correction_edit_form``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard.app.concurrent_change import FIELD_LABELS, conflict_fields, frame_row, merged_form
from dashboard.app.correction_forms import FormSetup, flash, server_errors
from dashboard.app.correction_rules import (
    EDITABLE_FIELDS,
    FormCheck,
    check_update,
    current_values,
    enrolled_date,
    form_values,
)
from dashboard.app.record_quality import quality_errors
from dashboard.app.runtime import data_changed
from dashboard.client import DokStampError, ValidationError
from dashboard.data.corrections import ConcurrentChangeError, update_enrollment

__all__ = ["edit_key", "keep_my_edit", "save_update", "set_form", "take_server_version"]


def edit_key(uuid: str, part: str) -> str:
    """Session-state key of one part of the edit form of enrollment ``uuid``."""
    return f"corr_{uuid}_{part}"


def set_form(uuid: str, row: Mapping[str, Any]) -> None:
    """Fill the edit form's widgets with a record's values."""
    for field, text in form_values(row).items():
        st.session_state[edit_key(uuid, field)] = text


def save_update(uuid: str, setup: FormSetup) -> None:
    """Check the form against the record as opened, and send what it changes."""
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
        state[edit_key(uuid, "errors")] = server_errors(error, fields=EDITABLE_FIELDS)
        return
    except DokStampError as error:
        state[edit_key(uuid, "errors")] = {"__all__": [f"Not saved: {error}"]}
        return
    data_changed()
    row = frame_row(updated)
    state[edit_key(uuid, "opened")] = row
    state[edit_key(uuid, "errors")] = {}
    state.pop(edit_key(uuid, "conflict"), None)
    set_form(uuid, row)
    flash(f"Saved: enrollment {uuid} ({', '.join(sorted(check.payload))}).", setup.settings)


def take_server_version(uuid: str) -> None:
    """Drop the edit: the form shows the server's version, which becomes the one opened."""
    conflict = st.session_state.get(edit_key(uuid, "conflict"))
    if conflict is None:
        return
    _end_conflict(uuid)
    st.session_state[edit_key(uuid, "opened")] = conflict["current"]
    st.session_state[edit_key(uuid, "errors")] = {}
    set_form(uuid, conflict["current"])


def keep_my_edit(uuid: str, setup: FormSetup) -> None:
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
        flash(f"Nothing was sent: enrollment {uuid} keeps the server's version.", setup.settings)
        return
    save_update(uuid, setup)


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


def _end_conflict(uuid: str) -> None:
    state = st.session_state
    state.pop(edit_key(uuid, "conflict"), None)
    state.pop(edit_key(uuid, "conflict_error"), None)
    for name in EDITABLE_FIELDS:
        state.pop(edit_key(uuid, f"choose_{name}"), None)
