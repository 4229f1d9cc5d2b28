"""The one place that turns a frame into CSV bytes (CLI export and every download button).

UTF-8 with a header row, ISO 8601 dates and times, dot decimals, nulls as empty cells, an
optional byte-order mark so Excel opens accented names correctly, and formula-injection safe:
a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed
with a single quote so a spreadsheet shows it as text instead of evaluating it (OWASP "CSV
injection"). Only text cells are touched: a negative number in a numeric column stays a number.
"""

from __future__ import annotations

import polars as pl

__all__ = [
    "CSV_MIME",
    "FORMULA_TRIGGERS",
    "UTF8_BOM",
    "CsvFormatError",
    "frame_to_csv",
    "neutralise_formula",
]

CSV_MIME = "text/csv"
UTF8_BOM = b"\xef\xbb\xbf"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# chrono's `%.f` prints the fraction only when it is not zero, like Python's isoformat().
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.f"
_ZONED_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%:z"
_TIME_FORMAT = "%H:%M:%S%.f"
_TRIGGER_PATTERN = r"^[=+\-@\t\r]"


class CsvFormatError(TypeError):
    """A column has a type that has no faithful CSV form (e.g. Python objects)."""


def neutralise_formula(text: str) -> str:
    """Return ``text`` prefixed with ``'`` when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _neutralised(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.str.contains(_TRIGGER_PATTERN)).then(pl.lit("'") + expr).otherwise(expr)


def _as_text(name: str, dtype: pl.DataType) -> pl.Expr | None:
    """The column as a String expression when it needs one for CSV, else None (written as is)."""
    column = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            return column.dt.to_string(_ZONED_DATETIME_FORMAT)
        return column.dt.to_string(_DATETIME_FORMAT)
    if isinstance(dtype, pl.Date):
        return column.dt.to_string("%Y-%m-%d")
    if isinstance(dtype, pl.Time):
        return column.dt.to_string(_TIME_FORMAT)
    if isinstance(dtype, pl.Duration):
        return column.dt.to_string("iso")  # ISO 8601 duration, e.g. P1DT3S
    if isinstance(dtype, pl.Struct):
        return _neutralised(
            pl.when(column.is_null()).then(None).otherwise(column.struct.json_encode())
        )
    if isinstance(dtype, (pl.List, pl.Array)):
        # JSON array text: wrap in a one-field struct, encode, then drop the wrapper.
        wrapped = pl.struct(column.alias("v")).struct.json_encode()
        encoded = wrapped.str.strip_prefix('{"v":').str.strip_suffix("}")
        return _neutralised(pl.when(column.is_null()).then(None).otherwise(encoded))
    if isinstance(dtype, pl.Binary):
        return column.bin.encode("hex")
    if isinstance(dtype, (pl.String, pl.Categorical, pl.Enum)):
        return _neutralised(column.cast(pl.String))
    if isinstance(dtype, pl.Object):
        raise CsvFormatError(f"column {name!r} holds Python objects and cannot be written as CSV")
    return None


def frame_to_csv(frame: pl.DataFrame, *, bom: bool = False) -> bytes:
    """Format ``frame`` as CSV bytes.

    Parameters
    ----------
    frame
        Any polars frame. Column names become the header row (neutralised like text cells).
    bom
        Start with the UTF-8 byte-order mark, so Excel detects the encoding.

    Returns
    -------
    bytes
        UTF-8 CSV with ``\\n`` line endings; fields quoted only where needed; nulls as empty cells
        (an empty string is written as ``""``); dates ``YYYY-MM-DD``; datetimes
        ``YYYY-MM-DDTHH:MM:SS[.ffffff][+00:00]``; booleans ``true``/``false``; floats with a dot and
        the shortest text that reads back to the same value.

    Examples
    --------
    >>> frame_to_csv(pl.DataFrame({"name": ["=1+1", "Ana"], "delta": [-1, 2]}))
    b"name,delta\\n'=1+1,-1\\nAna,2\\n"
    """
    conversions = [
        expr.alias(name)
        for name, dtype in frame.schema.items()
        if (expr := _as_text(name, dtype)) is not None
    ]
    prepared = frame.with_columns(conversions) if conversions else frame
    prepared = prepared.rename({name: neutralise_formula(name) for name in prepared.columns})
    text = prepared.write_csv(null_value="") if prepared.width else ""
    body = text.encode("utf-8")
    return UTF8_BOM + body if bom else body
