"""PNG and SVG files of a chart, rendered offline by vl-convert (no CDN, no remote data)."""

from __future__ import annotations

import altair as alt
import vl_convert

from dashboard.charts.spec import ChartSpec


def _vega_lite_version() -> str:
    """The Vega-Lite "major.minor" altair writes specs for, e.g. "6.4"."""
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    return f"{major}.{minor}"


def chart_to_png(chart: ChartSpec, *, scale: float = 2.0) -> bytes:
    """Render ``chart`` as PNG bytes; ``scale`` multiplies the pixel size (2 = sharp on HiDPI)."""
    png: bytes = vl_convert.vegalite_to_png(
        chart.to_json(),
        vl_version=_vega_lite_version(),
        scale=scale,
        allowed_base_urls=[],
    )
    return png


def chart_to_svg(chart: ChartSpec) -> str:
    """Render ``chart`` as an SVG document (text)."""
    svg: str = vl_convert.vegalite_to_svg(
        chart.to_json(), vl_version=_vega_lite_version(), allowed_base_urls=[]
    )
    return svg
