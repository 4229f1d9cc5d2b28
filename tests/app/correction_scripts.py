"""One corrections form drawn alone in AppTest (``AppTest.from_function``), writing through the
``FormSetup`` it is given; each script imports what it uses, as a page file does."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from streamlit.testing.v1 import AppTest

from dashboard.app.correction_forms import FormSetup
from dashboard.data import load_cohorts, load_enrollments
from dashboard.data.schema import COHORT_SCHEMA, ENROLLMENT_SCHEMA
from dashboard.settings import Settings
from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from dokstamp_sandbox.runner import RunningSandbox

TIMEOUT = 60.0
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens; a form that sends fails
# An enrollment as the dataset has it, for a form that sends nothing.
ROW = {
    "uuid": "e1",
    "completion_status": "enrolled",
    "grade": None,
    "completed_at": None,
    "cohort_uuid": "h-other",
    "enrolled_at": datetime(2025, 2, 3, tzinfo=UTC),
    "student_name": "Ana *Lima*",
    "course_name": "Algebra",
}


def setup_for(url: str, cache_dir: Path, *, stored: bool = True) -> FormSetup:
    """A form setup writing as the demo tenant's service client to ``url``; ``stored``: the
    quality checks compare with the API's cohorts and enrollments, else with none."""
    settings = Settings.from_mapping(
        {
            "DOKSTAMP_API_URL": url,
            "DOKSTAMP_TENANT": DEMO_TENANT,
            "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache_dir),
            "ENROLLMENT_OUTCOMES_EDITING": "true",
        }
    )
    cohorts, enrollments = (
        pl.DataFrame(schema=COHORT_SCHEMA),
        pl.DataFrame(schema=ENROLLMENT_SCHEMA),
    )
    if stored:
        cohorts, enrollments = load_cohorts(settings).frame, load_enrollments(settings).frame
    return FormSetup(settings, actor="tester", cohorts=cohorts, enrollments=enrollments)


def run(script: object, *args: object) -> AppTest:
    """An AppTest of ``script(*args)`` after its first run."""
    return AppTest.from_function(script, args=args, default_timeout=TIMEOUT).run()  # type: ignore[arg-type]


def errors_by_field(at: AppTest) -> list[str]:
    return [str(error.value) for error in at.error]


def edit_form(setup, row, cohort_options) -> None:  # untyped: AppTest runs its source alone
    import streamlit as st

    from dashboard.app.correction_edit_form import EditTarget, render_edit_form
    from dashboard.app.correction_forms import FLASH

    st.text(st.session_state.pop(FLASH, "-"))
    render_edit_form(EditTarget(row["uuid"], row), setup, cohort_options=cohort_options)


def opened_completed(sandbox: RunningSandbox, cache_dir: Path) -> tuple[AppTest, str]:
    """The edit form of one of the sandbox's completed enrollments, as opened: (app, its uuid)."""
    setup = setup_for(sandbox.url, cache_dir)
    completed = setup.enrollments.filter(pl.col("completion_status") == "completed")
    row = completed.row(0, named=True)
    return run(edit_form, setup, row, []), str(row["uuid"])


def button(at: AppTest, label: str) -> Any:
    """The button labelled ``label``."""
    return next(found for found in at.button if found.label == label)


def conflicted(sandbox: RunningSandbox, cache_dir: Path, api_request: Any) -> tuple[AppTest, str]:
    """That form after someone else set the grade to 5.5 and the editor saved 9.25 over it."""
    at, uuid = opened_completed(sandbox, cache_dir)
    answer = api_request(sandbox, "PATCH", f"/enrollments/{uuid}", json={"grade": 5.5})
    assert answer.status_code == 200
    at.text_input(key=f"corr_{uuid}_grade").input("9.25")
    button(at, "Save correction").click().run()
    return at, uuid
