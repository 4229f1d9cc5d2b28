"""Entry file of the dashboard (`streamlit run dashboard/app/main.py`): start-up, filters, pages.

Every run: find the data source (starting the demo sandbox when no API is configured), load the
dataset, draw the sidebar filters (bound to the URL), then run the chosen page with a context
holding the filtered enrollments.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

# First: finishes every import the pages need before any page code runs (see its docstring).
import dashboard.app.preload  # noqa: F401
from dashboard.app.global_filters import apply_filters
from dashboard.app.header import render_header
from dashboard.app.plain_text import escape_markdown
from dashboard.app.runtime import (
    PageContext,
    StoreUnreachableError,
    current_dataset,
    current_source,
    extract_time,
    set_page_context,
)
from dashboard.app.sidebar import render_filters, render_scope
from dashboard.client import ConfigurationError, DokStampError
from dashboard.sources import StartupError

VIEWS = Path(__file__).parent / "views"

st.set_page_config(
    page_title="Enrollment Outcomes",
    page_icon=":material/school:",
    layout="wide",
    initial_sidebar_state="expanded",
)

try:
    source = current_source()
except (ConfigurationError, StartupError) as error:
    st.error(f"The dashboard is not configured correctly: {escape_markdown(str(error))}")
    st.stop()

try:
    dataset = current_dataset(source)
except DokStampError as error:
    st.error(
        "Could not read the data from the API, and there is no cached copy yet: "
        f"{escape_markdown(str(error))}"
    )
    st.stop()
except StoreUnreachableError as error:
    st.error(
        f"{escape_markdown(str(error))}. Check that the store named by ENROLLMENT_OUTCOMES_STORE "
        "is running, then reload this page."
    )
    st.stop()

filters = render_filters(dataset)
filtered = apply_filters(dataset.enrollments, filters)
render_scope(filters, dataset, filtered=filtered)

pages = [
    st.Page(VIEWS / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page(VIEWS / "completion.py", title="Completion", icon=":material/school:"),
    st.Page(VIEWS / "grades.py", title="Grades", icon=":material/grading:"),
    st.Page(VIEWS / "cohorts.py", title="Cohorts", icon=":material/groups:"),
    st.Page(VIEWS / "data_quality.py", title="Data quality", icon=":material/rule:"),
]
if source.editing:
    pages.append(st.Page(VIEWS / "corrections.py", title="Corrections", icon=":material/edit:"))
pages += [
    st.Page(VIEWS / "definitions.py", title="Definitions", icon=":material/menu_book:"),
    st.Page(VIEWS / "traceability.py", title="Traceability", icon=":material/verified:"),
]
page = st.navigation(pages)

render_header(source, dataset)
set_page_context(
    PageContext(
        source=source,
        dataset=dataset,
        filters=filters,
        filtered=filtered,
        as_of=extract_time(dataset),
    )
)
page.run()
