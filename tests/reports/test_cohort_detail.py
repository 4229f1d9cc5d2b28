"""One-cohort details: built together they are the tables each gives alone, and the rows they
read are the filter's rows in a cohort."""

from __future__ import annotations

import polars as pl
import pytest

from dashboard.reports import REPORTS, ReportInputError, build_report, build_reports
from dashboard.reports.cohort_detail import cohort_members

from .conftest import ReportData

DETAILS = [name for name, report in REPORTS.items() if report.needs_detail_cohort]


@pytest.mark.parametrize("policy", ["internal", "public", "none"])
def test_details_built_together_are_the_tables_built_alone(
    report_data: ReportData, policy: str
) -> None:
    for cohort in report_data.cohort_uuids.values():
        given = {
            "enrollments": report_data.enrollments,
            "cohorts": report_data.cohorts,
            "as_of": report_data.as_of,
            "policy": policy,
            "detail_cohort": cohort,
        }
        together = build_reports(DETAILS, **given)  # type: ignore[arg-type]
        assert list(together) == DETAILS
        for name in DETAILS:
            alone = build_report(name, **given)  # type: ignore[arg-type]
            assert together[name].equals(alone, null_equal=True), name


def test_members_are_the_rows_in_a_cohort_and_their_records(report_data: ReportData) -> None:
    members = cohort_members(report_data.enrollments, report_data.cohorts)
    assert members.rows.get_column("cohort_uuid").null_count() == 0
    assert members.rows.height == 70  # Algebra 40 and Biology 30; Chemistry has no cohort
    assert sorted(members.records.get_column("code").to_list()) == ["ALG-2020", "BIO-2023"]
    # Rows all in a cohort already are taken as they are.
    assert cohort_members(members.rows, report_data.cohorts).rows is members.rows
    algebra = report_data.enrollments.filter(
        pl.col("cohort_uuid") == report_data.cohort_uuids["ALG-2020"]
    )
    assert cohort_members(algebra, report_data.cohorts).records.get_column("code").to_list() == [
        "ALG-2020"
    ]


def test_a_detail_without_its_cohort_is_refused(report_data: ReportData) -> None:
    with pytest.raises(ReportInputError, match="--detail-cohort"):
        build_reports(
            DETAILS, enrollments=report_data.enrollments, cohorts=report_data.cohorts,
            as_of=report_data.as_of,
        )  # fmt: skip
