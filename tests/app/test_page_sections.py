"""Completion and Cohorts show one section (tab) at a time: a shared link opens on its tab, each
tab shows its own panels, and a filter change builds the open tab's reports alone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app import page_reports
from dashboard.app.page_sections import PAGE_SECTIONS
from dashboard.reports import build_reports
from dokstamp_sandbox.runner import RunningSandbox

AppFactory = Callable[..., AppTest]

# Each tab's panels (their CSV downloads' keys) and the catalog reports it builds.
PANELS = {
    "completion": {
        "Rates": ({"csv_completion_rates", "csv_completion_status"}, {"completion-by-course"}),
        "Within normal time": ({"csv_completion_windows"}, {"cohort-windows"}),
        "Over time": ({"csv_completion_incidence"}, {"completion-incidence"}),
        "Time to completion": ({"csv_completion_durations"}, {"completion-durations"}),
    },
    "cohorts": {
        "Timeline": ({"csv_cohort_timeline"}, {"cohort-detail-timeline"}),
        "Status": ({"csv_cohort_status"}, {"cohort-detail-status"}),
        "Within normal time": ({"csv_cohort_windows"}, {"cohort-detail-windows"}),
        "Grades": ({"csv_cohort_grades"}, {"cohort-detail-grades"}),
        "All cohorts in the filter": ({"csv_cohort_all"}, {"completion-by-cohort"}),
    },
}


def _downloads(at: AppTest) -> set[str]:
    return {str(button.key) for button in at.get("download_button")}


def test_every_section_is_listed() -> None:
    assert {page: set(tabs) for page, tabs in PANELS.items()} == {
        page: set(sections.labels) for page, sections in PAGE_SECTIONS.items()
    }


@pytest.mark.parametrize("page", sorted(PANELS))
def test_a_link_opens_its_tab_and_each_tab_shows_its_own_panels(
    sandbox: RunningSandbox, app_factory: AppFactory, page: str
) -> None:
    sections = PAGE_SECTIONS[page]
    last = sections.labels[-1]
    # A shared link naming the last tab opens on it.
    at = app_factory(
        sandbox, editing=False, page=f"views/{page}.py", query_params={sections.param: last}
    )
    assert not at.exception, at.exception
    assert _downloads(at) == PANELS[page][last][0]
    # Choosing each tab in turn shows that tab's panels, and no other's. (A browser writes the
    # chosen tab into the URL; AppTest leaves the link's parameter, which would win.)
    del at.query_params[sections.param]
    for label in sections.labels:
        at.session_state[sections.param] = label
        at.run()
        assert not at.exception, (label, at.exception)
        assert not at.error, (label, [e.value for e in at.error])
        assert _downloads(at) == PANELS[page][label][0], label


@pytest.mark.parametrize("page", sorted(PANELS))
def test_a_filter_change_builds_the_open_tab_alone(
    sandbox: RunningSandbox,
    app_factory: AppFactory,
    monkeypatch: pytest.MonkeyPatch,
    page: str,
) -> None:
    built: list[str] = []

    def counted(names: list[str], **arguments: object) -> object:
        built.extend(names)
        return build_reports(names, **arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(page_reports, "build_reports", counted)
    at = app_factory(sandbox, editing=False, page=f"views/{page}.py")
    sections = PAGE_SECTIONS[page]
    statuses = [["completed", "dropped"], ["completed"], ["enrolled", "dropped"], ["dropped"]]
    for label, chosen in zip(sections.labels, statuses, strict=False):
        at.session_state[sections.param] = label
        at.run()
        built.clear()
        at.multiselect(key="filter_status").set_value(chosen).run()
        assert not at.exception, (label, at.exception)
        assert set(built) == PANELS[page][label][1], label


def test_the_grouping_is_chosen_where_it_applies_and_kept(
    sandbox: RunningSandbox, app_factory: AppFactory
) -> None:
    at = app_factory(sandbox, editing=False, page="views/completion.py")
    param = PAGE_SECTIONS["completion"].param
    at.selectbox(key="param_group").set_value("intake_year").run()
    # The tabs that do not group have no Group by; the choice is kept for those that do.
    at.session_state[param] = "Over time"
    at.run()
    assert not [box for box in at.selectbox if box.label == "Group by"]
    at.session_state[param] = "Time to completion"
    at.run()
    assert at.selectbox(key="param_group").value == "intake_year"
    assert not at.exception, at.exception
    at.session_state[param] = "Rates"
    at.run()
    assert at.selectbox(key="param_group").value == "intake_year"
    assert any("intake year" in str(title) for title in _chart_titles(at))


def _chart_titles(at: AppTest) -> list[object]:
    return [chart.proto.spec for chart in at.get("vega_lite_chart")]
