"""The registry of reports and the two calls everything uses: ``build_report`` and ``report_csv``.

The CLI's ``export`` and the dashboard's download buttons call these, so a report has one
definition: the same frames and options give the same table and the same CSV bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType
from typing import Unpack

import polars as pl

from dashboard.metrics import MetricsError, with_groupings
from dashboard.publication import (
    MIN_CELL,
    cohort_timeline_table,
    completion_table,
    filter_vs_all_table,
    grade_histogram_table,
    grade_summary_table,
    incidence_table,
    time_to_completion_table,
)
from dashboard.publication.certificates import certificate_coverage
from dashboard.publication.labels import with_policy_column
from dashboard.publication.one_cohort import (
    OneCohort,
    cohort_grade_summary,
    cohort_status,
    cohort_windows_detail,
)
from dashboard.reports.cohort_detail import cohort_detail, detail_cohort
from dashboard.reports.cohort_windows import cohort_windows
from dashboard.reports.completion import completion_by_cohort, completion_by_course
from dashboard.reports.csv_format import frame_to_csv
from dashboard.reports.definition import Report, ReportInputs, ReportOptions
from dashboard.reports.durations import completion_curves, time_to_completion_by_course
from dashboard.reports.errors import ReportInputError, UnknownReportError
from dashboard.reports.grades import grade_distribution, grade_summary_by_course
from dashboard.reports.records import corrections_log, data_quality_report, enrollment_rows
from dashboard.reports.timeline import cohort_timeline_report

__all__ = [
    "REPORTS",
    "Report",
    "ReportInputs",
    "ReportOptions",
    "build_report",
    "build_reports",
    "report_csv",
]


def _completion_by(column: str) -> Callable[[ReportInputs], pl.DataFrame]:
    """Completion and dropout rates per value of a derived grouping, then the overall row."""

    def build(inputs: ReportInputs) -> pl.DataFrame:
        table = completion_table(
            inputs.enrollments, by=[column], min_cell=inputs.min_cell, policy=inputs.policy
        )
        groups = table.filter(~pl.col("is_total")).sort(column, nulls_last=True)
        return pl.concat([groups, table.filter(pl.col("is_total"))])

    return build


def _certificates(inputs: ReportInputs) -> pl.DataFrame:
    if inputs.certificates is None:
        raise ReportInputError(
            "certificate-coverage needs the certificates frame (certificates=...)"
        )
    return inputs.certificates


def _windows(
    inputs: ReportInputs, enrollments: pl.DataFrame, cohorts: pl.DataFrame
) -> pl.DataFrame:
    """Cohort completion within normal time of ``enrollments`` with the report's options: a row
    per cohort the rows are in (a cohort the filter leaves out, or one without enrollments, is no
    row of n = 0)."""
    present = enrollments.get_column("cohort_uuid").drop_nulls().unique()
    return cohort_windows(
        enrollments,
        cohorts.filter(pl.col("uuid").is_in(present.implode())),
        as_of=inputs.as_of,
        min_cell=inputs.min_cell,
        policy=inputs.policy,
        windows=inputs.windows,
        course_normal_time_days=inputs.course_normal_time_days,
        exclusions=inputs.exclusions,
    )


def _corrections(inputs: ReportInputs) -> pl.DataFrame:
    if inputs.corrections is None:
        raise ReportInputError("corrections-log needs the corrections frame (corrections=...)")
    return corrections_log(inputs.corrections)


_REPORTS = (
    Report(
        "completion-by-course",
        "Completion by course",
        "Completion and dropout rates per course with n and 95% Wilson intervals, then all "
        "courses.",
        "aggregate",
        lambda i: completion_by_course(i.enrollments, min_cell=i.min_cell, policy=i.policy),
    ),
    Report(
        "completion-by-cohort",
        "Completion by cohort",
        "Completion and dropout rates per cohort (course, modality, planned dates), then all.",
        "aggregate",
        lambda i: completion_by_cohort(
            i.enrollments, i.cohorts, min_cell=i.min_cell, policy=i.policy
        ),
    ),
    Report(
        "completion-by-intake-year",
        "Completion by intake year",
        "Completion and dropout rates per intake year (calendar year of enrollment, UTC), then "
        "all.",
        "aggregate",
        _completion_by("intake_year"),
        needs_groupings=True,
    ),
    Report(
        "completion-by-modality",
        "Completion by modality",
        "Completion and dropout rates per modality of the enrollment's cohort, then all.",
        "aggregate",
        _completion_by("modality"),
        needs_groupings=True,
    ),
    Report(
        "cohort-windows",
        "Cohort completion within normal time",
        "Share of each cohort of the filter's enrollments completed within 100/150/200% of "
        "normal time; immature cohorts are 'in progress'.",
        "aggregate",
        lambda i: _windows(i, i.enrollments, i.cohorts),
    ),
    Report(
        "grade-distribution",
        "Grade distribution",
        "Graded enrollments per 0.5-wide grade bin, per course.",
        "aggregate",
        lambda i: grade_distribution(i.enrollments, min_cell=i.min_cell, policy=i.policy),
    ),
    Report(
        "grade-summary",
        "Grade summary",
        "Per course: graded and ungraded counts, quartiles, mean and the share below the pass "
        "mark.",
        "aggregate",
        lambda i: grade_summary_by_course(
            i.enrollments, min_cell=i.min_cell, pass_mark=i.pass_mark, policy=i.policy
        ),
    ),
    Report(
        "time-to-completion",
        "Time to completion",
        "Median and quartiles of days from enrollment to completion per course (completers only).",
        "aggregate",
        lambda i: time_to_completion_by_course(i.enrollments, min_cell=i.min_cell, policy=i.policy),
    ),
    Report(
        "completion-curves",
        "Cumulative incidence of completion",
        "Share completed by days since enrollment per course (Aalen-Johansen, censored at the "
        "extract date).",
        "aggregate",
        lambda i: completion_curves(
            i.enrollments, as_of=i.as_of, min_cell=i.min_cell, policy=i.policy
        ),
    ),
    Report(
        "cohort-timeline",
        "Cohort timeline",
        "Per cohort and month: new enrollments, completions and active headcount, with the "
        "planned window.",
        "aggregate",
        lambda i: cohort_timeline_report(
            i.enrollments, i.cohorts, as_of=i.as_of, min_cell=i.min_cell, policy=i.policy
        ),
    ),
    Report(
        "filter-vs-all",
        "Completion rate filter vs all",
        "The filter's overall completion and dropout rates beside all enrollments' (scope), "
        "each with its own n.",
        "aggregate",
        lambda i: filter_vs_all_table(
            i.enrollments,
            i.enrollments if i.unfiltered is None else i.unfiltered,
            min_cell=i.min_cell,
            policy=i.policy,
        ),
        reads_unfiltered=True,
    ),
    Report(
        "grade-histogram",
        "Grade distribution (all)",
        "Graded enrollments per 0.5-wide grade bin, over every enrollment in the filter.",
        "aggregate",
        lambda i: grade_histogram_table(i.enrollments, min_cell=i.min_cell, policy=i.policy),
    ),
    Report(
        "grades-by-group",
        "Grades by group",
        "Graded and ungraded counts, quartiles, mean and the share below the pass mark per "
        "group (--by course, cohort, intake_year or modality).",
        "aggregate",
        lambda i: grade_summary_table(
            i.enrollments, by=i.by, pass_mark=i.pass_mark, min_cell=i.min_cell, policy=i.policy
        ),
        needs_groupings=True,
        groupings=("course", "cohort", "intake_year", "modality"),
    ),
    Report(
        "completion-durations",
        "Time to completion by group",
        "Median and quartiles of days to completion (completers only) per group (--by course, "
        "intake_year or modality; all: one overall row).",
        "aggregate",
        lambda i: time_to_completion_table(
            i.enrollments, by=i.by, min_cell=i.min_cell, policy=i.policy
        ),
        needs_groupings=True,
        groupings=("course", "intake_year", "modality", "all"),
    ),
    Report(
        "completion-incidence",
        "Cumulative incidence of completion (all)",
        "Share completed by days since enrollment over every enrollment in the filter "
        "(Aalen-Johansen, censored at the extract date).",
        "aggregate",
        lambda i: incidence_table(
            i.enrollments, as_of=i.as_of, min_cell=i.min_cell, policy=i.policy
        ),
    ),
    Report(
        "certificate-coverage",
        "Certificate coverage by course",
        "Completed enrollments with and without an issued certificate per course, then all, "
        "with the coverage rate and its 95% Wilson interval.",
        "aggregate",
        lambda i: certificate_coverage(
            i.enrollments,
            _certificates(i),
            by=["course_uuid", "course_name"],
            min_cell=i.min_cell,
            policy=i.policy,
        ),
        needs_certificates=True,
    ),
    Report(
        "cohort-detail-timeline",
        "Cohort timeline (one cohort)",
        "One cohort (--detail-cohort) by month: new enrollments, completions and active "
        "headcount, as published in the timeline of every cohort in the filter.",
        "aggregate",
        cohort_detail(
            lambda i, cohort: cohort_timeline_table(
                cohort.enrollments,
                cohort.records,
                as_of=i.as_of,
                min_cell=i.min_cell,
                policy=i.policy,
                only=[cohort.uuid],
            )
        ),
        needs_detail_cohort=True,
    ),
    Report(
        "cohort-detail-status",
        "Cohort status (one cohort)",
        "One cohort's (--detail-cohort) row of completion by cohort over every cohort in the "
        "filter.",
        "aggregate",
        cohort_detail(
            lambda i, cohort: cohort_status(cohort, policy=i.policy, min_cell=i.min_cell)
        ),
        needs_detail_cohort=True,
    ),
    Report(
        "cohort-detail-windows",
        "Cohort completion within normal time (one cohort)",
        "One cohort's (--detail-cohort) rows of cohort completion within normal time over every "
        "cohort in the filter.",
        "aggregate",
        cohort_detail(
            lambda i, cohort: cohort_windows_detail(
                cohort,
                as_of=i.as_of,
                policy=i.policy,
                min_cell=i.min_cell,
                windows=i.windows,
                course_normal_time_days=i.course_normal_time_days,
                exclusions=i.exclusions,
            )
        ),
        needs_detail_cohort=True,
    ),
    Report(
        "cohort-detail-grades",
        "Cohort grade summary (one cohort)",
        "One cohort's (--detail-cohort) row of the grade summary by cohort over every cohort in "
        "the filter.",
        "aggregate",
        cohort_detail(
            lambda i, cohort: cohort_grade_summary(
                cohort, pass_mark=i.pass_mark, policy=i.policy, min_cell=i.min_cell
            )
        ),
        needs_detail_cohort=True,
    ),
    Report(
        "data-quality",
        "Data quality",
        "How many enrollments fail each data-quality check (every count, zeros too).",
        "aggregate",
        lambda i: data_quality_report(i.enrollments, i.cohorts, as_of=i.as_of),
        records_only=True,
    ),
    Report(
        "corrections-log",
        "Corrections log",
        "Every correction made through the dashboard: when, who, what, before and after.",
        "student-level",
        _corrections,
        needs_corrections=True,
        takes_filters=False,
    ),
    Report(
        "enrollments",
        "Enrollments",
        "The enrollment rows (student-level, not suppressed).",
        "student-level",
        lambda i: enrollment_rows(i.enrollments),
    ),
)

REPORTS: Mapping[str, Report] = MappingProxyType({report.name: report for report in _REPORTS})


def build_report(
    name: str,
    *,
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    as_of: datetime,
    **options: Unpack[ReportOptions],
) -> pl.DataFrame:
    """The report ``name`` as a frame, exactly as it is published.

    Parameters
    ----------
    name
        A key of ``REPORTS``.
    enrollments, cohorts
        ``ENROLLMENT_SCHEMA`` and ``COHORT_SCHEMA`` frames (e.g. ``load_enrollments(...).frame``).
    as_of
        The data's extract date (``Extract.fetched_at``): maturity of cohorts, future dates,
        censoring.
    corrections
        ``read_corrections_log(settings)``; needed by ``corrections-log`` only.
    filters
        Applied to the enrollment rows before anything is counted.
    min_cell
        The minimum cell of the disclosure policy (metrics.md §6); at least 1.
    policy
        ``internal``, ``public`` or ``none`` (metrics.md §6); None: the report's default
        (internal for aggregates, none for student-level rows). The frame's last column,
        ``policy``, names it.
    pass_mark, windows, course_normal_time_days, exclusions
        Passed to the grade summary and the cohort-windows metric.
    by
        The grouping of a report that takes one (``Report.groupings``: course, cohort,
        intake_year, modality, or all for none); None: the report's default.
    detail_cohort
        The cohort (uuid) of a one-cohort detail report (``Report.needs_detail_cohort``).
    certificates
        ``load_certificates(settings).frame``; needed by ``certificate-coverage`` only.
    unfiltered
        Where ``enrollments`` were filtered already (the dashboard's rows, no ``filters``
        given): the rows before that filter, for a report that compares with every row
        (filter-vs-all). None: ``enrollments`` before ``filters``.

    The optional arguments are those of ``ReportOptions`` (with their defaults there).

    Raises
    ------
    UnknownReportError
        No report has this name.
    ReportInputError
        An input is missing or an option is out of range.
    """
    return build_reports([name], enrollments=enrollments, cohorts=cohorts, as_of=as_of, **options)[
        name
    ]


def build_reports(
    names: Sequence[str],
    *,
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    as_of: datetime,
    **options: Unpack[ReportOptions],
) -> dict[str, pl.DataFrame]:
    """``build_report`` of each of ``names`` with the same frames and options, by name.

    The same tables as one ``build_report`` call per name; the rows in a cohort that the
    one-cohort details read (their cohorts' records, the chosen cohort's rows and every cohort's
    size) are picked once for all of them.
    """
    built: dict[str, pl.DataFrame] = {}
    detail: OneCohort | None = None
    for name in names:
        report, inputs = _report_inputs(name, enrollments, cohorts, as_of, options)
        if report.needs_detail_cohort:
            detail = detail or detail_cohort(inputs)
            inputs = replace(inputs, detail=detail)
        try:
            frame = report.build(inputs)
        except MetricsError as error:
            raise ReportInputError(f"{name}: {error}") from error
        built[name] = with_policy_column(frame, inputs.policy)
    return built


def _report_inputs(
    name: str,
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    as_of: datetime,
    options: ReportOptions,
) -> tuple[Report, ReportInputs]:
    """The report ``name`` and its inputs, options checked (``build_report``'s errors)."""
    report = REPORTS.get(name)
    if report is None:
        raise UnknownReportError(f"unknown report {name!r}; reports: {', '.join(REPORTS)}")
    unknown = sorted(set(options) - set(ReportOptions.__annotations__))
    if unknown:  # what mypy refuses, refused at run time too (a notebook's typo)
        raise TypeError(f"build_report() got unexpected keyword arguments: {', '.join(unknown)}")
    filters = options.get("filters")
    min_cell = options.get("min_cell", MIN_CELL)
    if min_cell < 1:
        raise ReportInputError(f"min_cell must be at least 1, got {min_cell}")
    chosen = report.checked_policy(options.get("policy"))
    by = report.grouping_columns(options.get("by"))
    detail = report.checked_detail_cohort(options.get("detail_cohort"))
    unfiltered = options.get("unfiltered")
    active = filters is not None and filters.active
    if active and not report.takes_filters:
        raise ReportInputError(f"{name} takes no filters")
    wanted = {"intake_year", "modality"}
    needs = report.needs_groupings or (
        filters is not None and bool(filters.intake_years or filters.modalities)
    )
    if needs and not wanted <= set(enrollments.columns):
        enrollments = with_groupings(enrollments, cohorts)
    rows = filters.apply(enrollments) if filters is not None else enrollments
    inputs = ReportInputs(
        enrollments=rows,
        cohorts=cohorts,
        corrections=options.get("corrections"),
        as_of=as_of,
        min_cell=min_cell,
        policy=chosen,
        pass_mark=options.get("pass_mark", 5.0),
        windows=tuple(options.get("windows", (100, 150, 200))),
        course_normal_time_days=options.get("course_normal_time_days"),
        exclusions=options.get("exclusions"),
        by=by,
        unfiltered=unfiltered if unfiltered is not None else enrollments,
        certificates=options.get("certificates"),
        detail_cohort=detail,
    )
    return report, inputs


def report_csv(
    name: str,
    *,
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    as_of: datetime,
    bom: bool = False,
    **options: Unpack[ReportOptions],
) -> bytes:
    """``build_report`` formatted by ``frame_to_csv`` (UTF-8, ISO dates, formula-safe)."""
    frame = build_report(name, enrollments=enrollments, cohorts=cohorts, as_of=as_of, **options)
    return frame_to_csv(frame, bom=bom)
