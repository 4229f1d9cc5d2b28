"""Every page renders without an exception: on the demo data, on an empty tenant, for viewers
(editing off) and in demo mode (no API configured: the app starts its own sandbox)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app import runtime
from dashboard.app.page_sections import PAGE_SECTIONS
from dashboard.metrics import DEFINITIONS
from dashboard.sources import demo_db_path
from dokstamp_sandbox.runner import RunningSandbox

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
VIEWER_PAGES = [page for page in PAGES if page != "views/corrections.py"]


def _visit(at: AppTest, pages: list[str]) -> dict[str, AppTest]:
    seen = {}
    for page in pages:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert at.title, page
        seen[page] = at
    return seen


def test_every_page_renders_on_demo_data(sandbox: RunningSandbox, app_factory: AppFactory) -> None:
    at = app_factory(sandbox)
    assert not at.exception, at.exception
    charts = {}
    tables = {}
    for page in PAGES:
        at.switch_page(page).run()
        sections = PAGE_SECTIONS.get(Path(page).stem)
        # Every tab of a page shown one section at a time (the default one last).
        for label in (*sections.labels[1:], sections.labels[0]) if sections else ("",):
            if sections:
                at.session_state[sections.param] = label
                at.run()
            assert not at.exception, (page, label, at.exception)
            assert at.title, page
            charts[page] = len(at.get("vega_lite_chart"))
            assert not at.error, (page, label, [e.value for e in at.error])
            # Published tables (their columns' help names the CSV column) name every empty
            # cell: never "None" (nor "nan") on screen.
            published = [table for table in at.dataframe if "CSV column" in table.proto.columns]
            for table in published:
                cells = {str(value) for value in table.value.to_numpy().ravel()}
                assert not cells & {"None", "nan", "NaN", "<NA>"}, (page, label)
            tables[page] = len(published)
    # Pages with charts draw them (each with its table and CSV download beside it).
    for page in ("views/overview.py", "views/completion.py", "views/grades.py"):
        assert charts[page] >= 1, page
        assert tables[page] >= 1, page
    at.switch_page("views/overview.py").run()
    assert len(at.get("download_button")) >= 1


def test_every_page_renders_on_an_empty_tenant(
    sandbox_factory: Callable[..., RunningSandbox], app_factory: AppFactory
) -> None:
    empty = sandbox_factory(seed="empty")
    at = app_factory(empty)
    assert not at.exception, at.exception
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert at.title, page
    at.switch_page("views/overview.py").run()
    assert any("no enrollments" in info.value for info in at.info)


def test_viewers_get_no_corrections_page_and_no_rows(
    sandbox: RunningSandbox, app_factory: AppFactory
) -> None:
    at = app_factory(sandbox, editing=False)
    assert "Corrections" not in [node.value for node in at.title]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/corrections.py")
    _visit(at, VIEWER_PAGES)
    at.switch_page("views/data_quality.py").run()
    assert any("editors only" in info.value for info in at.info)
    assert not [e for e in at.expander if "editors only" in e.label]
    at.switch_page("views/cohorts.py").run()
    assert not [e for e in at.expander if "editors only" in e.label]


def test_editors_get_row_extracts(sandbox: RunningSandbox, app_factory: AppFactory) -> None:
    at = app_factory(sandbox, editing=True)
    at.switch_page("views/cohorts.py").run()
    assert [e for e in at.expander if "editors only" in e.label]


def test_definitions_page_lists_every_metric(
    sandbox: RunningSandbox, app_factory: AppFactory
) -> None:
    at = app_factory(sandbox)
    at.switch_page("views/definitions.py").run()
    captions = " ".join(caption.value for caption in at.caption)
    for name in DEFINITIONS:
        assert f"Registry name: {name}" in captions, name
    texts = " ".join(text.value for text in at.text)
    assert "Extract time (as of):" in texts
    assert any("n<10" in markdown.value for markdown in at.markdown)


@pytest.fixture
def demo_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No API configured; a small demo size and a private cache folder."""
    for name in ("DOKSTAMP_API_URL", "DOKSTAMP_TENANT", "ENROLLMENT_OUTCOMES_EDITING"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ENROLLMENT_OUTCOMES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ENROLLMENT_OUTCOMES_DEMO_ENROLLMENTS", "300")
    yield tmp_path / "cache"
    # The demo sandbox lives as long as the process; stop this test's one.
    runtime.current_source().data.close()  # stops its demo sandbox
    runtime._source.clear()


def test_demo_mode_starts_its_own_sandbox(demo_mode: Path) -> None:
    at = AppTest.from_file(str(Path(runtime.__file__).parent / "main.py"), default_timeout=120)
    at.secrets["dokstamp"] = {}
    at.run()
    assert not at.exception, at.exception
    assert any("Demo mode" in info.value for info in at.info)
    assert demo_db_path(demo_mode).is_file()  # persistent, under the cache folder
    enrollments = next(m.value for m in at.metric if m.label == "Enrollments")
    assert enrollments == "300"
    at.switch_page("views/corrections.py").run()  # editing is on in the demo
    assert not at.exception, at.exception
