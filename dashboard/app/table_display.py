"""How a published table is shown on screen: hidden cells named, numbers formatted, rates first.

The published frame is not changed (its CSV keeps hidden cells empty, as published): the screen
gets a copy with every cell as text, because a table widget draws every empty cell alike and a
hidden cell must say why it is empty. On screen:

- a hidden value reads ``n<10`` where its group is too small to publish, and ``hidden`` where it
  was hidden to protect a small count (``dashboard.charts.placeholders``); any other empty value
  reads ``—``;
- the total row is labelled ("All enrollments"), a missing group value reads ``(none)``;
- rates are percentages with one decimal, each followed by its 95% interval in one column, and
  they come right after the group's label and n, so that they are visible without scrolling;
- counts have thousands separators, days are whole days, grades two decimals, months ``2022-07``;
- bookkeeping columns (``is_total``, ``suppressed``, ``suppression_note``) and the per-student
  ``min``/``max`` (always empty) are left out; the legend under the table names the placeholders
  in use.

Being text, the screen copy sorts as text; the CSV download has the numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from dashboard.charts.labels import MISSING_GROUP
from dashboard.charts.placeholders import (
    PROTECTED_CELL,
    SMALL_GROUP,
    is_small_group_note,
    legend_lines,
)

__all__ = ["EMPTY", "TOTAL_LABEL", "TableView", "display_columns", "table_view"]

TOTAL_LABEL: Final = "All enrollments"
EMPTY: Final = "—"
INTERVAL_SUFFIX: Final = "_ci"
_BOOKKEEPING: Final = frozenset({"is_total", "suppressed", "suppression_note"})
_ALWAYS_EMPTY: Final = frozenset({"min", "max"})  # one student's grade each: never published
# Numeric columns that label a row rather than measure it.
_NUMERIC_LABELS: Final = frozenset(
    {"intake_year", "window_pct", "t_days", "bin_start", "bin_end", "normal_time_days", "pass_mark"}
)
_DENOMINATORS: Final = ("n_graded", "n", "n_completers")
# Pixel widths that fit label, n, a rate and its interval in a half-page column.
_LABEL_WIDTH: Final = 170
_COUNT_WIDTH: Final = 70
_INTERVAL_WIDTH: Final = 95
_GRADE_COLUMNS: Final = frozenset({"mean", "q1", "median", "q3", "bin_start", "bin_end"})

Formatter = Callable[[Any], str]


@dataclass(frozen=True)
class TableView:
    """What ``st.dataframe`` needs to show a published table: its text, column labels, legend."""

    frame: pl.DataFrame  # every cell as text, columns in screen order
    column_config: dict[str, Any]
    legend: str | None  # the caption naming the placeholders in use, if any


def _is_rate(column: str) -> bool:
    return column.endswith("_rate") or column == "cif"


def _is_interval_bound(column: str) -> bool:
    return column.endswith(("_rate_ci_low", "_rate_ci_high"))


def _is_label(column: str, dtype: pl.DataType) -> bool:
    numeric = dtype.is_numeric()
    return not numeric or column in _NUMERIC_LABELS or column.endswith("_year")


def display_columns(table: pl.DataFrame, *, omit: Sequence[str] = ()) -> list[str]:
    """The columns shown, in screen order: labels, n, each rate with its interval, the rest.

    A rate's 95% interval is the one column ``<rate>_ci`` (made by :func:`table_view`).
    """
    ordered: list[str] = []
    moved: list[str] = []
    for column in table.columns:
        if column in _BOOKKEEPING or column in _ALWAYS_EMPTY or column in omit:
            continue
        if _is_interval_bound(column):
            continue
        ordered.append(column)
        if _is_rate(column):
            moved.append(column)
            if f"{column}_ci_low" in table.columns:
                ordered.append(f"{column}{INTERVAL_SUFFIX}")
                moved.append(f"{column}{INTERVAL_SUFFIX}")
    anchor = next((column for column in _DENOMINATORS if column in ordered), None)
    if anchor is None:
        return ordered
    rest = [column for column in ordered if column not in moved]
    at = rest.index(anchor) + 1
    return [*rest[:at], *moved, *rest[at:]]


def _formatter(column: str, dtype: pl.DataType) -> Formatter:
    """How the non-empty values of one column read on screen.

    Where the column's values are all of one Python type (a float column's floats, an integer
    column's ints), a format string's own ``format`` method: the same text as the f-string it
    stands for, without a Python call per cell (tables can have a few thousand rows).
    """
    if _is_rate(column) or _is_interval_bound(column):
        return "{:.1%}".format if dtype.is_float() else lambda value: f"{float(value):.1%}"
    if dtype.is_temporal():
        pattern = _date_pattern(column)
        return lambda value: str(value.strftime(pattern))
    if column == "window_pct":
        return lambda value: f"{float(value):g}%"
    if column == "intake_year" or column.endswith("_year"):
        return str if dtype.is_integer() else lambda value: f"{int(value)}"
    if dtype.is_integer():
        return "{:,}".format
    if dtype.is_float():
        if column.endswith("_days"):
            return "{:,.0f}".format
        if column in _GRADE_COLUMNS:
            return "{:.2f}".format
        return "{:,.2f}".format
    if dtype == pl.Boolean:
        return lambda value: "yes" if value else "no"
    return str


def _date_pattern(column: str) -> str:
    return "%Y-%m" if column == "month" else "%Y-%m-%d"


def _dates_as_text(series: pl.Series) -> pl.Series:
    """A date column as ``_formatter`` writes it, in one pass where polars writes the same text
    (a year from 1000 on: Python writes earlier years without leading zeros)."""
    if series.dtype not in (pl.Date, pl.Datetime) or (series.dt.year() < 1000).any():
        return series
    return series.dt.strftime(_date_pattern(series.name))


_LABELS: Final = {"cif": "Cumulative incidence", "t_days": "Days since enrollment"}


def _column_label(column: str) -> str:
    if column in _LABELS:
        return _LABELS[column]
    if column.endswith(INTERVAL_SUFFIX):
        return "95% CI"
    if column == "n" or column.startswith("n_"):
        return column.replace("_", " ")
    text = column.replace("_", " ")
    return text[:1].upper() + text[1:]


def _with_intervals(table: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """``table`` plus one text column per rate interval ("36.4–37.7%", null when hidden)."""
    extra = []
    for column in columns:
        if not column.endswith(INTERVAL_SUFFIX):
            continue
        bounds = zip(
            table.get_column(f"{column}_low").to_list(),
            table.get_column(f"{column}_high").to_list(),
            strict=True,
        )
        text = [
            None if low is None or high is None else f"{low * 100:.1f}–{high:.1%}"
            for low, high in bounds
        ]
        extra.append(pl.Series(column, text, dtype=pl.String))
    return table.with_columns(extra) if extra else table


def table_view(
    table: pl.DataFrame,
    *,
    total_label: str = TOTAL_LABEL,
    hidden_small: bool = False,
    omit: Sequence[str] = (),
) -> TableView:
    """The screen form of a published ``table`` (see the module docstring).

    ``total_label`` names the total row (``is_total``). ``hidden_small``: every hidden value is a
    small count itself and reads ``n<10`` (data-quality counts: no total, nothing to protect).
    ``omit`` leaves columns off the screen (not the CSV), e.g. one the metric never fills.
    """
    columns = display_columns(table, omit=omit)
    data = _with_intervals(table, columns)
    height = data.height

    def flags(column: str) -> list[bool]:
        if column not in data.columns:
            return [False] * height
        return [bool(value) for value in data.get_column(column).fill_null(value=False)]

    notes = (
        data.get_column("suppression_note").to_list()
        if "suppression_note" in data.columns
        else [None] * height
    )
    hidden = flags("suppressed")
    totals = flags("is_total")
    # A suppressed row without a note (a frame that only flags rows) is hidden whole.
    small = [
        flag and (hidden_small or note is None or is_small_group_note(note))
        for flag, note in zip(hidden, notes, strict=True)
    ]
    protected = [flag and not whole for flag, whole in zip(hidden, small, strict=True)]
    measures = {
        column
        for column in columns
        if column.endswith(INTERVAL_SUFFIX) or not _is_label(column, data.schema[column])
    }
    first_measure = next((at for at, column in enumerate(columns) if column in measures), None)
    groups = columns[:first_measure] if first_measure is not None else list(columns)

    # What an empty cell reads, per row, for each kind of column (built once, not per cell).
    empty_measure = [
        SMALL_GROUP if whole else PROTECTED_CELL if part else EMPTY
        for whole, part in zip(small, protected, strict=True)
    ]
    empty_label = [total_label if total else MISSING_GROUP for total in totals]
    empty_group = ["" if total else MISSING_GROUP for total in totals]
    empty_other = [EMPTY] * height

    def empty_texts(column: str) -> list[str]:
        if column in measures:
            return empty_measure
        if column in groups:
            return empty_label if column == groups[0] else empty_group
        return empty_other

    text: dict[str, list[str] | pl.Series] = {}
    for column in columns:
        series = _dates_as_text(data.get_column(column))
        if series.dtype == pl.String and not series.null_count():
            text[column] = series  # already its own text
            continue
        shown = _formatter(column, series.dtype)
        values = series.to_list()
        if not series.null_count():
            text[column] = list(map(shown, values))
            continue
        text[column] = [
            empty if value is None else shown(value)
            for value, empty in zip(values, empty_texts(column), strict=True)
        ]
    lines = legend_lines(
        small_group=any(small),
        protected=any(protected),
        unit="count" if hidden_small else "group",
        short=True,
    )
    return TableView(
        frame=pl.DataFrame(text, schema=dict.fromkeys(columns, pl.String)),
        column_config={
            column: _column_config(column, pinned=column in groups[:1], measure=column in measures)
            for column in columns
        },
        legend=" ".join(lines) or None,
    )


def _column_config(column: str, *, pinned: bool, measure: bool) -> dict[str, Any]:
    """Label, help, alignment and width of one column: the row label is pinned (it stays while
    the table scrolls sideways) and kept narrow enough for n, the rate and its interval beside
    it; numbers are right-aligned."""
    config: dict[str, Any] = {
        "label": _column_label(column),
        "help": _column_help(column),
        "alignment": "right" if measure else "left",
    }
    if pinned:
        config |= {"pinned": True, "width": _LABEL_WIDTH}
    elif column.endswith(INTERVAL_SUFFIX):
        config["width"] = _INTERVAL_WIDTH
    elif column in _DENOMINATORS or column.startswith("n_"):
        config["width"] = _COUNT_WIDTH
    return config


def _column_help(column: str) -> str:
    if column.endswith(INTERVAL_SUFFIX):
        return (
            f"95% Wilson interval of {column.removesuffix(INTERVAL_SUFFIX)} "
            f"(CSV columns {column}_low, {column}_high)"
        )
    return f"CSV column {column}"
