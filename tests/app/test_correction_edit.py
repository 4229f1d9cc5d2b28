"""Saving an edit: refused input is never sent, a valid one is, and after a concurrent change
the editor loads the server's version or keeps their own, field by field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dashboard.app.correction_edit import edit_key
from dokstamp_sandbox.runner import RunningSandbox

from .correction_scripts import (
    NOWHERE,
    ROW,
    button,
    conflicted,
    edit_form,
    opened_completed,
    run,
    setup_for,
)


def test_refused_input_stays_in_the_form_and_is_not_sent(tmp_path: Path, tools: Any) -> None:
    setup = setup_for(NOWHERE, tmp_path / "cache", stored=False)
    at = run(edit_form, setup, ROW, [])
    at.text_input(key=edit_key("e1", "grade")).input("ten")
    button(at, "Save correction").click().run()
    errors = [tools.plain(error.value) for error in at.error]
    assert errors
    assert not any("Not saved" in error for error in errors)  # it never reached a server
    assert at.text_input(key=edit_key("e1", "grade")).value == "ten"


def test_a_valid_edit_is_sent_and_the_form_shows_the_saved_record(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path, tools: Any
) -> None:
    sandbox = sandbox_factory(seed="demo", enrollments=100)
    at, uuid = opened_completed(sandbox, tmp_path / "cache")
    at.text_input(key=edit_key(uuid, "grade")).input("7.75")
    button(at, "Save correction").click().run()
    assert at.text[0].value == f"Saved: enrollment {uuid} (grade)."
    stored = tools.api_request(sandbox, "GET", f"/enrollments/{uuid}").json()["data"]
    assert stored["grade"] == 7.75
    assert at.text_input(key=edit_key(uuid, "grade")).value == "7.75"


def test_after_a_conflict_nothing_is_sent_until_the_editor_chooses(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path, tools: Any
) -> None:
    sandbox = sandbox_factory(seed="demo", enrollments=100)
    at, uuid = conflicted(sandbox, tmp_path / "cache", tools.api_request)
    button(at, "Save my edit over it").click().run()
    assert tools.plain(at.error[0].value) == "Nothing was sent. Choose mine or theirs for: Grade."
    at.radio(key=edit_key(uuid, "choose_grade")).set_value("mine").run()
    button(at, "Save my edit over it").click().run()
    assert at.text[0].value == f"Saved: enrollment {uuid} (grade)."
    stored = tools.api_request(sandbox, "GET", f"/enrollments/{uuid}").json()["data"]
    assert stored["grade"] == 9.25


def test_loading_the_server_version_drops_the_edit(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path, tools: Any
) -> None:
    sandbox = sandbox_factory(seed="demo", enrollments=100)
    at, uuid = conflicted(sandbox, tmp_path / "cache", tools.api_request)
    button(at, "Load the server's version").click().run()
    assert not at.warning
    assert at.text_input(key=edit_key(uuid, "grade")).value == "5.5"
    stored = tools.api_request(sandbox, "GET", f"/enrollments/{uuid}").json()["data"]
    assert stored["grade"] == 5.5
