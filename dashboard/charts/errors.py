"""The typed errors a chart function raises when it is handed the wrong frame."""

from __future__ import annotations

from collections.abc import Sequence


class ChartInputError(ValueError):
    """The frame handed to a chart function cannot be drawn as it is."""


class TooManyRowsError(ChartInputError):
    """The frame is larger than an aggregate should be: charts never take raw rows."""

    def __init__(self, *, chart: str, rows: int, limit: int, hint: str = "") -> None:
        self.chart = chart
        self.rows = rows
        self.limit = limit
        super().__init__(
            f"{chart}: got {rows:,} rows, more than the {limit:,} a chart accepts. Charts take "
            "aggregates (the frames of dashboard.metrics), not enrollment rows: "
            + (hint or "aggregate first.")
        )


class MissingColumnsError(ChartInputError):
    """The frame lacks columns the chart needs."""

    def __init__(self, *, chart: str, missing: Sequence[str]) -> None:
        self.chart = chart
        self.missing = tuple(missing)
        super().__init__(f"{chart}: the frame lacks the column(s) {', '.join(self.missing)}")
