"""Input guards: row limit, required columns, withholding suppressed cells, ISO dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from dashboard.charts.errors import ChartInputError, MissingColumnsError, TooManyRowsError
from dashboard.charts.inputs import (
    MAX_ROWS,
    checked_aggregate,
    note_lines,
    publishable,
    temporal_as_text,
)


def test_row_limit_is_inclusive() -> None:
    at_limit = pl.DataFrame({"n": range(MAX_ROWS)})
    assert checked_aggregate(at_limit, chart="c", required=["n"]) is at_limit
    with pytest.raises(TooManyRowsError) as raised:
        checked_aggregate(pl.DataFrame({"n": range(MAX_ROWS + 1)}), chart="c", required=["n"])
    assert (raised.value.rows, raised.value.limit, raised.value.chart) == (5_001, 5_000, "c")
    assert "not enrollment rows" in str(raised.value)
    assert isinstance(raised.value, ChartInputError)


def test_missing_columns_are_all_named() -> None:
    with pytest.raises(MissingColumnsError) as raised:
        checked_aggregate(pl.DataFrame({"n": [1]}), chart="c", required=["n", "a", "b"])
    assert raised.value.missing == ("a", "b")
    assert "a, b" in str(raised.value)


def test_publishable_withholds_suppressed_measures_and_keeps_labels() -> None:
    frame = pl.DataFrame(
        {
            "group": ["a", "b", "c"],
            "n": [12, 7, 30],
            "rate": [0.5, 0.43, 0.1],
            "secret": [1, 2, 3],
            "suppressed": [False, True, None],
        }
    )
    out = publishable(frame, dimensions=["group"], measures=["n", "rate"], label="n<10")
    assert out.columns == ["group", "n", "rate", "withheld", "note"]
    assert out.to_dicts() == [
        {"group": "a", "n": 12, "rate": 0.5, "withheld": False, "note": None},
        {"group": "b", "n": None, "rate": None, "withheld": True, "note": "n<10"},
        {"group": "c", "n": 30, "rate": 0.1, "withheld": False, "note": None},
    ]


def test_cell_suppression_keeps_the_published_cells() -> None:
    # suppress_small_cells' output: the note says whether the whole group or some cells are hidden.
    frame = pl.DataFrame(
        {
            "group": ["a", "b", "c"],
            "n": [40, None, 50],
            "rate": [None, None, 0.3],
            "other": [0.9, None, 0.2],
            "suppressed": [True, True, True],
            "suppression_note": ["small counts hidden", "n<10", "small counts hidden"],
        }
    )
    out = publishable(
        frame, dimensions=["group"], measures=["n", "rate", "other"], needed=["rate"], label="x"
    )
    assert out.to_dicts() == [
        {
            "group": "a",
            "n": 40,
            "rate": None,
            "other": 0.9,
            "withheld": True,
            "note": "hidden to protect a small count",
        },
        {"group": "b", "n": None, "rate": None, "other": None, "withheld": True, "note": "n<10"},
        {"group": "c", "n": 50, "rate": 0.3, "other": 0.2, "withheld": False, "note": None},
    ]


def test_whole_row_note_nulls_values_the_frame_still_carries() -> None:
    frame = pl.DataFrame({"g": ["a"], "n": [7], "suppressed": [True], "suppression_note": ["n<10"]})
    out = publishable(frame, dimensions=["g"], measures=["n"], label="x")
    assert out.to_dicts() == [{"g": "a", "n": None, "withheld": True, "note": "n<10"}]


def test_note_lines_explain_each_note_once() -> None:
    data = pl.DataFrame({"note": [None, "n<10", "small counts hidden", "n<10"]})
    assert note_lines(data, unit="bin") == [
        "n<10: bin too small to publish.",
        "Hidden to protect a small count: a small count, or a count that would reveal one by "
        "subtraction, is not shown (never a 0).",
    ]


def test_publishable_without_suppressed_column_withholds_nothing() -> None:
    out = publishable(
        pl.DataFrame({"g": ["a"], "n": [3]}), dimensions=["g"], measures=["n"], label="x"
    )
    assert out.to_dicts() == [{"g": "a", "n": 3, "withheld": False, "note": None}]


def test_temporal_columns_become_iso_days() -> None:
    frame = pl.DataFrame(
        {
            "d": [date(2024, 2, 1)],
            "t": [datetime(2024, 3, 31, 23, 0, tzinfo=UTC)],
            "s": ["2024-01-01"],
        }
    )
    out = temporal_as_text(frame, ["d", "t", "s", "absent"])
    assert out.to_dicts() == [{"d": "2024-02-01", "t": "2024-03-31", "s": "2024-01-01"}]
