"""A chart's spec as the app draws it: what ``st.altair_chart`` would send, made without the
per-run validation, and a spec Streamlit draws with its data."""

from __future__ import annotations

import json

import altair as alt
import altair.vegalite.v6.api as altair_api
import jsonschema
import polars as pl
import pytest
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
from streamlit.testing.v1 import AppTest

from dashboard.app import vega_spec
from dashboard.app.vega_spec import vega_lite_spec
from dashboard.charts import (
    ChartSpec,
    completion_rate_chart,
    grade_histogram_chart,
    status_composition_chart,
)

RATES = pl.DataFrame(
    {
        "course_name": ["Nursing", "Law", "Small"],
        "n": [120, 80, None],
        "enrolled": [20, 10, None],
        "completed": [70, 50, None],
        "dropped": [30, 20, None],
        **{
            f"{rate}_rate{suffix}": [value, value, None]
            for rate in ("completion", "dropout")
            for suffix, value in (("", 0.5), ("_ci_low", 0.4), ("_ci_high", 0.6))
        },
        "suppressed": [False, False, True],
    }
)
HISTOGRAM = pl.DataFrame(
    {"bin_start": [4.0, 4.5], "bin_end": [4.5, 5.0], "count": [12, 30], "suppressed": [False] * 2}
)


@pytest.mark.parametrize(
    "chart",
    [
        completion_rate_chart(RATES, by="course_name"),
        status_composition_chart(RATES, by="course_name"),
        grade_histogram_chart(HISTOGRAM, pass_mark=5.0),
    ],
    ids=["rates", "status", "histogram"],
)
def test_the_spec_is_what_streamlit_makes_of_the_chart(chart: ChartSpec) -> None:
    ours = vega_lite_spec(chart)
    streamlit = _convert_altair_to_vega_lite_spec(chart)
    assert json.dumps(ours, sort_keys=True, default=bytes.hex) == json.dumps(
        streamlit, sort_keys=True, default=bytes.hex
    )
    assert ours["datasets"]  # the data travels as Arrow datasets, not inline values


def test_streamlit_draws_the_spec_with_its_data() -> None:
    at = AppTest.from_string(
        "import polars as pl\n"
        "import streamlit as st\n"
        "from dashboard.app.vega_spec import vega_lite_spec\n"
        "from dashboard.charts import completion_rate_chart\n"
        "from tests.app.test_vega_spec import RATES\n"
        "st.vega_lite_chart(vega_lite_spec(completion_rate_chart(RATES, by='course_name')),"
        " theme=None)\n"
    ).run()
    assert not at.exception, at.exception
    (chart,) = at.get("vega_lite_chart")
    assert "Completion rate by course" in chart.proto.spec
    assert len(chart.proto.datasets) == 1


def _built(monkeypatch: pytest.MonkeyPatch, *, altair_own: bool) -> list[str]:
    if altair_own:  # Altair's functions, deep copies included
        monkeypatch.setattr(
            altair_api, "_remove_duplicate_params", vega_spec._altair_remove_duplicate_params
        )
        monkeypatch.setattr(
            altair_api, "_combine_subchart_params", vega_spec._altair_combine_subchart_params
        )
        monkeypatch.setattr(
            altair_api, "_combine_subchart_data", vega_spec._altair_combine_subchart_data
        )
    charts = [
        completion_rate_chart(RATES, by="course_name"),
        status_composition_chart(RATES, by="course_name"),
        grade_histogram_chart(HISTOGRAM, pass_mark=5.0),
    ]
    specs = [
        json.dumps(vega_lite_spec(chart), sort_keys=True, default=bytes.hex) for chart in charts
    ]
    monkeypatch.undo()
    return specs


def test_layers_without_parameters_give_the_spec_altair_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert altair_api._combine_subchart_params is vega_spec._combine_subchart_params
    assert altair_api._combine_subchart_data is vega_spec._combine_subchart_data
    assert _built(monkeypatch, altair_own=False) == _built(monkeypatch, altair_own=True)


def test_a_layer_with_a_parameter_is_lifted_as_altair_does() -> None:
    base = alt.Chart(pl.DataFrame({"x": [1, 2], "y": [3, 4]}))
    pick = alt.selection_point(name="pick", fields=["x"])
    points = base.mark_point().encode(x="x:Q", y="y:Q").add_params(pick)
    layered = alt.layer(points, base.mark_line().encode(x="x:Q", y="y:Q"))
    spec = vega_lite_spec(layered)
    assert [param["name"] for param in spec["params"]] == ["pick"]
    assert all("params" not in layer for layer in spec["layer"])
    assert points.params  # the caller's layer is left as it was


def test_layers_with_one_data_have_it_lifted_and_the_callers_layers_keep_it() -> None:
    frame = pl.DataFrame({"x": [1, 2], "y": [3, 4]})
    base = alt.Chart(frame)
    points, line = base.mark_point().encode(x="x:Q"), base.mark_line().encode(x="x:Q")
    layered = alt.layer(points, line)
    assert layered.data is frame
    assert all(alt.utils.is_undefined(layer.data) for layer in layered.layer)
    assert points.data is frame  # the caller's layers are left as they were
    other = alt.Chart(pl.DataFrame({"x": [5]})).mark_rule().encode(x="x:Q")
    mixed = alt.layer(points, other)  # two data: each layer keeps its own
    assert alt.utils.is_undefined(mixed.data)
    assert [id(layer.data) for layer in mixed.layer] == [id(frame), id(other.data)]


def test_a_shorthand_without_a_type_still_takes_it_from_the_data() -> None:
    # Typed shorthands are parsed once; an untyped one is read against each chart's data.
    frame = pl.DataFrame({"course_name": ["Law"], "n": [3]})
    spec = vega_lite_spec(alt.Chart(frame).mark_bar().encode(x="n", y="course_name:N"))
    assert spec["encoding"]["x"] == {"field": "n", "type": "quantitative"}
    assert spec["encoding"]["y"] == {"field": "course_name", "type": "nominal"}
    again = vega_lite_spec(alt.Chart(frame).mark_bar().encode(x="n:Q", y="course_name:N"))
    assert again["encoding"] == spec["encoding"]


def test_numpy_values_are_still_converted() -> None:
    import numpy as np

    spec = vega_lite_spec(alt.Chart(RATES).mark_rule().encode(x=alt.XDatum(np.float64(0.25))))
    assert spec["encoding"]["x"] == {"datum": 0.25}
    assert type(spec["encoding"]["x"]["datum"]) is float


def test_a_bad_property_is_caught_by_the_specs_validation_and_in_debug_mode() -> None:
    # Outside debug mode a property is not checked as the chart is built (the app's speed); the
    # whole spec's validation still refuses it, and debug mode still checks it at once.
    chart = alt.Chart(RATES).mark_bar().encode(x="n:Q", y="course_name:N")
    bad = chart.properties(width="wide")  # not a number, "container" or a step
    with pytest.raises(alt.utils.schemapi.SchemaValidationError):
        bad.to_dict()
    with alt.utils.schemapi.debug_mode(True), pytest.raises(jsonschema.ValidationError):
        chart.properties(width="wide")
