"""The edit form: its fields, a stored cohort of another course kept as a choice, and both
versions shown after a concurrent change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dashboard.app.correction_edit import edit_key
from dokstamp_sandbox.runner import RunningSandbox

from .correction_scripts import NOWHERE, ROW, conflicted, edit_form, run, setup_for


def test_the_fields_and_a_cohort_of_another_course_kept_as_a_choice(tmp_path: Path) -> None:
    setup = setup_for(NOWHERE, tmp_path / "cache", stored=False)
    at = run(edit_form, setup, ROW, [("h1", "ALG-2025")])
    assert not at.exception
    assert at.text[1].value.startswith("Student: Ana *Lima*   ·   Course: Algebra   ·   Enrolled:")
    assert [box.label for box in at.selectbox] == ["Status", "Cohort"]
    assert [box.label for box in at.text_input] == ["Grade", "Completed at"]
    cohort = at.selectbox(key=edit_key("e1", "cohort_uuid"))
    assert cohort.value == "h-other"
    assert cohort.options == ["(no cohort)", "ALG-2025", "h-other (not a cohort of this course)"]


def test_after_a_concurrent_change_both_versions_and_a_choice_are_shown(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path, tools: Any
) -> None:
    sandbox = sandbox_factory(seed="demo", enrollments=100)
    at, uuid = conflicted(sandbox, tmp_path / "cache", tools.api_request)
    assert at.warning[0].value.startswith("Someone changed this enrollment after you opened it.")
    assert len(at.dataframe) == 1  # the versions side by side
    choice = at.radio(key=edit_key(uuid, "choose_grade"))
    assert choice.options == ["Mine: 9.25", "Theirs: 5.5"]
    assert choice.value is None  # the editor has to pick
