"""Overview page: headline KPIs with n and change between the last two complete intake years,
filter vs all, completion by intake year.

The chart by intake year is drawn before the KPIs are computed, into their places above it: on a
large institution the KPIs are the page's longest computation (medians over every enrollment),
and the browser loads its charting code only when the first chart arrives, so the chart's code
loads and draws while the KPIs are computed instead of after.
"""

from __future__ import annotations

import streamlit as st

from dashboard.app.disclosure import app_policy, show_policy
from dashboard.app.kpis import TIME_CAVEAT, overview_kpis
from dashboard.app.page_reports import page_report
from dashboard.app.panels import Panel, chart_content, show_panel
from dashboard.app.runtime import page_context
from dashboard.app.view_cache import cached_for_view, per_view
from dashboard.charts import completion_rate_chart

_DELTA_COLOURS = {
    "enrollments": "off",
    "active": "off",
    "completion_rate": "normal",
    "dropout_rate": "inverse",
    "median_grade": "normal",
    "median_days": "inverse",
}

context = page_context()
policy = app_policy()
st.title("Overview")
show_policy(policy)

if context.dataset.empty:
    st.info("This tenant has no enrollments yet: there is nothing to summarise.")
    st.stop()
if context.filtered.is_empty():
    st.info("No enrollments match the current filter. Widen it in the sidebar.")
    st.stop()

# The places of what is computed after the chart (see the module docstring), in page order.
kpi_area = st.container()
compare_area = st.container()

st.subheader("Completion by intake year")


def _by_year() -> Panel:
    by_year = page_report("completion-by-intake-year", context, policy=policy)
    return chart_content(
        completion_rate_chart(by_year, by="intake_year"),
        by_year,
        title="Completion rate by intake year",
        key="overview_by_year",
        caption="Recent intake years include students who may still complete.",
        reorder=False,
    )


show_panel(per_view(context, policy, "overview_by_year", _by_year))

kpis = per_view(
    context,
    policy,
    "overview_kpis",
    lambda: overview_kpis(context.filtered, as_of=context.as_of, policy=policy),
)
with kpi_area:
    for row_start in range(0, len(kpis), 3):
        for column, kpi in zip(st.columns(3), kpis[row_start : row_start + 3], strict=False):
            with column:
                st.metric(
                    kpi.label,
                    kpi.value,
                    delta=kpi.delta,
                    delta_color=_DELTA_COLOURS[kpi.key],  # type: ignore[arg-type]
                    delta_description=kpi.delta_note if kpi.delta else None,
                    help=kpi.help,
                    border=True,
                )
                st.caption(kpi.n_text + (f" · {kpi.interval}" if kpi.interval else ""))
    compared = next((kpi.delta_note for kpi in kpis if kpi.delta_note), None)
    if compared:
        st.caption(
            f"Changes: {compared}, the last two complete intake years before the extract date. "
            f"{TIME_CAVEAT}"
        )


def _filter_vs_all() -> Panel:
    # The catalog's filter-vs-all report, as the sidebar reads it (``render_scope``): the same
    # key, so it is computed once per view.
    scoped = cached_for_view(
        "filter_vs_all",
        lambda: page_report("filter-vs-all", context, policy=policy),
        dataset=context.dataset,
        filters=context.filters,
        as_of=context.as_of,
        policy=policy,
    )
    return chart_content(
        completion_rate_chart(scoped, title="Completion rate: current filter vs all"),
        scoped,
        title="Completion rate filter vs all",
        key="overview_filter_vs_all",
        caption="Each bar has its own n: the filter's enrollments, and all enrollments.",
        reorder=False,
    )


if context.filters.active:
    with compare_area:
        st.subheader("Current filter beside all enrollments")
        show_panel(per_view(context, policy, "overview_filter_vs_all", _filter_vs_all))
