"""Definitions page: every metric of the registry, the suppression rule, the extract time."""

from __future__ import annotations

import streamlit as st

from dashboard.app.disclosure import app_policy, show_policy
from dashboard.app.kpis import KPI_CHANGE_DEFINITION
from dashboard.app.plain_text import escape_markdown
from dashboard.app.runtime import page_context
from dashboard.app.traceability import CERTIFICATE_COVERAGE_DEFINITION
from dashboard.charts.placeholders import PROTECTED, PROTECTED_CELL, SMALL_GROUP
from dashboard.metrics import DEFINITIONS
from dashboard.publication import POLICY_KEY, DisclosurePolicy, policy_summary

context = page_context()
policy = app_policy()
st.title("Definitions")
show_policy(policy)

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

st.subheader("Disclosure: what each policy hides")
st.markdown(
    "No published figure may let a reader identify a student, and no figure leadership needs "
    "may be hidden without cause. What protects depends on who reads it (FERPA, 34 CFR "
    "99.31(a)(1): school officials with a legitimate educational interest may see what the "
    f"public may not). This dashboard runs under **{policy.value}** (setting `{POLICY_KEY}`); "
    "`enrollment-outcomes export --policy` chooses per export, and every CSV names its policy "
    "in its last column, `policy`."
)
for each in DisclosurePolicy:
    with st.container(border=True):
        marker = " (in force here)" if each is policy else ""
        st.markdown(f"**{each.value}**{marker}")
        st.markdown(escape_markdown(policy_summary(each)))
st.markdown(
    f"On screen a hidden value reads **{SMALL_GROUP}** where its group is too small to publish, "
    f"and **{PROTECTED_CELL}** ({PROTECTED}) where it was hidden so that a small group or count "
    "cannot be worked out by subtraction; never 0. CSV downloads leave hidden cells empty, with "
    "a `suppressed` flag and a `suppression_note` per row; under public, a hidden rate may be "
    "given as a band in `<rate>_band` (top and bottom coding by group size, e.g. <=5% in "
    "groups of 21-40, as NCES 2011-603 is commonly summarised; the bands have not been checked "
    "against the brief's own text, see the metrics documentation). Data-quality counts are "
    "about records, not students' outcomes: they are shown, zeros too, to those who may fix "
    "the data (under public: editors only). "
    "Student-level views (the corrections page, row extracts) are for editors, who already "
    "have student-level access, and are not suppressed (policy none)."
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
