"""What the forms share: a 422 placed on the form's fields, errors shown as plain text, and the
message a save leaves for the next run."""

from __future__ import annotations

from pathlib import Path

from dashboard.app.correction_forms import FLASH, FLASH_WARNING, server_errors
from dashboard.client import ValidationError
from dashboard.data.corrections_log import PENDING_FILE

from .correction_scripts import NOWHERE, run, setup_for


def test_a_422_is_placed_on_the_fields_with_the_summary_first() -> None:
    error = ValidationError(
        "The given data was invalid.",
        status=422,
        errors={"grade": ["Too high."], "grade.0": ["Not a number."], "student.name": ["Odd."]},
    )
    assert server_errors(error, fields=("grade", "cohort_uuid")) == {
        "__all__": ["The server refused the change: The given data was invalid.", "Odd."],
        "grade": ["Too high.", "Not a number."],
    }


def shown_errors(errors) -> None:  # untyped: AppTest runs its source alone
    from dashboard.app.correction_forms import field_errors

    field_errors(errors, "grade")
    field_errors(errors, "cohort_uuid")


def test_field_errors_are_plain_text_and_only_the_fields_asked_for() -> None:
    at = run(shown_errors, {"grade": ["*not* [bold](x)"], "__all__": ["elsewhere"]})
    assert [error.value for error in at.error] == [r"\*not\* \[bold\]\(x\)"]


def flashed(setup) -> None:  # untyped: AppTest runs its source alone
    import streamlit as st

    from dashboard.app.correction_forms import flash

    if st.button("save"):
        flash("Saved: enrollment e1 (grade).", setup.settings)


def test_a_save_leaves_its_message_and_a_log_problem_is_said_at_once(tmp_path: Path) -> None:
    setup = setup_for(NOWHERE, tmp_path / "cache", stored=False)
    at = run(flashed, setup)
    at.button[0].click().run()
    assert at.session_state[FLASH] == "Saved: enrollment e1 (grade)."
    assert FLASH_WARNING not in at.session_state
    pending = tmp_path / "cache" / PENDING_FILE
    pending.parent.mkdir(parents=True, exist_ok=True)
    pending.write_text("not json\n", encoding="utf-8")
    at.button[0].click().run()
    assert "pending" in at.session_state[FLASH_WARNING]
