"""The shared theme: palette, status colours, registration, apply/strip."""

from __future__ import annotations

import altair as alt
import polars as pl
import pytest

from dashboard.charts import THEME_NAME, apply_theme, strip_theme, theme_config
from dashboard.charts.theme import (
    CATEGORY_PALETTE,
    OKABE_ITO,
    STATUS_COLOURS,
    STATUS_ORDER,
    SUBTITLE_CHARACTERS,
    status_scale,
    wrap_lines,
)

# Okabe & Ito (2008), the eight colours of the colour-universal-design palette.
OKABE_ITO_HEX = {
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
}


def test_palette_is_okabe_ito() -> None:
    assert set(OKABE_ITO.values()) == OKABE_ITO_HEX
    assert set(CATEGORY_PALETTE) <= OKABE_ITO_HEX
    assert set(STATUS_COLOURS.values()) <= OKABE_ITO_HEX


def test_each_status_has_its_own_colour() -> None:
    assert set(STATUS_COLOURS) == set(STATUS_ORDER) == {"completed", "enrolled", "dropped"}
    assert len(set(STATUS_COLOURS.values())) == 3
    scale = status_scale().to_dict()
    assert scale == {
        "domain": ["completed", "enrolled", "dropped"],
        "range": [
            STATUS_COLOURS["completed"],
            STATUS_COLOURS["enrolled"],
            STATUS_COLOURS["dropped"],
        ],
    }


def test_theme_is_registered_under_its_name() -> None:
    assert THEME_NAME in alt.theme.names()
    with alt.theme.enable(THEME_NAME):
        spec = alt.Chart(pl.DataFrame({"x": [1]})).mark_point().encode(x="x:Q").to_dict()
    assert spec["config"]["range"]["category"] == list(CATEGORY_PALETTE)


def test_apply_theme_sets_the_config_on_the_chart() -> None:
    chart = apply_theme(alt.Chart(pl.DataFrame({"x": [1]})).mark_point().encode(x="x:Q"))
    config = chart.to_dict()["config"]
    assert config == {**config, **theme_config()["config"]}
    assert config["axis"]["labelFontSize"] == 12


def test_stripped_charts_can_be_composed_then_themed() -> None:
    themed = apply_theme(alt.Chart(pl.DataFrame({"x": [1]})).mark_point().encode(x="x:Q"))
    with pytest.raises(TypeError, match="config"):
        alt.vconcat(themed, themed).to_dict()
    composed = apply_theme(alt.vconcat(strip_theme(themed), strip_theme(themed)))
    assert composed.to_dict()["config"]["font"] == theme_config()["config"]["font"]
    assert themed.to_dict()["config"]["font"]  # stripping copied, the original keeps its theme


def test_apply_theme_wraps_long_subtitle_lines() -> None:
    long = (
        "Share completed by each day since enrollment. Dropped and still-enrolled students "
        "stay at risk until censored at the extract date (drops carry no date)."
    )
    chart = (
        alt.Chart(pl.DataFrame({"x": [1]}))
        .mark_point()
        .encode(x="x:Q")
        .properties(title=alt.Title("Curves", subtitle=[long, "Short."]))
    )
    subtitle = apply_theme(chart).to_dict()["title"]["subtitle"]
    assert len(subtitle) > 2
    assert all(len(line) <= SUBTITLE_CHARACTERS for line in subtitle)
    assert " ".join(subtitle) == f"{long} Short."  # every word kept, in order
    assert wrap_lines(["a b"], width=1) == ["a", "b"]
