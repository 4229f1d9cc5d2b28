"""95% Wilson score intervals for a proportion k/n, as a scalar function and as expressions."""

from __future__ import annotations

import math

import polars as pl

from dashboard.metrics.errors import InvalidCountError

Z_95 = 1.96

Interval = tuple[float, float] | tuple[None, None]


def wilson_interval(k: int, n: int, *, z: float = Z_95) -> Interval:
    """Wilson score interval for ``k`` successes out of ``n`` trials.

    Definition (Brown, Cai & DasGupta 2001; metrics.md §1), with p = k/n::

        centre     = (p + z²/2n) / (1 + z²/n)
        half-width = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)

    Parameters
    ----------
    k, n
        Count and denominator, ``0 <= k <= n``.
    z
        Normal quantile; 1.96 gives a 95% interval.

    Returns
    -------
    (low, high)
        Inside [0, 1]; exactly 0 at k = 0 and exactly 1 at k = n. ``(None, None)`` when n = 0:
        there is no proportion to estimate.

    Examples
    --------
    >>> tuple(round(b, 4) for b in wilson_interval(81, 263))  # Newcombe (1998), example 81/263
    (0.2553, 0.3662)
    """
    if n < 0 or k < 0 or k > n:
        raise InvalidCountError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (None, None)
    p = k / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    low = 0.0 if k == 0 else max(0.0, centre - half_width)
    high = 1.0 if k == n else min(1.0, centre + half_width)
    return (low, high)


def wilson_bounds(
    k: pl.Expr | str, n: pl.Expr | str, *, z: float = Z_95
) -> tuple[pl.Expr, pl.Expr]:
    """Expression form of :func:`wilson_interval`: ``(low, high)`` for ``k`` of ``n``.

    Null where ``n`` is 0 or null (or ``k`` is null). The expressions are not aliased: name them
    with ``.alias``. Same definition and edge cases as the scalar form.
    """
    k_expr = pl.col(k) if isinstance(k, str) else k
    n_expr = pl.col(n) if isinstance(n, str) else n
    kf = k_expr.cast(pl.Float64)
    nf = n_expr.cast(pl.Float64)
    z2 = z * z
    p = kf / nf
    denominator = 1 + z2 / nf
    centre = (p + z2 / (2 * nf)) / denominator
    half_width = z * ((p * (1 - p) / nf) + z2 / (4 * nf * nf)).sqrt() / denominator
    defined = nf > 0
    low = (
        pl.when(~defined)
        .then(None)
        .when(kf == 0)
        .then(0.0)
        .otherwise((centre - half_width).clip(0.0, 1.0))
    )
    high = (
        pl.when(~defined)
        .then(None)
        .when(kf == nf)
        .then(1.0)
        .otherwise((centre + half_width).clip(0.0, 1.0))
    )
    return low, high


def rate_with_interval(
    name: str, k: pl.Expr | str, n: pl.Expr | str, *, z: float = Z_95
) -> list[pl.Expr]:
    """Expressions ``name`` = k/n, ``name_ci_low``, ``name_ci_high`` (Wilson); null at n = 0."""
    k_expr = pl.col(k) if isinstance(k, str) else k
    n_expr = pl.col(n) if isinstance(n, str) else n
    low, high = wilson_bounds(k_expr, n_expr, z=z)
    rate = pl.when(n_expr > 0).then(k_expr.cast(pl.Float64) / n_expr.cast(pl.Float64))
    return [
        rate.alias(name),
        low.alias(f"{name}_ci_low"),
        high.alias(f"{name}_ci_high"),
    ]
