"""Every page renders without an exception, on the demo data and on an empty tenant."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from dashboard.sandbox.runner import RunningSandbox

AppFactory = Callable[..., AppTest]

PAGES = [
    "views/overview.py",
    "views/completion.py",
    "views/grades.py",
    "views/cohorts.py",
    "views/data_quality.py",
    "views/corrections.py",
    "views/definitions.py",
    "views/traceability.py",
]


def test_every_page_renders_on_demo_data(sandbox: RunningSandbox, app_factory: AppFactory) -> None:
    at = app_factory(sandbox)
    assert not at.exception, at.exception
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert at.title, page
