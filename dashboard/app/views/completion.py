"""Completion page: rates by group with intervals, status composition, cohort completion within
100/150/200% of normal time, cumulative-incidence curves and time to completion."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.app import page_params
from dashboard.app.disclosure import app_policy, show_policy
from dashboard.app.page_reports import page_report
from dashboard.app.page_sections import section_tabs
from dashboard.app.panels import Panel, chart_content, show_panel, table_content
from dashboard.app.runtime import page_context
from dashboard.app.view_cache import per_view
from dashboard.charts import (
    cohort_window_chart,
    completion_rate_chart,
    cumulative_incidence_chart,
    status_composition_chart,
)
from dashboard.metrics.groupings import GROUP_LABELS, GROUPINGS
from dashboard.publication import MIN_CELL

# The catalog report of each grouping: the table and its CSV are what the export writes.
REPORT_OF = {
    "course": "completion-by-course",
    "cohort": "completion-by-cohort",
    "intake_year": "completion-by-intake-year",
    "modality": "completion-by-modality",
}
MAX_CHART_GROUPS = 40

context = page_context()
policy = app_policy()
st.title("Completion")
show_policy(policy)
if context.filtered.is_empty():
    st.info("No enrollments match the current filter (or the tenant has none yet).")
    st.stop()


def _grouping() -> str:
    """The page's grouping, chosen in the tab that uses it (Rates, Time to completion): kept in
    the URL (``group``), so each of those tabs opens on it."""
    return page_params.grouping(
        "Group by",
        param="group",
        help="The groups of the Rates and Time to completion tabs (by cohort, time to "
        "completion is one overall row: a cohort's completers are too few to say much).",
    )


def _rates(grouping: str) -> tuple[int, tuple[Panel, ...]]:
    """The rates by ``grouping``: how many groups, and their panels."""
    label_column = GROUPINGS[grouping][0]
    group_title = GROUP_LABELS[grouping].lower()
    rates = page_report(REPORT_OF[grouping], context, policy=policy)
    groups = rates.filter(~pl.col("is_total")).height
    if groups > MAX_CHART_GROUPS:
        return groups, (
            table_content(rates, title="Completion rates", key="completion_rates", reorder=False),
        )
    return groups, (
        chart_content(
            completion_rate_chart(rates, by=label_column),
            rates,
            title=f"Completion rate by {group_title}",
            key="completion_rates",
            reorder=False,
        ),
        chart_content(
            status_composition_chart(rates, by=label_column),
            rates,
            title=f"Enrollment status by {group_title}",
            key="completion_status",
            caption="Share of each group's enrollments by status now (the table is the same).",
            reorder=False,
        ),
    )


def _windows() -> tuple[int, Panel]:
    """Cohort completion within normal time: how many cohorts, and the panel."""
    windows = page_report("cohort-windows", context, policy=policy)
    cohort_count = windows.get_column("cohort_uuid").n_unique()
    title = "Cohort completion within normal time"
    if cohort_count > MAX_CHART_GROUPS:
        return cohort_count, table_content(
            windows, title=title, key="completion_windows", reorder=False
        )
    return cohort_count, chart_content(
        cohort_window_chart(windows),
        windows,
        title=title,
        key="completion_windows",
        reorder=False,
    )


def _incidence() -> Panel:
    curves = page_report("completion-incidence", context, policy=policy)
    return chart_content(
        cumulative_incidence_chart(curves),
        curves,
        title="Cumulative incidence of completion",
        key="completion_incidence",
        caption="DokStamp records no drop date, so dropout has no curve of its own; the "
        "Definitions page says how censoring is handled.",
        reorder=False,
    )


def _durations(by: str) -> Panel:
    durations = page_report("completion-durations", context, policy=policy, by=by)
    return table_content(
        durations, title="Time to completion", key="completion_durations", reorder=False
    )


# One section at a time: a filter change rebuilds the open tab's reports alone.
rates_tab, windows_tab, incidence_tab, durations_tab = section_tabs("completion")
if rates_tab.open:
    with rates_tab:
        st.caption(
            "Completion rate = completed / n and dropout rate = dropped / n, where n counts every "
            "enrollment of the group whatever its status. Whiskers are 95% Wilson intervals; "
            f"groups under {MIN_CELL} enrollments are not published (n<{MIN_CELL})."
        )
        grouping = _grouping()
        groups, rate_panels = per_view(
            context, policy, "completion_rates", lambda: _rates(grouping), grouping
        )
        if groups > MAX_CHART_GROUPS:
            st.info(
                f"{groups} groups are too many to chart legibly: the table lists them all. "
                "Narrow the filter (e.g. one course) to chart them."
            )
        for panel in rate_panels:
            show_panel(panel)

if windows_tab.open:
    with windows_tab:
        st.caption(
            "Share of each cohort's enrollments completed within 100%, 150% and 200% of the "
            "cohort's normal time (end date - start date). A window is shown only once it has "
            "passed at the extract date; younger cohorts are marked 'in progress', never shown "
            "with a low rate."
        )
        cohort_count, windows_panel = per_view(context, policy, "completion_windows", _windows)
        if cohort_count > MAX_CHART_GROUPS:
            st.info(
                f"{cohort_count} cohorts are too many to chart legibly: the table lists them "
                "all. Filter to a course or a few cohorts to chart them."
            )
        show_panel(windows_panel)

if incidence_tab.open:
    with incidence_tab:
        show_panel(per_view(context, policy, "completion_incidence", _incidence))

if durations_tab.open:
    with durations_tab:
        st.caption(
            "Days from enrollment to completion over those who completed: it ignores everyone "
            "still enrolled and favours fast finishers; the curves of the 'Over time' tab are "
            "the honest picture."
        )
        grouping = _grouping()
        by = grouping if grouping != "cohort" else "all"
        show_panel(per_view(context, policy, "completion_durations", lambda: _durations(by), by))
