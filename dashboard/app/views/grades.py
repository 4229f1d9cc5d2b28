"""Grades page: histogram with the pass mark, box plots per group, quartiles, below-threshold."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.app import page_params
from dashboard.app.disclosure import app_policy, show_policy
from dashboard.app.page_reports import page_report
from dashboard.app.panels import Panel, chart_content, show_panel, show_table_view
from dashboard.app.published import grade_summary_table
from dashboard.app.runtime import page_context
from dashboard.app.table_display import TableView, table_view
from dashboard.app.view_cache import per_view
from dashboard.charts import grade_box_chart, grade_histogram_chart
from dashboard.metrics.groupings import GROUP_LABELS, GROUPINGS

MAX_BOXES = 40

context = page_context()
policy = app_policy()
st.title("Grades")
st.caption(
    "Grades on the 0-10 scale, over enrollments that have one (the tables give n graded and n "
    "without a grade). Minimum and maximum are one student's grade each, so they are not shown."
)
show_policy(policy)
if context.filtered.is_empty():
    st.info("No enrollments match the current filter (or the tenant has none yet).")
    st.stop()

settings_column, group_column = st.columns(2)
with settings_column:
    pass_mark = page_params.number(
        "Pass mark",
        param="pass_mark",
        default=5.0,
        minimum=0.0,
        maximum=10.0,
        step=0.5,
        help="Graded enrollments strictly below this grade count as below threshold.",
    )
with group_column:
    grouping = page_params.grouping("Box plots by", param="grades_by")

label_column, by = GROUPINGS[grouping]
title = f"Grades by {GROUP_LABELS[grouping].lower()}"


def _histogram() -> Panel:
    histogram = page_report("grade-histogram", context, policy=policy)
    return chart_content(
        grade_histogram_chart(histogram, pass_mark=pass_mark),
        histogram,
        title="Grade distribution",
        key="grades_histogram",
        caption="Bins of 0.5, closed on the left; the last bin includes 10. Dashed: the pass mark.",
        reorder=False,
    )


def _overall() -> tuple[pl.DataFrame, TableView]:
    overall = grade_summary_table(context.filtered, pass_mark=pass_mark, policy=policy)
    return overall, table_view(overall)


def _summary() -> tuple[int, Panel]:
    """Grades by the chosen grouping: how many groups, and the panel."""
    summary = page_report(
        "grades-by-group", context, policy=policy, by=grouping, pass_mark=pass_mark
    )
    if summary.height > MAX_BOXES:
        chart = grade_box_chart(overall, pass_mark=pass_mark, title="Grades (all in the filter)")
        return summary.height, chart_content(
            chart, summary, title=title, key="grades_summary", reorder=False
        )
    return summary.height, chart_content(
        grade_box_chart(summary, by=label_column, pass_mark=pass_mark, title=title),
        summary,
        title=title,
        key="grades_summary",
        caption="Box: quartiles; tick: median; point: mean.",
        reorder=False,
    )


show_panel(per_view(context, policy, "grades_histogram", _histogram, pass_mark))

st.subheader("Summary and below-threshold rate")
overall, overall_view = per_view(context, policy, "grades_overall", _overall, pass_mark)
show_table_view(overall_view, key="grades_overall")
st.caption(
    f"Below threshold = graded enrollments under {pass_mark:g} / n graded, with a 95% Wilson "
    "interval (the DFW idea)."
)

groups, summary_panel = per_view(context, policy, "grades_summary", _summary, pass_mark, grouping)
if groups > MAX_BOXES:
    st.info(
        f"{groups} groups are too many to chart legibly: the table lists them all. "
        "Narrow the filter to chart them."
    )
show_panel(summary_panel)
