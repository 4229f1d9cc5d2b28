"""Entry file of the dashboard (`streamlit run dashboard/app/main.py`): start-up, filters, pages.

Every run: who is signed in and what they may see (with ``[auth]`` configured: the sign-in page,
or "no access", stop the run here, before any data is read), find the data source (starting the
demo sandbox when no API is configured), load the dataset and cut it to the user's course scope,
draw the sidebar filters (bound to the URL), then run the chosen page, from the pages the user's
role allows, with a context holding the filtered enrollments. A page the role does not allow is
not registered at all, so its URL leads nowhere.
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
    page_run,
    scoped,
)
from dashboard.app.sidebar import render_filters, render_scope
from dashboard.app.signin import current_access, render_account
from dashboard.client import ConfigurationError, DokStampError
from dashboard.sources import StartupError

VIEWS = Path(__file__).parent / "views"

st.set_page_config(
    page_title="Enrollment Outcomes",
    page_icon=":material/school:",
    layout="wide",
    initial_sidebar_state="expanded",
)

access = current_access()  # stops here with the sign-in or "no access" page

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

in_scope = scoped(source, dataset, access)
dataset = in_scope.dataset  # from here on, every page sees only the user's courses
render_account(access)
if in_scope.unknown:
    st.warning(
        "Your access names course(s) that are not in the data: "
        f"{escape_markdown(', '.join(in_scope.unknown))}.",
        icon=":material/warning:",
    )

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
if source.editing and access.edits:
    pages.append(st.Page(VIEWS / "corrections.py", title="Corrections", icon=":material/edit:"))
pages += [
    st.Page(VIEWS / "definitions.py", title="Definitions", icon=":material/menu_book:"),
    st.Page(VIEWS / "traceability.py", title="Traceability", icon=":material/verified:"),
]
if access.administers and not access.anonymous:  # with sign-in: who may see what
    pages.append(st.Page(VIEWS / "settings.py", title="Settings", icon=":material/settings:"))
page = st.navigation(pages)

render_header(source, dataset, refresh=access.administers)
context = PageContext(
    source=source,
    dataset=dataset,
    filters=filters,
    filtered=filtered,
    as_of=extract_time(dataset),
    access=access,
)
with page_run(context):
    page.run()
