"""Traceability page: completed enrollments with and without an issued certificate."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.app.panels import chart_panel, row_extract
from dashboard.app.runtime import page_context
from dashboard.app.traceability import (
    CERTIFICATE_COVERAGE_DEFINITION,
    certificate_coverage,
    certificate_coverage_chart,
    certificates_without_completion,
    completions_without_certificate,
)

context = page_context()
st.title("Traceability")
st.caption(CERTIFICATE_COVERAGE_DEFINITION)
certificates = context.dataset.certificates

coverage = certificate_coverage(context.filtered, certificates, by=["course_uuid", "course_name"])
total = coverage.filter(pl.col("is_total")).row(0, named=True)
left, middle, right = st.columns(3)
left.metric("Completed enrollments", "n<10" if total["n"] is None else f"{total['n']:,}")
middle.metric(
    "With an issued certificate",
    "n<10" if total["with_certificate"] is None else f"{total['with_certificate']:,}",
)
right.metric(
    "Coverage",
    "n<10" if total["certified_rate"] is None else f"{total['certified_rate']:.1%}",
    help="Completed enrollments with an issued certificate / completed enrollments.",
)
chart_panel(
    certificate_coverage_chart(coverage, by="course_name"),
    coverage,
    title="Certificate coverage by course",
    key="trace_coverage",
)

row_extract(
    completions_without_certificate(context.filtered, certificates).drop(
        "intake_year", "modality", strict=False
    ),
    title="Completed without an issued certificate",
    key="trace_missing",
    editing=context.source.editing,
)
orphans = certificates_without_completion(context.dataset.enrollments, certificates)
if context.filters.active:
    in_filter = context.filtered.get_column("uuid").implode()
    orphans = orphans.filter(pl.col("enrollment_uuid").is_in(in_filter))
row_extract(
    orphans,
    title="Issued certificates whose enrollment is not completed",
    key="trace_orphans",
    editing=context.source.editing,
)
if not context.source.editing:
    st.caption("The enrollment and certificate rows behind these counts are shown to editors.")
