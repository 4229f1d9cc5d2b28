"""File names of the CSV downloads."""

from __future__ import annotations

import pytest

from dashboard.app.panels import csv_file_name


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Completion rate by intake year", "completion-rate-by-intake-year.csv"),
        ("Grades (all in the filter)", "grades-all-in-the-filter.csv"),
        ("  ", "table.csv"),
        ("../../etc/passwd", "etc-passwd.csv"),
    ],
)
def test_csv_file_name(title: str, name: str) -> None:
    assert csv_file_name(title) == name
