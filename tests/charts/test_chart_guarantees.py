"""What every public chart promises: theme, n in tooltips, no suppressed value, empty and
oversized frames handled, and the package's public names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import polars as pl
import pytest

import dashboard.charts as charts
from dashboard.charts import (
    MAX_ROWS,
    TooManyRowsError,
    cohort_timeline_chart,
    cohort_window_chart,
    completion_rate_chart,
    cumulative_incidence_chart,
    data_quality_chart,
    grade_box_chart,
    grade_histogram_chart,
    status_composition_chart,
)
from dashboard.charts.theme import CATEGORY_PALETTE, FONT, NO_DATA_MESSAGE

Build = Callable[[pl.DataFrame, pytest.FixtureRequest], alt.TopLevelMixin]

# (fixture holding the main frame, how to build the chart from it)
CASES: dict[str, tuple[str, Build]] = {
    "completion_rate": ("rates", lambda f, r: completion_rate_chart(f, by="course_name")),
    "dropout_rate": (
        "rates",
        lambda f, r: completion_rate_chart(f, by="course_name", rate="dropout"),
    ),
    "status_composition": ("rates", lambda f, r: status_composition_chart(f, by="course_name")),
    "cohort_windows": ("windows", lambda f, r: cohort_window_chart(f)),
    "incidence": ("curves", lambda f, r: cumulative_incidence_chart(f, group="modality")),
    "histogram": ("histogram", lambda f, r: grade_histogram_chart(f)),
    "box": ("grade_summary", lambda f, r: grade_box_chart(f, by="course_name")),
    "timeline": (
        "timeline",
        lambda f, r: cohort_timeline_chart(
            f, r.getfixturevalue("planned").head(0), cohort_uuid="c-bio"
        ),
    ),
    "quality": ("quality", lambda f, r: data_quality_chart(f)),
}

# Further values that only a suppressed row of the case's fixture holds.
EXTRA_SUPPRESSED: dict[str, tuple[float, ...]] = {
    "box": (7.0123, 4.5678, 5.4321, 7.1234, 8.0246, 9.8765),
    "timeline": (4321,),
}


def build(case: str, request: pytest.FixtureRequest, frame: pl.DataFrame | None = None) -> Any:
    fixture, builder = CASES[case]
    return builder(request.getfixturevalue(fixture) if frame is None else frame, request)


@pytest.mark.parametrize("case", CASES)
def test_chart_carries_the_shared_theme(
    case: str, request: pytest.FixtureRequest, spec: Any
) -> None:
    config = spec(build(case, request)).dict["config"]
    assert config["range"]["category"] == list(CATEGORY_PALETTE)
    assert config["font"] == FONT


@pytest.mark.parametrize("case", CASES)
def test_theme_survives_another_active_altair_theme(
    case: str, request: pytest.FixtureRequest, spec: Any
) -> None:
    with alt.theme.enable("dark"):
        config = spec(build(case, request)).dict["config"]
    assert config["range"]["category"] == list(CATEGORY_PALETTE)
    assert config["background"] == "white"


@pytest.mark.parametrize("case", CASES)
def test_every_tooltip_includes_n(case: str, request: pytest.FixtureRequest, spec: Any) -> None:
    chart = spec(build(case, request))
    with_tooltips = [view for view in chart.views() if "tooltip" in view.get("encoding", {})]
    assert with_tooltips, "the chart has no tooltips at all"
    for view in with_tooltips:
        titles = chart.tooltip_titles(view)
        if titles == ["Pass mark"] or "Planned start" in titles:
            continue  # reference marks (the pass-mark rule, a planned window) count nobody
        assert any(title.startswith("n ") or title == "n" for title in titles), titles


@pytest.mark.parametrize("case", CASES)
def test_every_chart_has_a_title_and_axis_titles(
    case: str, request: pytest.FixtureRequest, spec: Any
) -> None:
    chart = spec(build(case, request))
    assert chart.title()
    x_titles = [
        view["encoding"]["x"].get("title")
        for view in chart.views()
        if "field" in view.get("encoding", {}).get("x", {})
    ]
    assert any(x_titles)


@pytest.mark.parametrize("case", [c for c in CASES if c != "quality"])
def test_suppressed_values_never_reach_the_spec(
    case: str, request: pytest.FixtureRequest, spec: Any, suppressed_values: tuple[float, ...]
) -> None:
    text = spec(build(case, request)).json
    for value in (*suppressed_values, *EXTRA_SUPPRESSED.get(case, ())):
        assert str(value)[:8] not in text


# Charts that label a suppressed row (the others leave its points out altogether).
LABELLED = (
    "completion_rate",
    "dropout_rate",
    "status_composition",
    "cohort_windows",
    "histogram",
    "box",
)

# Numeric columns that place a mark (bin edges) rather than count anyone.
POSITIONS = {"histogram": ("bin_start", "bin_end", "bin_mid")}


@pytest.mark.parametrize("case", [c for c in CASES if c != "quality"])
def test_suppressed_rows_are_labelled_without_numbers_or_left_out(
    case: str, request: pytest.FixtureRequest, spec: Any
) -> None:
    rows = spec(build(case, request)).rows()
    withheld = [row for row in rows if row.get("withheld")]
    if case in LABELLED:
        assert withheld, "the fixture's suppressed row should be labelled"
        for row in withheld:
            numbers = {
                key: value
                for key, value in row.items()
                if isinstance(value, int | float)
                and not isinstance(value, bool)
                and key not in POSITIONS.get(case, ())
            }
            assert numbers == {}
            assert "n<10" in row["note"]
    else:
        assert withheld == []


@pytest.mark.parametrize("case", CASES)
def test_empty_frame_gives_a_no_data_chart(
    case: str, request: pytest.FixtureRequest, spec: Any
) -> None:
    fixture, _ = CASES[case]
    empty = request.getfixturevalue(fixture).head(0)
    chart = spec(build(case, request, empty))
    assert chart.marks() == ["text"]
    assert chart.rows() == [{"message": NO_DATA_MESSAGE}]
    assert chart.title()


@pytest.mark.parametrize("case", CASES)
def test_more_than_max_rows_is_refused(case: str, request: pytest.FixtureRequest) -> None:
    fixture, _ = CASES[case]
    frame = request.getfixturevalue(fixture)
    if case == "timeline":  # the limit applies to the one cohort drawn
        frame = frame.filter(pl.col("cohort_uuid") == "c-bio")
    oversized = frame.sample(MAX_ROWS + 1, with_replacement=True, seed=1)
    with pytest.raises(TooManyRowsError, match="aggregate") as raised:
        build(case, request, oversized)
    assert raised.value.rows == MAX_ROWS + 1


def test_max_rows_is_altairs_default_and_not_disabled() -> None:
    assert MAX_ROWS == 5_000
    assert alt.data_transformers.options.get("max_rows", 5_000) == 5_000


def test_public_names() -> None:
    assert sorted(charts.__all__) == sorted(
        [
            "MAX_ROWS",
            "OKABE_ITO",
            "PROTECTED",
            "PROTECTED_CELL",
            "SMALL_GROUP",
            "STATUS_COLOURS",
            "THEME_NAME",
            "ChartInputError",
            "ChartSpec",
            "MissingColumnsError",
            "TooManyRowsError",
            "apply_theme",
            "chart_to_png",
            "chart_to_svg",
            "cohort_timeline_chart",
            "cohort_window_chart",
            "completion_rate_chart",
            "cumulative_incidence_chart",
            "data_quality_chart",
            "grade_box_chart",
            "grade_histogram_chart",
            "no_data_chart",
            "split_subtitle",
            "status_composition_chart",
            "strip_theme",
            "theme_config",
        ]
    )
    for name in charts.__all__:
        assert getattr(charts, name) is not None
