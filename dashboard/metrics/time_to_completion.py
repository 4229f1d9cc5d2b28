"""Time from enrollment to completion over completers only: median, quartiles and mean in days."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from dashboard.metrics.inputs import grouping_columns, require_columns

_DAY_US = 86_400_000_000


def time_to_completion(enrollments: pl.DataFrame, *, by: Sequence[str] = ()) -> pl.DataFrame:
    """Days from ``enrolled_at`` to ``completed_at``, over completers only (metrics.md §3).

    Completers only: it ignores everyone who has not finished and is biased toward fast finishers.
    A completer is a completed enrollment with ``completed_at`` on or after ``enrolled_at``;
    completed rows without a usable date are counted in ``n_excluded`` (and flagged by
    ``data_quality``). Quartiles use linear interpolation; days are fractional.

    Returns
    -------
    pl.DataFrame
        ``[*by, n_completers, median_days, q1_days, q3_days, mean_days, n_excluded]``; one row per
        group of enrollments (``by=()``: one row), statistics null where n_completers is 0.
    """
    keys = grouping_columns(by)
    require_columns(
        enrollments,
        [*keys, "completion_status", "enrolled_at", "completed_at"],
        function="time_to_completion",
    )
    frame = enrollments.with_columns(
        ((pl.col("completed_at") - pl.col("enrolled_at")).dt.total_microseconds() / _DAY_US).alias(
            "_days"
        ),
        (pl.col("completion_status") == "completed").fill_null(False).alias("_done"),
    )
    valid = pl.col("_done") & (pl.col("_days") >= 0).fill_null(False)
    days = pl.col("_days").filter(valid)
    stats = [
        valid.sum().cast(pl.Int64).alias("n_completers"),
        days.median().alias("median_days"),
        days.quantile(0.25, interpolation="linear").alias("q1_days"),
        days.quantile(0.75, interpolation="linear").alias("q3_days"),
        days.mean().alias("mean_days"),
        (pl.col("_done") & ~valid).sum().cast(pl.Int64).alias("n_excluded"),
    ]
    if keys:
        return frame.group_by(keys).agg(stats).sort(keys, nulls_last=True)
    return frame.select(stats)
