"""File names of the CSV downloads, and the policy every download names."""

from __future__ import annotations

import polars as pl
import pytest

from dashboard.app.panels import csv_file_name, downloaded_table


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


def test_every_download_names_its_policy() -> None:
    report = pl.DataFrame({"n": [12], "policy": ["public"]})
    assert downloaded_table(report) is report  # a catalog report carries it already
    plain = pl.DataFrame({"n": [12]})  # a panel's own table: the policy in force (internal)
    downloaded = downloaded_table(plain)
    assert downloaded.columns == ["n", "policy"]
    assert downloaded.get_column("policy").to_list() == ["internal"]
