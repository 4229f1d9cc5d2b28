"""Plain-language definitions of every metric, with its source, for the app's definitions page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

WILSON_SOURCE = (
    "Brown, Cai & DasGupta (2001), Interval Estimation for a Binomial Proportion, Statistical "
    "Science 16:101-133; Newcombe (1998), Statistics in Medicine 17:857-872"
)
IPEDS_SOURCE = (
    "IPEDS Graduation Rates survey (NCES): completers within 100%, 150% and 200% of normal time, "
    "over the entering cohort minus allowable exclusions"
)
AJ_SOURCE = (
    "Aalen & Johansen (1978), Scandinavian Journal of Statistics 5:141-150; Fine & Gray (1999), "
    "JASA 94:496-509 (subdistribution risk set; with censoring times known for everyone, subjects "
    "with the competing event stay at risk until their censoring time); Geskus (2011), Biometrics "
    "67:39-49"
)
SUPPRESSION_SOURCE = (
    "NCES 2011-603, SLDS Technical Brief 3: Statistical Methods for Protecting Personally "
    "Identifiable Information in Aggregate Reporting (minimum cell size, complementary suppression)"
)


@dataclass(frozen=True)
class MetricDefinition:
    """What a metric counts, over which denominator, its caveat and its public source."""

    name: str
    title: str
    counted: str
    denominator: str
    caveat: str
    source: str
    functions: tuple[str, ...] = ()


_DEFINITIONS = (
    MetricDefinition(
        name="wilson_interval",
        title="95% confidence interval (Wilson score)",
        counted="For k of n: centre (p + z²/2n)/(1 + z²/n), half-width "
        "z·sqrt(p(1-p)/n + z²/4n²)/(1 + z²/n), with p = k/n and z = 1.96.",
        denominator="The n of the rate it belongs to.",
        caveat="Shown for every rate. It stays inside 0-100%, is 0 (or 100%) at one end when k = 0 "
        "(or k = n), and is absent when n = 0. Not the Wald or Agresti-Coull interval.",
        source=WILSON_SOURCE,
        functions=("wilson_interval", "wilson_bounds", "rate_with_interval"),
    ),
    MetricDefinition(
        name="completion_rate",
        title="Completion rate",
        counted="Enrollments whose status is completed.",
        denominator="n: every enrollment in the group, whatever its status (still enrolled and "
        "dropped included).",
        caveat="Groups with recent enrollments include students who may still complete; compare "
        "mature cohorts with the cohort completion rate instead. Rows without a status count in n "
        "only (see data quality).",
        source="metrics.md §1; " + WILSON_SOURCE,
        functions=("completion_rates",),
    ),
    MetricDefinition(
        name="dropout_rate",
        title="Dropout rate",
        counted="Enrollments whose status is dropped.",
        denominator="n: every enrollment in the group.",
        caveat="Drops carry no date, so a dropout rate cannot be placed in time.",
        source="metrics.md §1; " + WILSON_SOURCE,
        functions=("completion_rates",),
    ),
    MetricDefinition(
        name="filter_vs_all",
        title="Filtered rate beside the unfiltered rate",
        counted="The completion and dropout rates of the filtered enrollments and of all of them.",
        denominator="Each row's own n (the filtered n, and the unfiltered n).",
        caveat="The two are not independent samples (the filtered ones are part of all); do not "
        "read the gap between intervals as a test.",
        source="metrics.md §1",
        functions=("filter_vs_all",),
    ),
    MetricDefinition(
        name="groupings",
        title="Intake year and modality",
        counted="intake_year: calendar year (UTC) of the enrollment date; modality: the modality "
        "of the enrollment's cohort.",
        denominator="Not a rate.",
        caveat="Enrollments without a cohort have no modality (shown as a group of their own).",
        source="metrics.md §1 (groupings)",
        functions=("with_groupings",),
    ),
    MetricDefinition(
        name="cohort_completion_within_normal_time",
        title="Cohort completion within 100% / 150% / 200% of normal time",
        counted="Enrollments of the cohort that are completed with completed_at - enrolled_at at "
        "most w% of the cohort's normal time (end_date - start_date of the cohort record; where "
        "the cohort has no dates, the course's normal time setting).",
        denominator="n: the cohort's enrollments minus those on the exclusion list (the excluded "
        "count is shown beside it).",
        caveat="Shown only for mature cohorts: start_date + w% of normal time must be on or before "
        "the extract date (for a cohort without a start date: its latest enrollment + w%). Younger "
        "cohorts are 'in progress'; cohorts with neither dates nor a course setting show 'no "
        "normal time'. Enrollments without a cohort are in no cohort rate.",
        source=IPEDS_SOURCE + "; metrics.md §2",
        functions=("cohort_completion_windows",),
    ),
    MetricDefinition(
        name="time_to_completion",
        title="Time to completion (completers only)",
        counted="Days from enrolled_at to completed_at: median, quartiles (linear interpolation) "
        "and mean.",
        denominator="Completers only: completed enrollments with a completed_at on or after "
        "enrolled_at (others are counted in n_excluded).",
        caveat="Completers only: it ignores everyone who has not finished and is biased toward "
        "fast finishers. Use the cumulative incidence curve for the whole group.",
        source="metrics.md §3",
        functions=("time_to_completion",),
    ),
    MetricDefinition(
        name="cumulative_incidence_of_completion",
        title="Cumulative incidence of completion",
        counted="Share of the group completed by t days after enrollment, Aalen-Johansen type "
        "product-limit estimate with completion and dropout as competing events.",
        denominator="Everyone at risk at t: enrollments not yet completed whose follow-up (extract "
        "date - enrolled_at) reaches t. Still-enrolled students are right-censored at the extract "
        "date.",
        caveat="Censoring choice: drops have no date, so their exit cannot be placed in time. A "
        "dropped enrollment stays in the risk set, never completing, until its censoring time (the "
        "extract date), as in Fine & Gray's subdistribution risk set with censoring times known "
        "for all; this estimates P(completed by t) without drop dates. It is NOT 1 - Kaplan-Meier "
        "with drops censored at their drop, which overstates completion. Published curves are "
        "thinned: a point is shown only once at least min_cell completions have happened since "
        "the previous shown point (the first point too), because a step of the curve times the "
        "number at risk gives the completions at that step. A point's n events counts the "
        "completions since the previous shown point; n at risk is shown at those points only. "
        "Between points the curve is drawn flat at the last shown value, so it lags the estimate "
        "a little; it starts at 0 on day 0 and stops where fewer than min_cell are at risk.",
        source=AJ_SOURCE + "; metrics.md §3",
        functions=("cumulative_incidence", "thin_curve_for_publication"),
    ),
    MetricDefinition(
        name="cumulative_incidence_of_dropout",
        title="Cumulative incidence of dropout",
        counted="Share of the group dropped by t days after enrollment (Aalen-Johansen), only "
        "where drops carry a date (a drop-date column passed as dropped_at).",
        denominator="Everyone still enrolled and under observation at t.",
        caveat="DokStamp data has no drop date: the dropout curve is not estimable from it and is "
        "not shown. Only the share dropped by the extract date (the dropout rate) is known. "
        "Where drop dates exist, the published curve is thinned like the completion curve "
        "(a point every min_cell or more drops).",
        source=AJ_SOURCE + "; metrics.md §3",
        functions=("cumulative_incidence",),
    ),
    MetricDefinition(
        name="grade_distribution",
        title="Grade distribution",
        counted="Graded enrollments per fixed bin over 0-10 (width 0.5 by default), each bin "
        "closed on the left, the last closed on both ends ([9.5, 10]).",
        denominator="n graded: enrollments with a grade from 0 to 10.",
        caveat="Grades outside 0-10 are not binned: they are counted with the enrollments "
        "without a valid grade (n_ungraded) and listed by data quality.",
        source="metrics.md §4",
        functions=("grade_histogram",),
    ),
    MetricDefinition(
        name="grade_summary",
        title="Grade summary",
        counted="Mean, quartiles (linear interpolation), min and max of grades from 0 to 10; n "
        "graded and n without a valid grade beside them.",
        denominator="n graded: enrollments with a grade from 0 to 10. n without a valid grade "
        "(n_ungraded) counts enrollments with no grade or a grade outside 0-10 (not counted "
        "apart: the data-quality page lists those rows to editors); n = n graded + n without a "
        "valid grade.",
        caveat="Min and max are one student's grade each: they are dropped from published "
        "(suppressed) summaries.",
        source="metrics.md §4",
        functions=("grade_summary",),
    ),
    MetricDefinition(
        name="below_threshold_rate",
        title="Below the pass mark",
        counted="Graded enrollments with a grade under the pass mark (default 5.0 on 0-10; the "
        "pass_mark column states the one used). The DFW idea, on grades.",
        denominator="n graded (enrollments without a grade are not in it).",
        caveat="Withdrawals are not in it: see the dropout rate.",
        source="metrics.md §4; " + WILSON_SOURCE,
        functions=("grade_summary",),
    ),
    MetricDefinition(
        name="cohort_timeline",
        title="Cohort timeline",
        counted="Per cohort and calendar month (UTC): new enrollments (enrolled_at), completions "
        "(completed_at), and the active headcount at the end of the month (enrolled by then, "
        "not completed by then, and not dropped).",
        denominator="Not a rate.",
        caveat="Drops carry no date: the drops column is empty and dropped enrollments are never "
        "counted as active, so past headcounts are understated by the drops that had not yet "
        "happened. Events after the extract date are not counted (see data quality). Published "
        "timelines hide small counts together with the headcounts and other months that would "
        "give them back: one month's headcount minus the previous month's is that month's new "
        "enrollments minus its completions, and the months add up to the cohort's n and "
        "completed shown by the completion tables.",
        source="metrics.md §5",
        functions=("cohort_timeline", "published_cohort_timeline"),
    ),
    MetricDefinition(
        name="cohort_planned_window",
        title="Planned window of a cohort",
        counted="start_date to end_date of the cohort record.",
        denominator="Not a rate.",
        caveat="Cohorts without dates have no planned window.",
        source="metrics.md §5",
        functions=("cohort_windows_planned",),
    ),
    MetricDefinition(
        name="data_quality",
        title="Data-quality checks",
        counted="Enrollments failing each check (flags, not fixes); QUALITY_CHECKS lists them.",
        denominator="Not a rate: counts of rows, with the rows behind each count for editors.",
        caveat="Future dates are judged against the extract date (by the correction forms, "
        "against today). Nothing is corrected silently; the forms refuse a record that fails a "
        "check (checks_failed_by).",
        source="metrics.md §7",
        functions=("data_quality", "data_quality_rows", "checks_failed_by"),
    ),
    MetricDefinition(
        name="small_cell_suppression",
        title="Small-cell suppression",
        counted="No published count below min_cell (default 10), 0 included; a group with n < "
        "min_cell shows no count and no rate ('n<10'). Further counts are hidden until no hidden "
        "count, and no small rest of a shown total, can be worked out from what is shown; a rate "
        "is hidden with its count or its denominator. No count is hidden that the shown ones "
        "still give exactly (hiding it would protect nothing).",
        denominator="Applies to every chart mark, table and exported aggregate alike.",
        caveat="Hidden values are blank, never 0. Student-level views for editors are not "
        "publications and are not suppressed. Curves and statistics are protected through the "
        "counts they rest on.",
        source=SUPPRESSION_SOURCE + "; metrics.md §6",
        functions=("suppress_small_cells", "suppression_layout"),
    ),
)

DEFINITIONS: Mapping[str, MetricDefinition] = MappingProxyType({d.name: d for d in _DEFINITIONS})


def definitions_for(function: str) -> tuple[MetricDefinition, ...]:
    """The definitions of the metrics a public metric function computes (empty if none)."""
    return tuple(d for d in DEFINITIONS.values() if function in d.functions)
