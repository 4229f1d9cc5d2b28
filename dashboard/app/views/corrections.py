"""Corrections page (editors only): find, edit, create, delete enrollments; the correction log."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.app.actor import actor_name
from dashboard.app.correction_create_form import render_create_form
from dashboard.app.correction_delete import render_delete_confirmation, request_delete
from dashboard.app.correction_edit_form import EditTarget, render_edit_form
from dashboard.app.correction_forms import FLASH, FLASH_WARNING, OPEN, FormSetup
from dashboard.app.enrollment_search import search_enrollments
from dashboard.app.panels import table_download
from dashboard.app.plain_text import escape_markdown
from dashboard.app.runtime import page_context
from dashboard.app.student_choice import student_options
from dashboard.data.corrections import CorrectionsLogError, read_corrections_log

context = page_context()
st.title("Corrections")
if not context.access.edits:  # the page is not registered for them; refuse all the same
    st.error("Corrections are for editors.", icon=":material/block:")
    st.stop()
if not context.source.editing:
    st.info("Editing is off for this deployment (set ENROLLMENT_OUTCOMES_EDITING=true).")
    st.stop()

dataset = context.dataset
enrollments = dataset.enrollments
settings = context.source.settings
setup = FormSetup(
    settings=context.source.data,  # the source's one client sends every write
    # Signed in: the address the access rules matched, and the role it was given.
    actor=actor_name(context.access.email, settings.credentials),
    role=None if context.access.anonymous else context.access.role.value,
    cohorts=dataset.cohorts,
    enrollments=enrollments,
)
st.caption(
    "Changes are sent to the API at once, logged below, and shown in every chart on the next "
    "view. Student-level data: this page is for staff with student-level access."
)
flash = st.session_state.pop(FLASH, None)
if flash:
    st.success(flash, icon=":material/check_circle:")
log_warning = st.session_state.pop(FLASH_WARNING, None)
if log_warning:
    st.warning(escape_markdown(str(log_warning)), icon=":material/warning:")

# A link (?enrollment=<uuid>) or the data-quality page may name the enrollment to open.
linked = st.query_params.get("enrollment")
if linked:
    del st.query_params["enrollment"]  # consumed: a later search must not reopen it
    if linked in set(enrollments.get_column("uuid").to_list()):
        st.session_state[OPEN] = linked


def _new_search() -> None:
    st.session_state.pop(OPEN, None)


edit_tab, create_tab, log_tab = st.tabs(["Find and edit", "New enrollment", "Correction log"])

with edit_tab:
    query = st.text_input(
        "Find an enrollment",
        key="corr_search",
        placeholder="Student name, enrollment or student uuid, course or cohort code",
        on_change=_new_search,
    )
    results = search_enrollments(enrollments, query)
    chosen: list[str] = []
    if query.strip():
        st.caption(
            f"{results.height:,} match(es) (at most 200 shown). Select rows to edit or delete."
        )
        selection = st.dataframe(
            results.select(
                "uuid",
                "student_name",
                "course_name",
                "cohort_code",
                "completion_status",
                "grade",
                "enrolled_at",
                "completed_at",
            ),
            hide_index=True,
            on_select="rerun",
            selection_mode="multi-row",
            key="corr_results",
        )
        uuids = results.get_column("uuid").to_list()
        chosen = [uuids[index] for index in selection.selection.rows if index < len(uuids)]
        if chosen:
            st.button(
                f"Delete {len(chosen)} selected…",
                key="corr_delete_selected",
                on_click=request_delete,
                args=(chosen,),
                icon=":material/delete:",
            )
    render_delete_confirmation(setup, enrollments)

    open_uuid = None
    if len(chosen) == 1:
        open_uuid = chosen[0]
    elif not chosen and results.height == 1:
        open_uuid = results.get_column("uuid")[0]
    elif not chosen:
        open_uuid = st.session_state.get(OPEN)
    rows = enrollments.filter(pl.col("uuid") == open_uuid) if open_uuid else enrollments.clear()
    if rows.height:
        row = rows.row(0, named=True)
        st.subheader("Edit enrollment")
        course_cohorts = dataset.cohorts.filter(pl.col("course_uuid") == row["course_uuid"])
        render_edit_form(
            EditTarget(uuid=str(open_uuid), row=row),
            setup,
            cohort_options=[
                (uuid, code or uuid)
                for uuid, code in course_cohorts.select("uuid", "code").sort("code").iter_rows()
            ],
        )
        st.button(
            "Delete this enrollment…",
            key="corr_delete_open",
            on_click=request_delete,
            args=([str(open_uuid)],),
            icon=":material/delete:",
        )
    elif not query.strip():
        st.info("Search for an enrollment to correct it.")

with create_tab:
    if dataset.students_error is not None:
        st.warning(
            "The student list could not be read, so only students with an enrollment are "
            f"offered: {escape_markdown(str(dataset.students_error))}",
            icon=":material/warning:",
        )
    cohort_labels = dataset.cohorts.select(
        "uuid",
        pl.concat_str(
            [pl.col("code").fill_null(pl.col("uuid")), pl.col("course_name").fill_null("?")],
            separator=" — ",
        ).alias("label"),
    ).sort("label")
    render_create_form(
        setup,
        students=student_options(dataset.students, enrollments),
        courses=[
            (uuid, name or uuid)
            for uuid, name in dataset.courses.select("uuid", "name").sort("name").iter_rows()
        ],
        cohorts=list(cohort_labels.iter_rows()),
    )
    st.caption(
        "Every student of this tenant, as read with the data; type a name or email to search. "
        "A student added in DokStamp since appears after **Refresh data**."
    )

with log_tab:
    try:
        log = read_corrections_log(context.source.data)
    except CorrectionsLogError as error:
        st.error(escape_markdown(str(error)), icon=":material/error:")
    else:
        whose = "this dashboard"
        if not context.access.administers:  # editors: their own; admins: everyone's
            log = log.filter(pl.col("actor") == context.access.email)
            whose = "you"
        st.caption(
            f"{log.height:,} correction(s) made by {whose} for this tenant, oldest first: who "
            "(when known) and in which role, when, and the record before and after."
        )
        st.dataframe(log, hide_index=True, key="corr_log")
        table_download(log, title="Correction log", key="corrections_log")
