"""Traceability page: completed enrollments with and without an issued certificate."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.app.disclosure import app_policy, show_policy
from dashboard.app.page_reports import page_report
from dashboard.app.panels import Panel, chart_content, row_extract, show_panel
from dashboard.app.runtime import page_context
from dashboard.app.traceability import (
    CERTIFICATE_COVERAGE_DEFINITION,
    CoverageHeadline,
    certificate_coverage_chart,
    certificates_without_completion,
    completions_without_certificate,
    coverage_headline,
)
from dashboard.app.view_cache import per_view

context = page_context()
policy = app_policy()
st.title("Traceability")
st.caption(CERTIFICATE_COVERAGE_DEFINITION)
show_policy(policy)
certificates = context.dataset.certificates


def _coverage() -> tuple[CoverageHeadline, Panel]:
    coverage = page_report("certificate-coverage", context, policy=policy)
    return coverage_headline(coverage), chart_content(
        certificate_coverage_chart(coverage, by="course_name"),
        coverage,
        title="Certificate coverage by course",
        key="trace_coverage",
        total_label="All completed enrollments",
        reorder=False,
    )


headline, coverage_panel = per_view(context, policy, "trace_coverage", _coverage)
left, middle, right = st.columns(3)
left.metric("Completed enrollments", headline.completed, border=True)
middle.metric("With an issued certificate", headline.with_certificate, border=True)
right.metric(
    "Coverage",
    headline.coverage,
    help="Completed enrollments with an issued certificate / completed enrollments, with its "
    "95% Wilson interval.",
    border=True,
)
right.caption(headline.detail)
show_panel(coverage_panel)

# The rows behind the counts, for editors only (not even computed for viewers).
if context.rows:
    row_extract(
        completions_without_certificate(context.filtered, certificates).drop(
            "intake_year", "modality", strict=False
        ),
        title="Completed without an issued certificate",
        key="trace_missing",
        editing=True,
    )
    orphans = certificates_without_completion(context.dataset.enrollments, certificates)
    if context.filters.active:
        in_filter = context.filtered.get_column("uuid").implode()
        orphans = orphans.filter(pl.col("enrollment_uuid").is_in(in_filter))
    row_extract(
        orphans,
        title="Issued certificates whose enrollment is not completed",
        key="trace_orphans",
        editing=True,
    )
else:
    st.caption("The enrollment and certificate rows behind these counts are shown to editors.")
