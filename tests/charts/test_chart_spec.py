"""The no-data placeholder chart."""

from __future__ import annotations

from typing import Any

from dashboard.charts import no_data_chart


def test_no_data_chart_says_why_and_is_themed(spec: Any) -> None:
    chart = spec(no_data_chart(title="Completion rate", message="No enrollments match"))
    assert chart.marks() == ["text"]
    assert chart.rows() == [{"message": "No enrollments match"}]
    assert chart.title() == "Completion rate"
    assert "range" in chart.dict["config"]
