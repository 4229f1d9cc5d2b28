"""What a run leaves behind: nothing that holds its filtered rows once the next run has started.

Each run of the entry file executes in a fresh namespace that holds the run's filtered
enrollments (and the page's context). Anything kept after the run that refers into that
namespace keeps those rows alive: a cached result that is an instance of a class defined in a
page script (its methods' globals are the namespace), or the context left in session state. At
a million enrollments each is a filtered copy of hundreds of megabytes: one per filter tried,
for the view cache, and one per idle session.
"""

from __future__ import annotations

import gc
import types
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app.runtime import PageContext
from dokstamp_sandbox.runner import RunningSandbox

AppFactory = Callable[..., AppTest]


def _alive() -> tuple[int, int]:
    """(run namespaces of the entry file, page contexts) still referenced."""
    gc.collect()
    namespaces = sum(
        1
        for each in gc.get_objects()
        if isinstance(each, dict) and str(each.get("__file__", "")).endswith("app/main.py")
    )
    contexts = sum(1 for each in gc.get_objects() if isinstance(each, PageContext))
    return namespaces, contexts


@pytest.mark.parametrize("page", ["cohorts", "data_quality", "corrections"])
def test_new_filters_do_not_pile_up_runs(
    sandbox: RunningSandbox, app_factory: AppFactory, page: str
) -> None:
    at = app_factory(sandbox, editing=True, page=f"views/{page}.py")
    years = at.multiselect(key="filter_intake").options
    assert len(years) >= 5
    at.multiselect(key="filter_intake").set_value(years[1:]).run()
    assert not at.exception, at.exception
    after_one = _alive()
    for left_out in years[2:5]:  # three more filters, each new to the view cache
        at.multiselect(key="filter_intake").set_value([y for y in years if y != left_out]).run()
        assert not at.exception, at.exception
    assert _alive() == after_one


def _script_functions_held_elsewhere() -> list[str]:
    """Functions defined by a run (its entry file or page scripts) that something other than the
    run's own namespace refers to (a class's methods, a kept callback)."""
    gc.collect()
    objects = gc.get_objects()
    held = []
    for each in objects:
        if not isinstance(each, types.FunctionType):
            continue
        namespace = each.__globals__
        if not str(namespace.get("__file__", "")).endswith("app/main.py"):
            continue
        holders = [
            holder
            for holder in gc.get_referrers(each)
            if holder is not namespace
            and holder is not objects
            and not isinstance(holder, types.FrameType)
        ]
        if holders:
            held.append(each.__qualname__)
    return held


@pytest.mark.parametrize("page", ["cohorts", "data_quality", "corrections"])
def test_an_idle_session_holds_no_function_of_its_last_run(
    sandbox: RunningSandbox, app_factory: AppFactory, page: str
) -> None:
    at = app_factory(sandbox, editing=True, page=f"views/{page}.py")
    assert not at.exception, at.exception
    assert _script_functions_held_elsewhere() == []


def test_an_ended_run_leaves_no_context_in_the_session(
    sandbox: RunningSandbox, app_factory: AppFactory
) -> None:
    at = app_factory(sandbox, editing=False)
    assert not at.exception, at.exception
    assert not any(isinstance(value, PageContext) for value in at.session_state.values())
