"""Global filters in AppTest: they change the numbers, and the URL reproduces the view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streamlit.testing.v1 import AppTest

from dokstamp_sandbox.runner import RunningSandbox

AppFactory = Callable[..., AppTest]


def _metric(at: AppTest, label: str) -> str:
    return str(next(m.value for m in at.metric if m.label == label))


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def test_filter_changes_the_numbers_and_the_url(
    sandbox: RunningSandbox, app_factory: AppFactory
) -> None:
    at = app_factory(sandbox)
    everyone = _count(_metric(at, "Enrollments"))
    assert at.query_params == {}
    rate_everyone = _metric(at, "Completion rate")
    at.multiselect(key="filter_status").set_value(["completed", "dropped"]).run()
    assert not at.exception, at.exception
    finished = _count(_metric(at, "Enrollments"))
    assert 0 < finished < everyone
    assert _metric(at, "Completion rate") != rate_everyone
    # No one is still enrolled in this filter. Internal (the default): the group is large, so
    # its 0 is shown as 0.
    assert _metric(at, "Active (enrolled)") == "0"
    captions = [caption.value for caption in at.caption]
    assert f"n = {finished:,} enrollments" in captions
    assert at.query_params["status"] == ["completed", "dropped"]
    texts = " ".join(text.value for text in at.text)
    assert f"Filtered: n = {finished:,}" in texts
    assert f"All: n = {everyone:,}" in texts
    # The filter is shown beside "all" on the page too.
    assert any("filter vs all" in str(chart.proto.spec) for chart in at.get("vega_lite_chart"))


def test_public_policy_withholds_a_zero_beside_its_n(
    sandbox: RunningSandbox, app_factory: AppFactory, tools: Any
) -> None:
    at = app_factory(sandbox, config={"ENROLLMENT_OUTCOMES_DISCLOSURE": "public"})
    at.multiselect(key="filter_status").set_value(["completed", "dropped"]).run()
    assert not at.exception, at.exception
    finished = _count(_metric(at, "Enrollments"))
    # Public: a zero count is withheld, never shown as 0, and beside a published n it reads
    # "hidden" (protecting a small count), not "n<10".
    assert _metric(at, "Active (enrolled)") == "hidden"
    captions = [caption.value for caption in at.caption]
    assert f"n = {finished:,} enrollments · value hidden to protect a small count" in captions
    assert any(tools.plain(text).startswith("Disclosure policy: public.") for text in captions)


def test_the_url_reproduces_the_view(sandbox: RunningSandbox, app_factory: AppFactory) -> None:
    first = app_factory(sandbox)
    course = first.multiselect(key="filter_course").options[0]
    first.multiselect(key="filter_course").set_value([course])
    first.multiselect(key="filter_status").set_value(["dropped", "enrolled"]).run()
    shared = dict(first.query_params)
    assert set(shared) == {"course", "status"}

    second = app_factory(sandbox, query_params=shared)
    assert not second.exception, second.exception
    assert second.multiselect(key="filter_status").value == ["dropped", "enrolled"]
    assert len(second.multiselect(key="filter_course").value) == 1
    for label in ("Enrollments", "Completion rate", "Dropout rate", "Median grade"):
        assert _metric(second, label) == _metric(first, label), label


def test_filters_survive_a_page_switch(sandbox: RunningSandbox, app_factory: AppFactory) -> None:
    at = app_factory(sandbox, query_params={"status": "completed"})
    at.switch_page("views/grades.py").run()
    assert at.multiselect(key="filter_status").value == ["completed"]
    assert at.query_params["status"] == "completed"


def test_bad_url_values_are_ignored(sandbox: RunningSandbox, app_factory: AppFactory) -> None:
    at = app_factory(
        sandbox, query_params={"status": ["graduated"], "intake": "nope", "course": "42"}
    )
    assert not at.exception, at.exception
    assert at.multiselect(key="filter_status").value == []
    assert "status" not in at.query_params


def test_page_choice_is_in_the_url(sandbox: RunningSandbox, app_factory: AppFactory) -> None:
    at = app_factory(sandbox)
    at.switch_page("views/grades.py").run()
    at.number_input(key="param_pass_mark").set_value(6.5).run()
    assert at.query_params["pass_mark"] == "6.5"
    again = app_factory(sandbox, query_params={"pass_mark": "6.5"}, page="views/grades.py")
    assert again.number_input(key="param_pass_mark").value == 6.5


def test_the_sidebar_n_follows_the_filter_vs_all_table(
    sandbox: RunningSandbox, app_factory: AppFactory
) -> None:
    # Every status selected: the filter is everyone and leaves nobody out, so its n is shown.
    at = app_factory(sandbox, query_params={"status": ["completed", "dropped", "enrolled"]})
    everyone = _count(_metric(at, "Enrollments"))
    texts = " ".join(text.value for text in at.text)
    assert f"Filtered: n = {everyone:,}" in texts
    table = next(frame.value for frame in at.dataframe if "scope" in frame.value.columns)
    assert list(table["scope"]) == ["filter", "all"]
    assert list(table["n"]) == [f"{everyone:,}", f"{everyone:,}"]
    # Every intake year but 2017 (8 enrollments in the seeded sandbox): all minus the filter
    # would give the 8 away, so the filter's n is hidden in the sidebar as in that table.
    years = [str(year) for year in range(2018, 2027)]
    at = app_factory(sandbox, query_params={"intake": years})
    texts = " ".join(text.value for text in at.text)
    table = next(frame.value for frame in at.dataframe if "scope" in frame.value.columns)
    assert list(table["n"]) == ["hidden", "2,000"]
    assert "Filtered: hidden to protect a small count" in texts
    assert "Filtered: n = " not in texts
