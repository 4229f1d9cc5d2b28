"""Checks and prepares the aggregate frames charts take: row limit, columns, suppressed cells.

Charts are drawn from aggregates only. A frame larger than ``MAX_ROWS`` is refused with a clear
error instead of reaching altair's own row limit (which is never disabled here). Values that the
small-cell rule suppressed never reach a chart spec: the row keeps its labels and gets a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

import polars as pl

from dashboard.charts.errors import MissingColumnsError, TooManyRowsError
from dashboard.charts.placeholders import (
    PROTECTED,
    SMALL_GROUP_MEANING,
    is_small_group_note,
    legend_lines,
)

MAX_ROWS: Final = 5_000
WITHHELD: Final = "withheld"
NOTE: Final = "note"


def checked_aggregate(
    frame: pl.DataFrame, *, chart: str, required: Iterable[str], hint: str = ""
) -> pl.DataFrame:
    """Return ``frame`` once it is known to be a small aggregate with the ``required`` columns.

    ``hint`` says how to make this chart's frame smaller, in the error when it is too large.
    """
    frame = with_columns(frame, chart=chart, required=required)
    return within_row_limit(frame, chart=chart, hint=hint)


def with_columns(frame: pl.DataFrame, *, chart: str, required: Iterable[str]) -> pl.DataFrame:
    """Return ``frame`` once it is known to have the ``required`` columns."""
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise MissingColumnsError(chart=chart, missing=missing)
    return frame


def within_row_limit(frame: pl.DataFrame, *, chart: str, hint: str = "") -> pl.DataFrame:
    """Return ``frame`` once it is known to have at most ``MAX_ROWS`` rows."""
    if frame.height > MAX_ROWS:
        raise TooManyRowsError(chart=chart, rows=frame.height, limit=MAX_ROWS, hint=hint)
    return frame


def publishable(
    frame: pl.DataFrame,
    *,
    dimensions: Sequence[str],
    measures: Sequence[str],
    needed: Sequence[str] = (),
    label: str,
) -> pl.DataFrame:
    """Keep only the columns a chart draws, with every suppressed value null.

    ``suppress_small_cells`` flags a row ``suppressed`` when anything in it was hidden, and says
    how in ``suppression_note``: "n<10" (the whole group is too small) or "small counts hidden"
    (some cells nulled, the rest published). So:

    - whole-row suppression -- ``suppressed`` with a note starting "n<", or with no
      ``suppression_note`` column at all (a frame that only flags rows): every measure is nulled,
      whatever the frame carried;
    - cell suppression -- the metric already nulled the hidden cells; the others are kept.

    Returns ``dimensions`` (labels, on every row), ``measures``, ``withheld`` (bool: the row is
    suppressed and lacks one of the ``needed`` measures, so its mark is replaced by a note) and
    ``note`` on withheld rows: the metric's "n<10" note (else ``label``) where the whole group is
    too small, ``PROTECTED`` ("hidden to protect a small count") where only cells were hidden.
    Columns the chart does not draw never reach the spec.
    """
    has_flag = "suppressed" in frame.columns
    has_note = "suppression_note" in frame.columns
    flagged = pl.col("suppressed").fill_null(value=False) if has_flag else pl.lit(value=False)
    note = pl.col("suppression_note") if has_note else pl.lit(None, dtype=pl.String)
    whole_row = flagged & (note.is_null() | note.str.starts_with("n<")) if has_note else flagged
    prepared = frame.select(
        *dimensions,
        *(pl.when(whole_row).then(None).otherwise(pl.col(c)).alias(c) for c in measures),
        flagged.alias("_flagged"),
        whole_row.alias("_whole_row"),
        note.alias("_note"),
    )
    lacking = pl.any_horizontal(pl.col(c).is_null() for c in needed) if needed else pl.lit(False)
    withheld = pl.col("_whole_row") | (pl.col("_flagged") & lacking)
    small_note = pl.when(pl.col("_note").str.starts_with("n<")).then(pl.col("_note"))
    return prepared.with_columns(
        withheld.alias(WITHHELD),
        pl.when(withheld & pl.col("_whole_row"))
        .then(small_note.otherwise(pl.lit(label)))
        .when(withheld)
        .then(pl.lit(PROTECTED))
        .alias(NOTE),
    ).drop("_flagged", "_whole_row", "_note")


def note_lines(data: pl.DataFrame, *, unit: str = "group") -> list[str]:
    """Subtitle lines explaining the notes shown on withheld marks (one per distinct note)."""
    if NOTE not in data.columns:
        return []
    lines = []
    for note in data.get_column(NOTE).drop_nulls().unique(maintain_order=True).to_list():
        if is_small_group_note(note):
            lines.append(f"{note}: {unit} {SMALL_GROUP_MEANING}.")
        else:
            lines += legend_lines(small_group=False, protected=True)
    return lines


def temporal_as_text(frame: pl.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
    """Write date/datetime columns as ISO dates, so Vega reads them as UTC midnights."""
    return frame.with_columns(
        pl.col(column).dt.strftime("%Y-%m-%d").alias(column)
        for column in columns
        if column in frame.columns and frame.schema[column].is_temporal()
    )
