"""Data quality page: each check with its count; editors see the rows, open the correction form."""

from __future__ import annotations

import streamlit as st

from dashboard.app.correction_forms import OPEN
from dashboard.app.disclosure import app_policy, show_policy
from dashboard.app.page_reports import page_report
from dashboard.app.panels import chart_content, row_extract, show_panel
from dashboard.app.runtime import page_context
from dashboard.app.view_cache import per_view
from dashboard.charts import data_quality_chart
from dashboard.metrics import QUALITY_CHECKS, data_quality_rows
from dashboard.publication import DisclosurePolicy

context = page_context()
policy = app_policy()
st.title("Data quality")
st.caption(
    "Flags, not fixes: each check counts the enrollments (in the current filter) that fail it. "
    "Future dates are judged against the extract date. A row can fail several checks."
)
show_policy(policy)

# Data-quality counts are about records, not students' outcomes: they are shown, zeros too, to
# those who may fix the data (metrics.md §6). Under the public policy that is editors only.
if policy is DisclosurePolicy.PUBLIC and not context.rows:
    st.info(
        "Data-quality counts are for those who may fix the data; under the public policy "
        "they are shown to editors only."
    )
    st.stop()
# Records, not outcomes: always the internal report (never a public one), shown to those above.
summary = per_view(
    context,
    DisclosurePolicy.INTERNAL,
    "quality_report",
    lambda: page_report("data-quality", context, policy=DisclosurePolicy.INTERNAL),
)
show_panel(
    per_view(
        context,
        DisclosurePolicy.INTERNAL,
        "quality_summary",
        lambda: chart_content(
            data_quality_chart(summary),
            summary,
            title="Data quality checks",
            key="quality_summary",
            caption="Every count is shown, zeros too: these count records to fix, not students' "
            "outcomes. Editors see the rows below.",
            hidden_small=True,
            omit=("check",),  # the check's id: its label says it to a reader (the CSV keeps both)
            reorder=False,
        ),
    )
)

if not context.rows:
    st.info("The rows behind each check are shown to editors only.")
    st.stop()

st.subheader("Rows behind a check (editors only)")
check = st.selectbox(
    "Check",
    list(QUALITY_CHECKS),
    format_func=lambda name: QUALITY_CHECKS[name].label,
    key="quality_check",
)
st.caption(QUALITY_CHECKS[check].description)
rows = data_quality_rows(
    context.filtered, context.dataset.cohorts, check=check, as_of=context.as_of
).drop("intake_year", "modality", strict=False)
row_extract(rows, title=QUALITY_CHECKS[check].label, key="quality_rows", editing=True)
if rows.is_empty():
    st.success("No enrollment in the current filter fails this check.")
    st.stop()

if not (context.source.editing and context.access.edits):
    st.stop()  # no Corrections page here to open a row in

labels = {
    uuid: f"{name or '(no name)'} · {course or '?'} · {uuid}"
    for uuid, name, course in rows.select("uuid", "student_name", "course_name").iter_rows()
}
target = st.selectbox(
    "Enrollment to correct",
    list(labels),
    format_func=lambda uuid: labels[uuid],
    key="quality_target",
)
if st.button("Open in the correction form", key="quality_open", icon=":material/edit:"):
    st.session_state[OPEN] = target
    st.switch_page("views/corrections.py", query_params={"enrollment": target})
