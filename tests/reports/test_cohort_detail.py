"""One-cohort details: built together they are the tables each gives alone, and the rows they
read are the filter's rows in a cohort."""

from __future__ import annotations

import polars as pl
import pytest

from dashboard.publication.one_cohort import OneCohort
from dashboard.reports import REPORTS, ReportInputError, build_report, build_reports

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
    algebra_uuid = report_data.cohort_uuids["ALG-2020"]
    cohort = OneCohort(algebra_uuid, report_data.enrollments, report_data.cohorts)
    assert cohort.members.get_column("cohort_uuid").null_count() == 0
    assert cohort.members.height == 70  # Algebra 40 and Biology 30; Chemistry has no cohort
    assert sorted(cohort.records.get_column("code").to_list()) == ["ALG-2020", "BIO-2023"]
    assert cohort.rows.height == 40
    assert cohort.sizes.rows() == sorted(
        (uuid, code, n) for code, uuid, n in (("ALG-2020", algebra_uuid, 40),
        ("BIO-2023", report_data.cohort_uuids["BIO-2023"], 30))
    )  # fmt: skip
    # Rows all in a cohort already are taken as they are.
    again = OneCohort(algebra_uuid, cohort.members, report_data.cohorts)
    assert again.members is cohort.members
    algebra = report_data.enrollments.filter(pl.col("cohort_uuid") == algebra_uuid)
    alone = OneCohort(algebra_uuid, algebra, report_data.cohorts)
    assert alone.records.get_column("code").to_list() == ["ALG-2020"]


def test_a_detail_without_its_cohort_is_refused(report_data: ReportData) -> None:
    with pytest.raises(ReportInputError, match="--detail-cohort"):
        build_reports(
            DETAILS, enrollments=report_data.enrollments, cohorts=report_data.cohorts,
            as_of=report_data.as_of,
        )  # fmt: skip
