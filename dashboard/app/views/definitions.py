"""Definitions page: every metric of the registry, the suppression rule, the extract time."""

from __future__ import annotations

import streamlit as st

from dashboard.app.kpis import KPI_CHANGE_DEFINITION
from dashboard.app.plain_text import escape_markdown
from dashboard.app.runtime import page_context
from dashboard.app.traceability import CERTIFICATE_COVERAGE_DEFINITION
from dashboard.charts.placeholders import PROTECTED, PROTECTED_CELL, SMALL_GROUP
from dashboard.metrics import DEFINITIONS, MIN_CELL

context = page_context()
st.title("Definitions")

fetched = context.dataset.fetched_at
st.subheader("The data")
st.text(
    f"Source: {context.source.label}\n"
    f"Extract time (as of): {context.as_of:%Y-%m-%d %H:%M} UTC"
    + ("" if fetched else " (nothing fetched yet)")
    + f"\nEnrollments: {context.dataset.enrollments.height:,} in the tenant, "
    f"{context.filtered.height:,} in the current filter"
)
st.markdown(
    "Every figure is computed *as of* the extract time: cohort maturity, future dates and the "
    "censoring of students still enrolled all use it, never the clock of the viewer."
)

st.subheader("Small-cell suppression")
st.markdown(
    f"No published figure may let a reader identify a student. A count below **{MIN_CELL}** "
    "(zero included) is not shown, and a group with fewer than "
    f"{MIN_CELL} enrollments shows no count and no rate: the cell reads "
    f"**{SMALL_GROUP}**, never 0. Where a total is shown, further cells are hidden until no "
    "hidden cell can be worked out by subtraction (complementary suppression), and a rate is "
    "hidden with the count it rests on. In a group that is large enough, a value hidden this "
    f"way (a small count, or one that would reveal it) reads **{PROTECTED_CELL}** "
    f"({PROTECTED}). This applies to every chart, table, headline figure and the sidebar's n "
    "alike; CSV downloads leave hidden cells empty, with a `suppressed` flag and a "
    "`suppression_note` per row. Student-level views (the corrections page, row extracts) are "
    "for editors, who already have student-level access, and are not suppressed."
)

st.subheader("Metrics")
for definition in DEFINITIONS.values():
    with st.container(border=True):
        st.markdown(f"**{escape_markdown(definition.title)}**")
        st.caption(f"Registry name: {definition.name}")
        st.markdown(
            "\n\n".join(
                f"*{label}:* {escape_markdown(text)}"
                for label, text in (
                    ("What is counted", definition.counted),
                    ("Denominator", definition.denominator),
                    ("Caveat", definition.caveat),
                    ("Source", definition.source),
                )
            )
        )

st.subheader("Dashboard figures")
for title, text in (
    ("Change between the last two complete intake years (Overview)", KPI_CHANGE_DEFINITION),
    ("Certificate coverage (Traceability)", CERTIFICATE_COVERAGE_DEFINITION),
):
    with st.container(border=True):
        st.markdown(f"**{title}**")
        st.markdown(escape_markdown(text))
