"""Deleting enrollments: a delete asked for is pending until confirmed, naming how many and
which; DokStamp soft-deletes them."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import streamlit as st

from dashboard.app.correction_forms import OPEN, FormSetup, flash
from dashboard.app.plain_text import escape_markdown
from dashboard.app.runtime import data_changed
from dashboard.client import DokStampError
from dashboard.data.corrections import delete_enrollments

__all__ = ["PENDING_DELETE", "render_delete_confirmation", "request_delete"]

PENDING_DELETE = "corr_pending_delete"
_DELETE_ERROR = "corr_delete_error"


def request_delete(uuids: Sequence[str]) -> None:
    """Ask for confirmation before deleting ``uuids`` (shown by ``render_delete_confirmation``)."""
    st.session_state[PENDING_DELETE] = list(dict.fromkeys(uuids))


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
        error = st.session_state.get(_DELETE_ERROR)
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


def _confirm_delete(setup: FormSetup) -> None:
    uuids: list[str] = st.session_state.pop(PENDING_DELETE, [])
    if not uuids:
        return
    try:
        delete_enrollments(setup.settings, uuids, actor=setup.actor, role=setup.role)
    except DokStampError as error:
        st.session_state[PENDING_DELETE] = uuids  # still pending: the user may try again
        st.session_state[_DELETE_ERROR] = f"Nothing was deleted: {error}"
        return
    data_changed()
    st.session_state.pop(_DELETE_ERROR, None)
    if st.session_state.get(OPEN) in uuids:
        st.session_state.pop(OPEN)
    flash(f"Deleted {len(uuids)} enrollment{'s' if len(uuids) != 1 else ''}.", setup.settings)


def _cancel_delete() -> None:
    st.session_state.pop(PENDING_DELETE, None)
    st.session_state.pop(_DELETE_ERROR, None)
