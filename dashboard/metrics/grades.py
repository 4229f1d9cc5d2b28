"""Grade distribution on fixed bins over 0-10, grade summary, and the below-pass-mark rate."""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from dashboard.metrics.errors import InvalidOptionError
from dashboard.metrics.inputs import grouping_columns, require_columns
from dashboard.metrics.intervals import rate_with_interval

GRADE_MIN = 0.0
GRADE_MAX = 10.0
PASS_MARK = 5.0
_EPSILON = 1e-9  # grades carry at most 2 decimals; absorbs binary rounding (0.3 / 0.1 = 2.999...)


def in_range(grade: pl.Expr) -> pl.Expr:
    """True for a grade on the 0-10 scale (null for no grade; NaN is out of range)."""
    return grade.is_between(GRADE_MIN, GRADE_MAX) & ~grade.is_nan()


def grade_histogram(
    enrollments: pl.DataFrame, *, by: Sequence[str] = (), bin_width: float = 0.5
) -> pl.DataFrame:
    """Graded enrollments per fixed bin over 0-10 (metrics.md §4).

    Bins are ``[start, start + bin_width)``, closed on the left; the last bin is closed on both
    ends, so 10.0 falls in ``[9.5, 10.0]``. Every bin is present (count 0 where empty). Grades
    outside 0-10 (and NaN) are not binned: ``grade_summary`` counts them with the enrollments
    without a valid grade (``n_ungraded``) and ``data_quality`` lists them. Enrollments without a
    grade are not in any bin.

    Returns
    -------
    pl.DataFrame
        ``[*by, bin_start, bin_end, bin_label, count]``, one row per group and bin (``by=()``: the
        bins of all enrollments, also when there are none).
    """
    keys = grouping_columns(by)
    require_columns(enrollments, [*keys, "grade"], function="grade_histogram")
    bins = _bin_count(bin_width)
    grade = pl.col("grade")
    index = (
        ((grade - GRADE_MIN) / bin_width + _EPSILON).floor().cast(pl.Int64).clip(0, bins - 1)
    ).alias("_bin")
    graded = enrollments.filter(in_range(grade).fill_null(False)).with_columns(index)
    edges = pl.DataFrame({"_bin": list(range(bins))}, schema={"_bin": pl.Int64}).with_columns(
        (GRADE_MIN + pl.col("_bin") * bin_width).round(9).alias("bin_start"),
        pl.min_horizontal(GRADE_MIN + (pl.col("_bin") + 1) * bin_width, pl.lit(GRADE_MAX))
        .round(9)
        .alias("bin_end"),
    )
    edges = edges.with_columns(
        pl.format(
            "[{}, {}{}",
            pl.col("bin_start").round(2),
            pl.col("bin_end").round(2),
            pl.when(pl.col("_bin") == bins - 1).then(pl.lit("]")).otherwise(pl.lit(")")),
        ).alias("bin_label")
    )
    if keys:
        counts = graded.group_by([*keys, "_bin"]).agg(pl.len().cast(pl.Int64).alias("count"))
        groups = enrollments.select(keys).unique()
        grid = groups.join(edges, how="cross")
        joined = grid.join(counts, on=[*keys, "_bin"], how="left", nulls_equal=True)
        joined = joined.sort([*keys, "_bin"], nulls_last=True)
    else:
        counts = graded.group_by("_bin").agg(pl.len().cast(pl.Int64).alias("count"))
        joined = edges.join(counts, on="_bin", how="left").sort("_bin")
    return joined.select(
        *keys, "bin_start", "bin_end", "bin_label", pl.col("count").fill_null(0).cast(pl.Int64)
    )


def grade_summary(
    enrollments: pl.DataFrame, *, by: Sequence[str] = (), pass_mark: float = PASS_MARK
) -> pl.DataFrame:
    """Grade summary per group: counts, quartiles, mean, and the share below the pass mark.

    ``n_graded`` counts grades from 0 to 10; ``n_ungraded`` counts enrollments without a valid
    grade: no grade, or a grade outside 0-10 (left out of every statistic); n = n_graded +
    n_ungraded. Grades outside 0-10 are not counted apart: that count is usually a small cell,
    and publishing it would blank "n without grade" too; ``data_quality`` lists those rows.
    Quartiles use linear interpolation. ``below_threshold`` counts graded enrollments with a grade
    under ``pass_mark`` (strictly), and ``below_threshold_rate`` = below_threshold / n_graded with
    a 95% Wilson interval (the DFW idea, metrics.md §4).

    Returns
    -------
    pl.DataFrame
        ``[*by, n, n_graded, n_ungraded, mean, min, q1, median, q3, max,
        below_threshold, below_threshold_rate, below_threshold_rate_ci_low,
        below_threshold_rate_ci_high, pass_mark]``.
    """
    keys = grouping_columns(by)
    require_columns(enrollments, [*keys, "grade"], function="grade_summary")
    if not GRADE_MIN <= pass_mark <= GRADE_MAX:
        raise InvalidOptionError(f"pass_mark must be on the 0-10 scale, got {pass_mark}")
    grade = pl.col("grade")
    valid = in_range(grade).fill_null(False)
    graded = grade.filter(valid)
    stats = [
        pl.len().cast(pl.Int64).alias("n"),
        valid.sum().cast(pl.Int64).alias("n_graded"),
        (~valid).sum().cast(pl.Int64).alias("n_ungraded"),
        graded.mean().alias("mean"),
        graded.min().alias("min"),
        graded.quantile(0.25, interpolation="linear").alias("q1"),
        graded.median().alias("median"),
        graded.quantile(0.75, interpolation="linear").alias("q3"),
        graded.max().alias("max"),
        (valid & (grade < pass_mark)).sum().cast(pl.Int64).alias("below_threshold"),
    ]
    if keys:
        summary = enrollments.group_by(keys).agg(stats).sort(keys, nulls_last=True)
    else:
        summary = enrollments.select(stats)
    return summary.with_columns(
        rate_with_interval("below_threshold_rate", "below_threshold", "n_graded")
    ).with_columns(pl.lit(float(pass_mark)).alias("pass_mark"))


def _bin_count(bin_width: float) -> int:
    if not bin_width > 0:
        raise InvalidOptionError(f"bin_width must be positive, got {bin_width}")
    bins = (GRADE_MAX - GRADE_MIN) / bin_width
    if not math.isclose(bins, round(bins), abs_tol=1e-9):
        raise InvalidOptionError(f"bin_width must divide 0-10 evenly, got {bin_width}")
    return round(bins)
