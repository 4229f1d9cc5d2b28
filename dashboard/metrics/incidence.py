"""Cumulative incidence of completion (and of dated dropout) against time since enrollment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl

from dashboard.metrics.errors import InvalidOptionError
from dashboard.metrics.inputs import as_utc, grouping_columns, require_columns

_DAY_US = 86_400_000_000
_GROUP = "__group"


def cumulative_incidence(
    enrollments: pl.DataFrame,
    *,
    as_of: datetime,
    by: Sequence[str] = (),
    max_days: int | None = None,
    dropped_at: str | None = None,
    step_days: int = 1,
) -> pl.DataFrame:
    """Share of a group completed (or dropped) by t days after enrollment, completion and dropout
    being competing events; still-enrolled students are right-censored at ``as_of`` (metrics.md §3).

    Without drop dates (DokStamp data): the Aalen-Johansen-type product-limit estimate of the
    cumulative incidence of completion over the subdistribution risk set — a dropped enrollment
    stays at risk, never completing, until its censoring time (``as_of - enrolled_at``), which is
    known for everyone (Fine & Gray 1999). This is not 1 - Kaplan-Meier with drops censored at
    their drop. The dropout curve is not estimable without drop dates and is not returned.

    With ``dropped_at`` (a column of drop times): the Aalen-Johansen estimator for both events.

    Times are whole days since ``enrolled_at`` (floored); events at t come before censoring at t.
    ``step_days`` > 1 groups times into steps (e.g. 7: weeks; fewer rows and larger counts per
    step), life-table style: an enrollment censored within a step counts as at risk for it.
    Rows that cannot be placed (no ``enrolled_at``, enrolled after ``as_of``, completed without a
    ``completed_at`` between enrollment and ``as_of``, no status) are left out; ``data_quality``
    lists them.

    Returns
    -------
    pl.DataFrame
        ``[*by, event, t_days, cif, n_at_risk, n_events]``: per group and event, a row at t = 0, at
        each time with such events, and at the last time anyone is at risk; ``cif`` is monotone and
        at most 1. ``t_days`` is limited to ``max_days`` when given.
    """
    keys = grouping_columns(by)
    needed = [*keys, "completion_status", "enrolled_at", "completed_at"]
    require_columns(
        enrollments,
        [*needed, *([dropped_at] if dropped_at else [])],
        function="cumulative_incidence",
    )
    if step_days < 1:
        raise InvalidOptionError(f"step_days must be >= 1, got {step_days}")
    if max_days is not None and max_days < 0:
        raise InvalidOptionError(f"max_days must be >= 0, got {max_days}")
    as_of = as_utc(as_of)
    subjects = _subjects(enrollments, keys, as_of=as_of, dropped_at=dropped_at).with_columns(
        pl.col("t") // step_days * step_days
    )
    events = ["completed", "dropped"] if dropped_at else ["completed"]
    counts = (
        subjects.group_by(_GROUP, "t")
        .agg(
            *[(pl.col("event") == e).sum().cast(pl.Int64).alias(f"d_{e}") for e in events],
            pl.len().cast(pl.Int64).alias("leaving"),
        )
        .sort(_GROUP, "t", nulls_last=True)
    )
    starts = subjects.group_by(_GROUP).agg(pl.len().cast(pl.Int64).alias("_total"))
    steps = counts.join(starts, on=_GROUP, how="left", nulls_equal=True).with_columns(
        (pl.col("_total") - pl.col("leaving").cum_sum().shift(1, fill_value=0).over(_GROUP)).alias(
            "n_at_risk"
        )
    )
    any_event = pl.sum_horizontal([pl.col(f"d_{e}") for e in events])
    survival_after = (1 - any_event / pl.col("n_at_risk")).cum_prod().over(_GROUP)
    steps = steps.with_columns(survival_after.alias("_s")).with_columns(
        pl.col("_s").shift(1, fill_value=1.0).over(_GROUP).alias("_s_before"),
        pl.col("t").max().over(_GROUP).alias("_last"),
    )
    curves = []
    for event in events:
        if dropped_at:
            # Aalen-Johansen: F_k(t) = sum over s <= t of S(s-) d_k(s) / n(s).
            cif = (pl.col("_s_before") * pl.col(f"d_{event}") / pl.col("n_at_risk")).cum_sum()
        else:
            # Product-limit over the subdistribution risk set (drops stay at risk).
            cif = 1 - (1 - pl.col(f"d_{event}") / pl.col("n_at_risk")).cum_prod()
        curve = steps.with_columns(
            cif.over(_GROUP).clip(0.0, 1.0).alias("cif"),
            pl.lit(event).alias("event"),
            pl.col(f"d_{event}").alias("n_events"),
        ).filter((pl.col("n_events") > 0) | (pl.col("t") == 0) | (pl.col("t") == pl.col("_last")))
        curves.append(curve)
    starts_at_zero = _zero_rows(steps, events)
    result = pl.concat([*curves, starts_at_zero], how="diagonal_relaxed").unique(
        [_GROUP, "event", "t"], keep="first", maintain_order=True
    )
    if max_days is not None:
        result = result.filter(pl.col("t") <= max_days)
    result = result.sort(_GROUP, "event", "t", nulls_last=True)
    group_values = result.get_column(_GROUP).struct.unnest() if keys else None
    columns = [
        pl.col("event"),
        pl.col("t").alias("t_days"),
        pl.col("cif"),
        pl.col("n_at_risk"),
        pl.col("n_events"),
    ]
    out = result.select(columns)
    if group_values is not None:
        out = pl.concat([group_values, out], how="horizontal")
    return out


def _subjects(
    enrollments: pl.DataFrame, keys: list[str], *, as_of: datetime, dropped_at: str | None
) -> pl.DataFrame:
    """Per enrollment: group, the last day it is at risk, and the event it has then (or null)."""
    since = pl.col("enrolled_at")

    def days(end: pl.Expr) -> pl.Expr:
        return (end - since).dt.total_microseconds() // _DAY_US

    status = pl.col("completion_status")
    follow_up = days(pl.lit(as_of))
    completed_ok = (
        (status == "completed")
        & pl.col("completed_at").is_not_null()
        & (pl.col("completed_at") >= since)
        & (pl.col("completed_at") <= pl.lit(as_of))
    )
    placeable = since.is_not_null() & (since <= pl.lit(as_of)) & status.is_not_null()
    placeable = placeable & ((status != "completed") | completed_ok)
    if dropped_at:
        drop_time = pl.col(dropped_at)
        dropped_ok = (status == "dropped") & drop_time.is_not_null() & (drop_time >= since)
        dropped_ok = dropped_ok & (drop_time <= pl.lit(as_of))
        undated = enrollments.filter((status == "dropped") & ~dropped_ok.fill_null(False)).height
        if undated:
            raise InvalidOptionError(
                f"{undated} dropped enrollment(s) lack a usable {dropped_at!r} between enrollment "
                "and as_of: the dropout curve needs every drop dated"
            )
        t: pl.Expr = (
            pl.when(completed_ok)
            .then(days(pl.col("completed_at")))
            .when(status == "dropped")
            .then(days(drop_time))
            .otherwise(follow_up)
        )
        event: pl.Expr = (
            pl.when(completed_ok)
            .then(pl.lit("completed"))
            .when(status == "dropped")
            .then(pl.lit("dropped"))
        )
    else:
        # Drops and still-enrolled leave the risk set at their censoring time.
        t = pl.when(completed_ok).then(days(pl.col("completed_at"))).otherwise(follow_up)
        event = pl.when(completed_ok).then(pl.lit("completed"))
    group = pl.struct(keys) if keys else pl.lit(0)
    # Lazy: the filter reads only the columns the selection needs (no copy of every column).
    return (
        enrollments.lazy()
        .filter(placeable.fill_null(False))
        .select(group.alias(_GROUP), t.cast(pl.Int64).alias("t"), event.alias("event"))
        .collect()
    )


def _zero_rows(steps: pl.DataFrame, events: list[str]) -> pl.DataFrame:
    """A row at t = 0 for every group and event without events at 0 (the curve starts at 0)."""
    first = steps.group_by(_GROUP, maintain_order=True).agg(
        pl.col("_total").first().alias("n_at_risk")
    )
    return pl.concat(
        [
            first.with_columns(
                pl.lit(event).alias("event"),
                pl.lit(0, dtype=pl.Int64).alias("t"),
                pl.lit(0.0).alias("cif"),
                pl.lit(0, dtype=pl.Int64).alias("n_events"),
            )
            for event in events
        ]
    )
