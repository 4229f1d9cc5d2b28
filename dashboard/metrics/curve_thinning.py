"""Thin a cumulative-incidence curve to the points a publication may show."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard.metrics.errors import InvalidOptionError
from dashboard.metrics.inputs import require_columns
from dashboard.metrics.suppression import MIN_CELL

CURVE_COLUMNS = ("event", "t_days", "cif", "n_at_risk", "n_events")


def thin_curve_for_publication(curves: pl.DataFrame, *, min_cell: int = MIN_CELL) -> pl.DataFrame:
    """The points of ``cumulative_incidence`` curves that may be published, each resting on at
    least ``min_cell`` events.

    A step of the curve times the number at risk gives the number of events at that step, so a
    curve drawn at every event time shows every small count. Per group and event, walking the
    curve in time, a point is kept only once at least ``min_cell`` events have happened since
    the previous kept point (the first kept point: since enrollment, day-0 events included);
    the points in between are dropped. A kept point's ``n_events`` is the number of events since
    the previous kept point (not at its own step), its ``n_at_risk`` and ``cif`` are the
    estimate's at that time. Points where fewer than ``min_cell`` are at risk are never kept (the
    curve stops there).

    Each curve starts at (t 0, cif 0) with no counts (``n_at_risk``, ``n_events`` null), unless
    a kept point is at t 0 itself. The kept points are points of the estimate, so the curve stays
    monotone and at most 1; drawn as a step it is the estimate known at the last kept point.
    A group and event with no point to keep get one row at t 0 with ``cif`` and ``n_at_risk``
    null and ``n_events`` the (fewer than ``min_cell``) events, which ``suppress_small_cells``
    then hides and flags.

    Use before ``suppress_small_cells(..., **suppression_layout("cumulative_incidence"))``.

    Parameters
    ----------
    curves
        ``cumulative_incidence`` output: ``[*by, event, t_days, cif, n_at_risk, n_events]``;
        every other column is taken as a grouping column.
    min_cell
        Fewest events a kept point may rest on (the suppression's ``min_cell``).

    Returns
    -------
    pl.DataFrame
        The same columns, fewer rows, sorted by group, event and ``t_days``.
    """
    require_columns(curves, CURVE_COLUMNS, function="thin_curve_for_publication")
    if min_cell < 1:
        raise InvalidOptionError(f"min_cell must be at least 1, got {min_cell}")
    if "suppressed" in curves.columns:
        raise InvalidOptionError("thin the curve before suppress_small_cells, not after")
    keys = [column for column in curves.columns if column not in CURVE_COLUMNS]
    ordered = curves.sort([*keys, "event", "t_days"], nulls_last=True)
    kept: list[dict[str, Any]] = []
    for curve in ordered.partition_by([*keys, "event"], maintain_order=True):
        kept += _thin(curve.to_dicts(), min_cell=min_cell)
    return pl.DataFrame(kept, schema=curves.schema).select(curves.columns)


def _thin(steps: list[dict[str, Any]], *, min_cell: int) -> list[dict[str, Any]]:
    """One curve's kept points, in time order (``steps`` sorted by ``t_days``)."""
    points: list[dict[str, Any]] = []
    pending = 0
    for step in steps:
        if (step["n_at_risk"] or 0) < min_cell:
            break  # at risk only falls with time: the rest of the curve is not published
        pending += step["n_events"] or 0
        if pending >= min_cell:
            points.append({**step, "n_events": pending})
            pending = 0
    start = {**steps[0], "t_days": 0, "n_at_risk": None}
    if not points:
        return [{**start, "cif": None, "n_events": pending}]
    if points[0]["t_days"] == 0:
        return points
    return [{**start, "cif": 0.0, "n_events": None}, *points]
