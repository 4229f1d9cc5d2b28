"""Traceability: which completed enrollments have an issued certificate (joined on enrollment_uuid).

Only certificates that were issued count (``issued``, and ``expired`` which was issued once);
drafts and revoked certificates do not. Coverage is a rate over completed enrollments, published
like every other aggregate (small cells suppressed, with its Wilson interval).
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import polars as pl

from dashboard.charts import ChartSpec, apply_theme, no_data_chart
from dashboard.charts.placeholders import PROTECTED, SMALL_GROUP, placeholder
from dashboard.charts.theme import COUNT_FORMAT, OKABE_ITO, STATUS_COLOURS
from dashboard.publication.certificates import (
    COVERAGE_COUNTS,
    ISSUED_STATUSES,
    certificate_coverage,
    certificates_without_completion,
    completions_without_certificate,
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

CERTIFICATE_COVERAGE_DEFINITION = (
    "Certificate coverage = completed enrollments with an issued certificate / completed "
    "enrollments. A certificate belongs to an enrollment through its enrollment_uuid (an "
    "optional field in DokStamp: a certificate issued without it cannot be traced and is not "
    "counted). Issued and expired certificates count; drafts and revoked ones do not. "
    "Suppressed like every published figure."
)
_COUNTS = COVERAGE_COUNTS
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
