"""Cohorts page: every cohort's rates, and one cohort in detail (planned window vs what happened,
active headcount, completion within normal time, grades)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import streamlit as st

from dashboard.app import page_params
from dashboard.app.cohort_choice import default_cohort
from dashboard.app.disclosure import app_policy, show_policy
from dashboard.app.page_reports import page_report, page_reports
from dashboard.app.panels import Panel, chart_content, row_extract, show_panel, table_content
from dashboard.app.runtime import page_context
from dashboard.app.view_cache import per_view
from dashboard.charts import cohort_timeline_chart, cohort_window_chart, status_composition_chart
from dashboard.metrics import cohort_windows_planned


@dataclass(frozen=True)
class CohortTables:
    """The filter's cohorts: their codes and the default one."""

    codes: dict[str, str | None]
    largest: str | None


context = page_context()
policy = app_policy()
st.title("Cohorts")
show_policy(policy)
cohorts = context.dataset.cohorts


def _in_cohorts() -> pl.DataFrame:
    return context.filtered.filter(pl.col("cohort_uuid").is_not_null())


def _tables() -> CohortTables:
    # Counted over the filter's rows, then the no-cohort group dropped: no copy of the rows.
    sizes = (
        context.filtered.group_by("cohort_uuid", "cohort_code")
        .len()
        .filter(pl.col("cohort_uuid").is_not_null())
    )
    if sizes.is_empty():
        return CohortTables(codes={}, largest=None)
    return CohortTables(
        codes=dict(
            zip(sizes["cohort_uuid"].to_list(), sizes["cohort_code"].to_list(), strict=True)
        ),
        largest=default_cohort(sizes, cohorts, as_of=context.as_of),
    )


tables = per_view(context, policy, "cohort_tables", _tables)
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
    help="Defaults to the largest cohort in the filter whose planned end has passed.",
)
cohort_uuid = chosen or largest
record = cohorts.filter(pl.col("uuid") == cohort_uuid)  # the cohort's own row (or none)

st.subheader("Cohort detail")
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


def _detail() -> tuple[Panel, ...]:
    # Catalog reports (export cohort-detail-* --detail-cohort UUID): the cohort's rows of the
    # breakdowns over every cohort in the filter, so a cohort hidden there (too small, or hidden
    # so a small one cannot be worked out from the total) is hidden in its detail too.
    reports = page_reports(
        [
            "cohort-detail-timeline",
            "cohort-detail-status",
            "cohort-detail-windows",
            "cohort-detail-grades",
        ],
        context,
        policy=policy,
        detail_cohort=cohort_uuid,
    )
    timeline = reports["cohort-detail-timeline"]
    planned = cohort_windows_planned(record)
    undated = [
        column for column in ("drops",) if timeline.get_column(column).is_null().all()
    ]  # DokStamp records no drop date: the column is never filled, so it is left off the screen
    status = reports["cohort-detail-status"]
    windows = reports["cohort-detail-windows"]
    return (
        chart_content(
            cohort_timeline_chart(timeline, planned, cohort_uuid=cohort_uuid),
            timeline,
            title="Cohort timeline",
            key="cohort_timeline",
            omit=undated,
            reorder=False,
        ),
        chart_content(
            status_composition_chart(status),
            status,
            title="Cohort status",
            key="cohort_status",
            reorder=False,
        ),
        chart_content(
            cohort_window_chart(windows),
            windows,
            title="Cohort completion within normal time",
            key="cohort_windows",
            reorder=False,
        ),
        table_content(
            reports["cohort-detail-grades"],
            title="Cohort grade summary",
            key="cohort_grades",
            reorder=False,
        ),
    )


timeline_panel, status_panel, windows_panel, grades_panel = per_view(
    context, policy, "cohort_detail", _detail, cohort_uuid
)
show_panel(timeline_panel)
show_panel(status_panel)
show_panel(windows_panel)

st.subheader("Grades in this cohort")
show_panel(grades_panel)

if context.rows:
    row_extract(
        _in_cohorts()
        .filter(pl.col("cohort_uuid") == cohort_uuid)
        .drop("intake_year", "modality", strict=False),
        title="Enrollments of this cohort",
        key="cohort_rows",
        editing=True,
    )

st.subheader("All cohorts in the filter")
show_panel(
    per_view(
        context,
        policy,
        "cohort_all",
        lambda: table_content(
            page_report("completion-by-cohort", context, policy=policy),
            title="Completion by cohort",
            key="cohort_all",
            reorder=False,
        ),
    )
)
