"""Group labels: column titles, missing values, first-seen order."""

from __future__ import annotations

import polars as pl

from dashboard.charts.labels import MISSING_GROUP, as_group_labels, column_title, label_order


def test_column_titles() -> None:
    assert column_title("course_name") == "Course"
    assert column_title("intake_year") == "Intake year"
    assert column_title("campus_region") == "Campus region"


def test_group_labels_are_text_with_missing_named() -> None:
    frame = pl.DataFrame({"intake_year": [2023, None]}, schema={"intake_year": pl.Int32})
    assert as_group_labels(frame, "intake_year")["intake_year"].to_list() == ["2023", MISSING_GROUP]


def test_label_order_is_first_seen() -> None:
    frame = pl.DataFrame({"g": ["b", "a", "b", "c"]})
    assert label_order(frame, "g") == ["b", "a", "c"]
