"""The no-data placeholder chart, and taking a chart's notes out of its title."""

from __future__ import annotations

from typing import Any

import altair as alt

from dashboard.charts import no_data_chart, split_subtitle


def test_no_data_chart_says_why_and_is_themed(spec: Any) -> None:
    chart = spec(no_data_chart(title="Completion rate", message="No enrollments match"))
    assert chart.marks() == ["text"]
    assert chart.rows() == [{"message": "No enrollments match"}]
    assert chart.title() == "Completion rate"
    assert "range" in chart.dict["config"]


def test_split_subtitle_takes_the_notes_out(spec: Any) -> None:
    chart = no_data_chart(title="Completion").properties(
        title=alt.Title("Completion", subtitle=["First note.", "Second note."])
    )
    bare, notes = split_subtitle(chart)
    assert notes == "First note. Second note."
    assert spec(bare).dict["title"] == {"text": "Completion"}
    assert spec(chart).subtitle() == "First note. Second note."  # the original keeps them


def test_split_subtitle_without_a_subtitle() -> None:
    chart = no_data_chart(title="Completion")
    bare, notes = split_subtitle(chart)
    assert notes == ""
    assert bare.to_dict()["title"] == {"text": "Completion"}
