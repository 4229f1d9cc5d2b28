"""A chart's spec as the app draws it: what ``st.altair_chart`` would send, made without the
per-run validation, and a spec Streamlit draws with its data."""

from __future__ import annotations

import json

import polars as pl
import pytest
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
from streamlit.testing.v1 import AppTest

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
