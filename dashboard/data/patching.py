"""Write-through patches: a cached extract changed the way one write changed the API's data.

Pure functions on frames. A cached extract answers "the records matching these filters"; after a
create, update or delete the record leaves the extract, and comes back in (as the server now has
it) only if it matches the extract's filters, exactly as a fresh fetch would show it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import polars as pl

__all__ = ["apply_write", "filter_expression"]


def filter_expression(filters: Mapping[str, str]) -> pl.Expr:
    """The API's ``where[field]=value`` (AND-combined equality, ``"null"`` = IS NULL) on a frame."""
    condition = pl.lit(True)
    for column, value in filters.items():
        if value == "null":
            condition = condition & pl.col(column).is_null()
        else:
            condition = condition & (pl.col(column).cast(pl.String) == value).fill_null(False)
    return condition


def apply_write(
    frame: pl.DataFrame,
    *,
    filters: Mapping[str, str],
    removed: Collection[str] = (),
    written: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, bool]:
    """``frame`` after records ``removed`` were deleted and ``written`` rows created or updated.

    Rows of ``written`` replace any row with the same ``uuid``; they are kept only where they
    match ``filters`` (and then appended at the end). Returns the frame and whether it changed.
    """
    gone = set(removed)
    if written is not None:
        gone.update(written["uuid"].to_list())
        written = written.filter(filter_expression(filters))
    present = frame["uuid"].is_in(pl.Series(list(gone), dtype=pl.String)) if gone else None
    had_rows = present is not None and bool(present.any())
    if not had_rows and (written is None or written.height == 0):
        return frame, False
    kept = frame.filter(~present) if present is not None and had_rows else frame
    if written is None or written.height == 0:
        return kept, True
    return pl.concat([kept, written.select(frame.columns)], how="vertical"), True
