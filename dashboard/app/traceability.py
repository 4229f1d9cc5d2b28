"""Traceability: which completed enrollments have an issued certificate (joined on enrollment_uuid).

Only certificates that were issued count (``issued``, and ``expired`` which was issued once);
drafts and revoked certificates do not. Coverage is a rate over completed enrollments, published
like every other aggregate (small cells suppressed, with its Wilson interval).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import polars as pl

from dashboard.charts import ChartSpec, apply_theme, no_data_chart
from dashboard.charts.placeholders import PROTECTED, SMALL_GROUP, placeholder
from dashboard.charts.theme import COUNT_FORMAT, OKABE_ITO, STATUS_COLOURS
from dashboard.metrics import rate_with_interval
from dashboard.publication import (
    DEFAULT_POLICY,
    MIN_CELL,
    DisclosurePolicy,
    group_layout,
    publish,
)

__all__ = [
    "CERTIFICATE_COVERAGE_DEFINITION",
    "ISSUED_STATUSES",
    "CoverageHeadline",
    "certificate_coverage",
    "certificate_coverage_chart",
    "certificates_without_completion",
    "completions_without_certificate",
    "coverage_headline",
]

ISSUED_STATUSES = ("issued", "expired")
CERTIFICATE_COVERAGE_DEFINITION = (
    "Certificate coverage = completed enrollments with an issued certificate / completed "
    "enrollments. A certificate belongs to an enrollment through its enrollment_uuid (an "
    "optional field in DokStamp: a certificate issued without it cannot be traced and is not "
    "counted). Issued and expired certificates count; drafts and revoked ones do not. "
    "Suppressed like every published figure."
)
_COUNTS = ("with_certificate", "without_certificate")
# Colours of the two parts of a bar: completed with a certificate in the completed colour, without
# one in a palette colour of its own (grey means "not shown" in every chart).
_COUNT_COLOURS = (STATUS_COLOURS["completed"], OKABE_ITO["orange"])


@dataclass(frozen=True)
class CoverageHeadline:
    """The page's headline figures as text: each value, and the coverage's n and interval."""

    completed: str
    with_certificate: str
    coverage: str
    detail: str


def coverage_headline(coverage: pl.DataFrame) -> CoverageHeadline:
    """The total row of :func:`certificate_coverage` as headline text.

    A hidden value reads "n<10" when there are too few completed enrollments to publish, and
    "hidden" when it was hidden to protect a small count; the detail line gives n and the 95%
    Wilson interval of the coverage, or says why the coverage is hidden beside a shown n.
    """
    total = coverage.filter(pl.col("is_total")).row(0, named=True)
    note = total["suppression_note"]
    hidden = placeholder(note, short=True)

    def count(value: int | None) -> str:
        return hidden if value is None else f"{value:,}"

    rate, low, high = (
        total["certified_rate"],
        total["certified_rate_ci_low"],
        total["certified_rate_ci_high"],
    )
    if total["n"] is None:
        detail = f"{placeholder(note)} completed enrollments"
    else:
        detail = f"n = {total['n']:,} completed enrollments"
        if rate is None:
            detail += f" · coverage {PROTECTED}"
        elif low is not None and high is not None:
            detail += f" · 95% CI {low:.1%} – {high:.1%}"
    return CoverageHeadline(
        completed=count(total["n"]),
        with_certificate=count(total["with_certificate"]),
        coverage=hidden if rate is None else f"{rate:.1%}",
        detail=detail,
    )


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


def certificate_coverage_chart(coverage: pl.DataFrame, *, by: str) -> ChartSpec:
    """Stacked bars per group: completed enrollments with and without an issued certificate."""
    title = "Completed enrollments with and without a certificate"
    groups = coverage.filter(~pl.col("is_total"))
    if groups.is_empty():
        return no_data_chart(title=title)
    drawable = pl.all_horizontal(pl.col(column).is_not_null() for column in _COUNTS)
    shown = groups.filter(drawable).select(
        pl.col(by).cast(pl.String).fill_null("(none)").alias("group"), *_COUNTS, "n"
    )
    hidden = groups.height - shown.height
    subtitle = ["Completed enrollments only; issued (or expired) certificates."]
    if hidden:
        subtitle.append(
            f"{hidden} group(s) not shown: too small to publish ({SMALL_GROUP}) or {PROTECTED}."
        )
    bars = (
        alt.Chart(shown)
        .transform_fold(list(_COUNTS), as_=["certificate", "count"])
        .mark_bar()
        .encode(
            x=alt.X(
                "count:Q",
                title="Completed enrollments",
                stack="zero",
                axis=alt.Axis(format=COUNT_FORMAT, tickMinStep=1),
            ),
            y=alt.Y("group:N", title=None, sort="-x"),
            color=alt.Color(
                "certificate:N",
                title="Certificate",
                scale=alt.Scale(
                    domain=list(_COUNTS),
                    range=list(_COUNT_COLOURS),
                ),
                legend=alt.Legend(labelExpr="replace(datum.label, '_', ' ')"),
            ),
            tooltip=[
                alt.Tooltip("group:N", title="Group"),
                alt.Tooltip("certificate:N", title="Certificate"),
                alt.Tooltip("count:Q", title="Enrollments", format=",d"),
                alt.Tooltip("n:Q", title="n (completed)", format=",d"),
            ],
        )
        .properties(title=alt.Title(title, subtitle=subtitle), width=480)
    )
    themed: alt.Chart = apply_theme(bars)
    return themed
