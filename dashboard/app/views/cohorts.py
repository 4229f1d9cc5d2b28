"""Cohorts page: every cohort's rates, and one cohort in detail (planned window vs what happened,
active headcount, completion within normal time, grades)."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from dashboard.app import page_params
from dashboard.app.cohort_choice import cohort_tables
from dashboard.app.disclosure import app_policy, show_policy
from dashboard.app.page_reports import page_report
from dashboard.app.page_sections import section_tabs
from dashboard.app.panels import Panel, chart_content, row_extract, show_panel, table_content
from dashboard.app.runtime import page_context
from dashboard.app.view_cache import per_view
from dashboard.charts import (
    ChartSpec,
    cohort_timeline_chart,
    cohort_window_chart,
    status_composition_chart,
)
from dashboard.metrics import cohort_windows_planned

context = page_context()
policy = app_policy()
st.title("Cohorts")
show_policy(policy)
cohorts = context.dataset.cohorts


def _in_cohorts() -> pl.DataFrame:
    return context.filtered.filter(pl.col("cohort_uuid").is_not_null())


tables = per_view(
    context,
    policy,
    "cohort_tables",
    lambda: cohort_tables(context.filtered, cohorts, as_of=context.as_of),
)
if tables.largest is None:
    st.info("No enrollment in the current filter belongs to a cohort (or the tenant has none).")
    st.stop()

codes = tables.codes
options = sorted(codes, key=lambda uuid: (codes[uuid] or "", uuid))
largest = tables.largest
chosen = page_params.choice(
    "Cohort in detail",
    options,
    param="cohort_view",
    default=largest,
    format_func=lambda uuid: codes.get(uuid) or uuid,
    help="The cohort of every tab but the last. Defaults to the largest cohort in the filter "
    "whose planned end has passed.",
)
cohort_uuid = chosen or largest
record = cohorts.filter(pl.col("uuid") == cohort_uuid)  # the cohort's own row (or none)

if record.height:
    info = record.row(0, named=True)
    start = info["start_date"].date().isoformat() if info["start_date"] else "no start date"
    end = info["end_date"].date().isoformat() if info["end_date"] else "no end date"
    st.text(
        f"Cohort {info['code'] or cohort_uuid} · course {info['course_name'] or '(unknown)'} · "
        f"modality {info['modality'] or '(not set)'} · planned {start} to {end}"
    )
else:
    st.text(f"Cohort {codes.get(cohort_uuid) or cohort_uuid} (not in the cohort list)")


# The detail reports are catalog reports (export cohort-detail-* --detail-cohort UUID): the
# cohort's rows of the breakdowns over every cohort in the filter, so a cohort hidden there (too
# small, or hidden so a small one cannot be worked out from the total) is hidden in its detail too.


def _detail_report(name: str) -> pl.DataFrame:
    return page_report(name, context, policy=policy, detail_cohort=cohort_uuid)


def _timeline() -> Panel:
    timeline = _detail_report("cohort-detail-timeline")
    undated = [
        column for column in ("drops",) if timeline.get_column(column).is_null().all()
    ]  # DokStamp records no drop date: the column is never filled, so it is left off the screen
    return chart_content(
        cohort_timeline_chart(timeline, cohort_windows_planned(record), cohort_uuid=cohort_uuid),
        timeline,
        title="Cohort timeline",
        key="cohort_timeline",
        omit=undated,
        reorder=False,
    )


def _charted(report: str, draw: Callable[[pl.DataFrame], ChartSpec], title: str) -> Panel:
    """The detail report ``report`` drawn with ``draw``, its table beside the chart."""
    table = _detail_report(report)
    key = report.replace("-detail-", "_").replace("-", "_")  # cohort-detail-status: cohort_status
    return chart_content(draw(table), table, title=title, key=key, reorder=False)


def _grades() -> Panel:
    return table_content(
        _detail_report("cohort-detail-grades"),
        title="Cohort grade summary",
        key="cohort_grades",
        reorder=False,
    )


def _all_cohorts() -> Panel:
    return table_content(
        page_report("completion-by-cohort", context, policy=policy),
        title="Completion by cohort",
        key="cohort_all",
        reorder=False,
    )


# One section at a time: a filter change rebuilds the open tab's report alone.
detail_builds: dict[str, Callable[[], Panel]] = {
    "cohort_timeline": _timeline,
    "cohort_status": lambda: _charted(
        "cohort-detail-status", status_composition_chart, "Cohort status"
    ),
    "cohort_windows": lambda: _charted(
        "cohort-detail-windows", cohort_window_chart, "Cohort completion within normal time"
    ),
    "cohort_grades": _grades,
}
*detail_tabs, all_tab = section_tabs("cohorts")
for (name, build), tab in zip(detail_builds.items(), detail_tabs, strict=True):
    if tab.open:
        with tab:
            show_panel(per_view(context, policy, name, build, cohort_uuid))
            if context.rows:
                row_extract(
                    _in_cohorts()
                    .filter(pl.col("cohort_uuid") == cohort_uuid)
                    .drop("intake_year", "modality", strict=False),
                    title="Enrollments of this cohort",
                    key="cohort_rows",
                    editing=True,
                )
if all_tab.open:
    with all_tab:
        st.caption("Every cohort of the filter, one row each (the cohort chosen above is one).")
        show_panel(per_view(context, policy, "cohort_all", _all_cohorts))
