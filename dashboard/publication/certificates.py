"""Certificate coverage: which completed enrollments have an issued certificate, published.

Only certificates that were issued count (``issued``, and ``expired`` which was issued once);
drafts and revoked certificates do not; a certificate belongs to an enrollment through its
``enrollment_uuid``. Coverage is a rate over completed enrollments, published like every other
aggregate (``publish``: the policy's thresholds, its Wilson interval). The Traceability page and
the ``certificate-coverage`` report both build it here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from dashboard.metrics import rate_with_interval
from dashboard.publication.layouts import group_layout
from dashboard.publication.policy import DEFAULT_POLICY, MIN_CELL, DisclosurePolicy
from dashboard.publication.tables import publish

__all__ = [
    "COVERAGE_COUNTS",
    "ISSUED_STATUSES",
    "certificate_coverage",
    "certificates_without_completion",
    "completions_without_certificate",
]

ISSUED_STATUSES: Final = ("issued", "expired")
COVERAGE_COUNTS: Final = ("with_certificate", "without_certificate")
_COUNTS = COVERAGE_COUNTS


def _issued_enrollments(certificates: pl.DataFrame) -> pl.DataFrame:
    return (
        certificates.filter(
            pl.col("status").is_in(ISSUED_STATUSES) & pl.col("enrollment_uuid").is_not_null()
        )
        .select(pl.col("enrollment_uuid").alias("uuid"))
        .unique()
        .with_columns(pl.lit(value=True).alias("_certified"))
    )


def _completed_with_flag(enrollments: pl.DataFrame, certificates: pl.DataFrame) -> pl.DataFrame:
    completed = enrollments.filter(pl.col("completion_status").cast(pl.String) == "completed")
    return completed.join(
        _issued_enrollments(certificates), on="uuid", how="left", maintain_order="left"
    ).with_columns(pl.col("_certified").fill_null(value=False))


def certificate_coverage(
    enrollments: pl.DataFrame,
    certificates: pl.DataFrame,
    *,
    by: Sequence[str] = (),
    min_cell: int = MIN_CELL,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> pl.DataFrame:
    """Per group and overall: completed n, with / without certificate, coverage with interval.

    Columns ``[*by, n, with_certificate, without_certificate, certified_rate,
    certified_rate_ci_low, certified_rate_ci_high, is_total, suppressed, suppression_note]``;
    the last row is the total.
    """
    flagged = _completed_with_flag(enrollments, certificates)
    counts = [
        pl.len().cast(pl.Int64).alias("n"),
        pl.col("_certified").sum().cast(pl.Int64).alias("with_certificate"),
        (~pl.col("_certified")).sum().cast(pl.Int64).alias("without_certificate"),
    ]
    keys = list(by)
    parts = []
    if keys:
        parts.append(
            flagged.group_by(keys)
            .agg(counts)
            .sort(keys, nulls_last=True)
            .with_columns(pl.lit(value=False).alias("is_total"))
        )
    overall = flagged.select(counts).with_columns(
        *[pl.lit(None, dtype=flagged.schema[key]).alias(key) for key in keys],
        pl.lit(value=True).alias("is_total"),
    )
    parts.append(overall.select(*keys, *[c.meta.output_name() for c in counts], "is_total"))
    table = pl.concat(parts).with_columns(
        rate_with_interval("certified_rate", "with_certificate", "n")
    )
    # With no grouping the one row is the total: there are no parts to add up.
    total: pl.Expr | bool = pl.col("is_total") if keys else False
    return publish(
        table,
        "certificate_coverage",
        policy=policy,
        min_cell=min_cell,
        public_layout={
            "count_columns": _COUNTS,
            "rate_columns": {"certified_rate": "with_certificate"},
            "total_row": total,
        },
        internal_layout=group_layout("certificate_coverage", total_row=total),
    )


def completions_without_certificate(
    enrollments: pl.DataFrame, certificates: pl.DataFrame
) -> pl.DataFrame:
    """The completed enrollments no issued certificate points to (student-level rows)."""
    flagged = _completed_with_flag(enrollments, certificates)
    return flagged.filter(~pl.col("_certified")).drop("_certified")


def certificates_without_completion(
    enrollments: pl.DataFrame, certificates: pl.DataFrame
) -> pl.DataFrame:
    """Issued certificates whose enrollment is not completed, or not in the data at all."""
    statuses = enrollments.select(
        pl.col("uuid").alias("enrollment_uuid"),
        pl.col("completion_status").cast(pl.String).alias("enrollment_status"),
    )
    issued = certificates.filter(
        pl.col("status").is_in(ISSUED_STATUSES) & pl.col("enrollment_uuid").is_not_null()
    )
    joined = issued.join(statuses, on="enrollment_uuid", how="left", maintain_order="left")
    return joined.filter(
        pl.col("enrollment_status").is_null() | (pl.col("enrollment_status") != "completed")
    )
