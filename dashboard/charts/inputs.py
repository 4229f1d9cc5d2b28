"""Checks and prepares the aggregate frames charts take: row limit, columns, suppressed cells.

Charts are drawn from aggregates only. A frame larger than ``MAX_ROWS`` is refused with a clear
error instead of reaching altair's own row limit (which is never disabled here). Cells that the
small-cell rule suppressed keep their labels but lose every value, so no suppressed number can
reach a chart spec, whatever the frame carried.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

import polars as pl

from dashboard.charts.errors import MissingColumnsError, TooManyRowsError

MAX_ROWS: Final = 5_000
WITHHELD: Final = "withheld"
NOTE: Final = "note"


def checked_aggregate(frame: pl.DataFrame, *, chart: str, required: Iterable[str]) -> pl.DataFrame:
    """Return ``frame`` once it is known to be a small aggregate with the ``required`` columns."""
    if frame.height > MAX_ROWS:
        raise TooManyRowsError(chart=chart, rows=frame.height, limit=MAX_ROWS)
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise MissingColumnsError(chart=chart, missing=missing)
    return frame


def publishable(
    frame: pl.DataFrame, *, dimensions: Sequence[str], measures: Sequence[str], label: str
) -> pl.DataFrame:
    """Keep only the columns a chart draws, and withhold the values of suppressed rows.

    Returns ``dimensions`` (labels, kept on every row), ``measures`` (nulled on suppressed rows),
    ``withheld`` (bool: the row's values are not published) and ``note`` (``label`` on withheld
    rows, else null). Columns the chart does not draw never reach the spec. A row is withheld
    when its ``suppressed`` flag is true; frames without that column have no withheld rows.
    """
    if "suppressed" in frame.columns:
        withheld = pl.col("suppressed").fill_null(value=False)
    else:
        withheld = pl.lit(value=False)
    flagged = frame.select(*dimensions, *measures, withheld.alias(WITHHELD))
    return flagged.with_columns(
        *(
            pl.when(pl.col(WITHHELD)).then(None).otherwise(pl.col(column)).alias(column)
            for column in measures
        ),
        pl.when(pl.col(WITHHELD)).then(pl.lit(label)).otherwise(None).alias(NOTE),
    )


def temporal_as_text(frame: pl.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
    """Write date/datetime columns as ISO dates, so Vega reads them as UTC midnights."""
    return frame.with_columns(
        pl.col(column).dt.strftime("%Y-%m-%d").alias(column)
        for column in columns
        if column in frame.columns and frame.schema[column].is_temporal()
    )
