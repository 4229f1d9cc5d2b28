"""PNG and SVG export through vl-convert, offline."""

from __future__ import annotations

import polars as pl

from dashboard.charts import chart_to_png, chart_to_svg, completion_rate_chart, no_data_chart

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_png_export(rates: pl.DataFrame) -> None:
    png = chart_to_png(completion_rate_chart(rates, by="course_name"))
    assert png.startswith(PNG_MAGIC)
    width = int.from_bytes(png[16:20], "big")
    assert width > 500  # scale=2 doubles the ~500 px chart


def test_png_scale(rates: pl.DataFrame) -> None:
    chart = no_data_chart(title="Nothing")
    small, large = chart_to_png(chart, scale=1), chart_to_png(chart, scale=2)
    assert int.from_bytes(large[16:20], "big") == 2 * int.from_bytes(small[16:20], "big")


def test_svg_export_draws_the_marks(rates: pl.DataFrame) -> None:
    svg = chart_to_svg(completion_rate_chart(rates, by="course_name"))
    assert svg.lstrip().startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert "Completion rate by course" in svg
    assert "n=120" in svg
    assert "n&lt;10" in svg or "n<10" in svg
