"""The sidebar's global filters, kept in step with the URL's query parameters.

On a session's first run the widgets start from the URL (a shared link reproduces the view);
after every run the URL is rewritten from the widgets, so it always names what is on screen,
also after a page switch (Streamlit clears query parameters when the page changes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
import streamlit as st

from dashboard.app.dataset import Dataset
from dashboard.app.disclosure import app_policy
from dashboard.app.global_filters import (
    FILTER_PARAMS,
    Filters,
    describe_filters,
    parse_query_params,
    to_query_params,
)
from dashboard.app.published import filter_vs_all_table
from dashboard.app.runtime import extract_time
from dashboard.app.view_cache import cached_for_view
from dashboard.charts.placeholders import placeholder
from dashboard.data.schema import COMPLETION_STATUSES
from dashboard.publication import DEFAULT_POLICY, DisclosurePolicy
from dashboard.reports import build_report

__all__ = [
    "WIDGET_KEYS",
    "render_filters",
    "render_scope",
    "scope_counts",
    "scope_texts",
    "sync_query_params",
]

# Session-state key of each filter's widget (tests set these to change a filter).
WIDGET_KEYS = {attribute: f"filter_{name}" for attribute, name in FILTER_PARAMS.items()}
_SEEDED = "_filters_seeded"


def _choices(dataset: Dataset) -> dict[str, Sequence[Any]]:
    options = dataset.options
    return {
        "courses": [value for value, _ in options.courses],
        "cohorts": [value for value, _ in options.cohorts],
        "statuses": list(COMPLETION_STATUSES),
        "intake_years": list(options.intake_years),
        "modalities": list(options.modalities),
    }


def _seed_widgets(choices: dict[str, Sequence[Any]]) -> None:
    """Start the widgets from the URL once; later, drop choices the data no longer has."""
    if not st.session_state.get(_SEEDED):
        params = {name: st.query_params.get_all(name) for name in FILTER_PARAMS.values()}
        requested = parse_query_params(params)
        for attribute, key in WIDGET_KEYS.items():
            allowed = set(choices[attribute])
            st.session_state[key] = [v for v in getattr(requested, attribute) if v in allowed]
        st.session_state[_SEEDED] = True
        return
    for attribute, key in WIDGET_KEYS.items():
        selected = st.session_state.get(key, [])
        allowed = set(choices[attribute])
        kept = [value for value in selected if value in allowed]
        if kept != selected:
            st.session_state[key] = kept


def sync_query_params(filters: Filters) -> None:
    """Write ``filters`` to the URL, touching only the filter parameters that differ."""
    wanted = to_query_params(filters)
    for name in FILTER_PARAMS.values():
        want = wanted.get(name, [])
        if st.query_params.get_all(name) != want:
            if want:
                st.query_params[name] = want
            else:
                del st.query_params[name]


def render_filters(dataset: Dataset) -> Filters:
    """Draw the filter widgets in the sidebar and return the active filter."""
    choices = _choices(dataset)
    _seed_widgets(choices)
    course_labels = dict(dataset.options.courses)
    cohort_labels = dict(dataset.options.cohorts)
    with st.sidebar:
        st.header("Filters")
        courses = st.multiselect(
            "Course",
            choices["courses"],
            format_func=lambda value: course_labels.get(value, value),
            key=WIDGET_KEYS["courses"],
            placeholder="All courses",
        )
        cohorts = st.multiselect(
            "Cohort",
            choices["cohorts"],
            format_func=lambda value: cohort_labels.get(value, value),
            key=WIDGET_KEYS["cohorts"],
            placeholder="All cohorts",
        )
        statuses = st.multiselect(
            "Status", choices["statuses"], key=WIDGET_KEYS["statuses"], placeholder="All statuses"
        )
        years = st.multiselect(
            "Intake year",
            choices["intake_years"],
            key=WIDGET_KEYS["intake_years"],
            placeholder="All intake years",
            help="The calendar year (UTC) of the enrollment date.",
        )
        modalities = st.multiselect(
            "Modality",
            choices["modalities"],
            key=WIDGET_KEYS["modalities"],
            placeholder="All modalities",
            help="The modality of the enrollment's cohort (enrollments without a cohort have "
            "none, so a modality filter leaves them out).",
        )
    filters = Filters(
        courses=tuple(sorted(courses)),
        cohorts=tuple(sorted(cohorts)),
        statuses=tuple(sorted(statuses)),
        intake_years=tuple(sorted(int(year) for year in years)),
        modalities=tuple(sorted(modalities)),
    )
    sync_query_params(filters)
    return filters


def scope_counts(
    filtered: pl.DataFrame, all_: pl.DataFrame, *, policy: DisclosurePolicy = DEFAULT_POLICY
) -> tuple[str, str]:
    """The filter's n and all enrollments' n as published ("n = 523", or "n<10" when withheld).

    Both come from the filter-vs-all table the Overview shows (``filter_vs_all_table``), so the
    sidebar hides what that table hides: a filter under the minimum cell size, and a filter whose
    complement (all minus the filter) is small, which subtracting it from all would reveal.
    """
    return scope_texts(filter_vs_all_table(filtered, all_, policy=policy))


def scope_texts(table: pl.DataFrame) -> tuple[str, str]:
    """``scope_counts`` from a filter-vs-all table already published."""
    published = dict(zip(table.get_column("scope").to_list(), table.get_column("n"), strict=True))
    notes = dict(
        zip(table.get_column("scope").to_list(), table.get_column("suppression_note"), strict=True)
    )

    def text(scope: str) -> str:
        n = published.get(scope)
        return f"n = {n:,}" if n is not None else placeholder(notes.get(scope))

    return text("filter"), text("all")


def render_scope(filters: Filters, dataset: Dataset, *, filtered: pl.DataFrame) -> None:
    """Say what the filter selects, beside "all", each with its published n (plain text, never
    Markdown)."""
    policy = app_policy()
    # The Overview's filter-vs-all report (``page_report``), kept per view (the sidebar is
    # drawn on every rerun).
    table = cached_for_view(
        "filter_vs_all",
        lambda: build_report(
            "filter-vs-all",
            enrollments=filtered,
            unfiltered=dataset.enrollments,
            cohorts=dataset.cohorts,
            as_of=extract_time(dataset),
            policy=policy,
        ),
        dataset=dataset,
        filters=filters,
        as_of=extract_time(dataset),
        policy=policy,
    )
    filtered_n, all_n = scope_texts(table)
    with st.sidebar:
        st.divider()
        if filters.active:
            st.text(f"Filter: {describe_filters(filters, dataset.options)}")
            st.text(f"Filtered: {filtered_n}\nAll: {all_n}")
        else:
            st.text(f"All enrollments: {all_n}")
