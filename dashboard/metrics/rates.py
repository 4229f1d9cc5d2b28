"""Completion and dropout rates with n, counts and Wilson intervals, by any grouping."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from dashboard.metrics.inputs import grouping_columns, require_columns
from dashboard.metrics.intervals import rate_with_interval

STATUS_COUNTS = ("completed", "dropped", "enrolled")
RATE_COUNTS = {"completion_rate": "completed", "dropout_rate": "dropped"}


def completion_rates(
    enrollments: pl.DataFrame, *, by: Sequence[str] = (), total: bool = False
) -> pl.DataFrame:
    """Completion and dropout rates per group, with n, counts and 95% Wilson intervals.

    completion_rate = completed / n and dropout_rate = dropped / n, where n counts every enrollment
    of the group whatever its status (metrics.md §1). Rows with no status are counted in n only (and
    flagged by ``data_quality``). ``by=()`` gives one overall row, also for an empty frame (n = 0,
    rates null). Rows are sorted by ``by``; a null key is its own group (e.g. no cohort).

    Parameters
    ----------
    enrollments
        ENROLLMENT_SCHEMA rows (plus grouping columns from ``with_groupings`` if used).
    by
        Grouping columns, possibly empty.
    total
        Also append the overall row (``by`` columns null) and an ``is_total`` column, so that the
        total and its groups are suppressed together (``suppress_small_cells(total_row=...)``).

    Returns
    -------
    pl.DataFrame
        ``[*by, n, completed, dropped, enrolled, completion_rate, completion_rate_ci_low,
        completion_rate_ci_high, dropout_rate, dropout_rate_ci_low, dropout_rate_ci_high]``
        (plus ``is_total`` when ``total``).
    """
    keys = grouping_columns(by)
    require_columns(enrollments, [*keys, "completion_status"], function="completion_rates")
    status = pl.col("completion_status")
    counts = [
        pl.len().cast(pl.Int64).alias("n"),
        *[(status == s).sum().cast(pl.Int64).alias(s) for s in STATUS_COUNTS],
    ]
    if keys:
        grouped = enrollments.group_by(keys).agg(counts).sort(keys, nulls_last=True)
    else:
        grouped = enrollments.select(counts)
    if total and keys:
        # The groups' counts added up: every row is in one group (a null key is a group too),
        # so this is the overall row without another pass over the rows.
        overall = grouped.select(pl.col("n", *STATUS_COUNTS).sum()).with_columns(
            [pl.lit(None, dtype=enrollments.schema[k]).alias(k) for k in keys]
        )
        grouped = pl.concat(
            [
                grouped.with_columns(is_total=pl.lit(False)),
                overall.select(grouped.columns).with_columns(is_total=pl.lit(True)),
            ]
        )
    elif total:
        grouped = grouped.with_columns(is_total=pl.lit(True))
    rates = [
        expr for rate, count in RATE_COUNTS.items() for expr in rate_with_interval(rate, count, "n")
    ]
    return grouped.with_columns(rates).select(
        *keys,
        "n",
        *STATUS_COUNTS,
        *[r.meta.output_name() for r in rates],
        *(["is_total"] if total else []),
    )


def filter_vs_all(
    filtered: pl.DataFrame, all_: pl.DataFrame, *, by: Sequence[str] = ()
) -> pl.DataFrame:
    """The filtered rates beside the unfiltered ones (metrics.md §1 "filter vs all").

    Rows of :func:`completion_rates` for ``filtered`` (``scope`` = "filter") then for ``all_``
    (``scope`` = "all"), each with its own n. ``scope`` is the first column.
    """
    parts = [
        completion_rates(frame, by=by).select(pl.lit(scope).alias("scope"), pl.all())
        for scope, frame in (("filter", filtered), ("all", all_))
    ]
    return pl.concat(parts)
