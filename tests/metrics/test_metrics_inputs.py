"""Input checks shared by the metrics: missing columns, groupings, the extract date; errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import polars as pl
import pytest

from dashboard.metrics import MetricsError, MissingColumnError, UnknownCheckError
from dashboard.metrics.inputs import as_utc, grouping_columns, require_columns


def test_missing_columns_are_all_named() -> None:
    with pytest.raises(MissingColumnError) as caught:
        require_columns(pl.DataFrame({"a": [1]}), ["a", "b", "c"], function="f")
    assert caught.value.columns == ("b", "c")
    assert str(caught.value) == "f needs column(s) b, c"
    assert isinstance(caught.value, MetricsError)
    assert isinstance(caught.value, KeyError)


def test_missing_derived_grouping_points_to_with_groupings() -> None:
    with pytest.raises(MissingColumnError, match="with_groupings"):
        require_columns(pl.DataFrame({"a": [1]}), ["modality"], function="f")


def test_a_bare_string_is_one_grouping_column() -> None:
    assert grouping_columns("course_name") == ["course_name"]
    assert grouping_columns(("a", "b")) == ["a", "b"]
    assert grouping_columns(()) == []


def test_extract_date_is_utc() -> None:
    assert as_utc(datetime(2024, 1, 1)) == datetime(2024, 1, 1, tzinfo=UTC)
    plus_two = timezone(timedelta(hours=2))
    converted = as_utc(datetime(2024, 1, 1, 2, tzinfo=plus_two))
    assert converted == datetime(2024, 1, 1, tzinfo=UTC)
    assert converted.tzinfo == UTC


def test_unknown_check_lists_known_checks() -> None:
    error = UnknownCheckError("x", ["a", "b"])
    assert error.known == ("a", "b")
    assert "known: a, b" in str(error)
