"""Deleting enrollments: asked, confirmed or cancelled; a refused delete stays pending."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dashboard.app.correction_delete import PENDING_DELETE
from dokstamp_sandbox.runner import RunningSandbox

from .correction_scripts import button, run, setup_for


def delete_buttons(setup, uuids) -> None:  # untyped: AppTest runs its source alone
    import streamlit as st

    from dashboard.app.correction_delete import render_delete_confirmation, request_delete
    from dashboard.app.correction_forms import FLASH

    st.text(st.session_state.pop(FLASH, "-"))
    st.button("Delete selected", key="ask", on_click=request_delete, args=(uuids,))
    render_delete_confirmation(setup, setup.enrollments)


def test_a_delete_is_confirmed_then_gone_from_the_api(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path, tools: Any
) -> None:
    sandbox = sandbox_factory(seed="demo", enrollments=100)
    setup = setup_for(sandbox.url, tmp_path / "cache")
    uuids = setup.enrollments.get_column("uuid").to_list()[:2]
    at = run(delete_buttons, setup, [uuids[0], uuids[1], uuids[0]])
    assert not at.warning  # nothing asked yet
    button(at, "Delete selected").click().run()
    assert at.warning[0].value.startswith("Delete 2 enrollments?")  # each counted once
    assert tools.api_request(sandbox, "GET", f"/enrollments/{uuids[0]}").status_code == 200
    button(at, "Yes, delete 2 enrollments").click().run()
    assert at.text[0].value == "Deleted 2 enrollments."
    assert PENDING_DELETE not in at.session_state
    for uuid in uuids:
        assert tools.api_request(sandbox, "GET", f"/enrollments/{uuid}").status_code == 404


def test_cancel_sends_nothing_and_a_refused_delete_stays_pending(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path, tools: Any
) -> None:
    sandbox = sandbox_factory(seed="demo", enrollments=100)
    setup = setup_for(sandbox.url, tmp_path / "cache")
    real = setup.enrollments.get_column("uuid")[0]
    at = run(delete_buttons, setup, [real])
    button(at, "Delete selected").click().run()
    button(at, "Cancel").click().run()
    assert not at.warning
    assert tools.api_request(sandbox, "GET", f"/enrollments/{real}").status_code == 200

    unknown = "00000000-0000-4000-8000-000000000000"
    at = run(delete_buttons, setup, [real, unknown])
    button(at, "Delete selected").click().run()
    button(at, "Yes, delete 2 enrollments").click().run()
    assert tools.plain(at.error[0].value).startswith("Nothing was deleted: 422")
    assert at.session_state[PENDING_DELETE] == [real, unknown]  # still asked, may be retried
    assert tools.api_request(sandbox, "GET", f"/enrollments/{real}").status_code == 200
