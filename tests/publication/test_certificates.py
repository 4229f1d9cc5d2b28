"""Certificate coverage as published (the Traceability page and the certificate-coverage report)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from dashboard.data.schema import CERTIFICATE_SCHEMA
from dashboard.publication import DisclosurePolicy
from dashboard.publication.certificates import (
    certificate_coverage,
    certificates_without_completion,
    completions_without_certificate,
)
from dashboard.reports import ReportInputError, build_report

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def _enrollments(course: str, completed: int, enrolled: int = 0) -> pl.DataFrame:
    statuses = ["completed"] * completed + ["enrolled"] * enrolled
    return pl.DataFrame(
        {
            "uuid": [f"{course}-{i}" for i in range(len(statuses))],
            "completion_status": statuses,
            "course_uuid": [f"uuid-{course}"] * len(statuses),
            "course_name": [course] * len(statuses),
        }
    )


def _certificates(links: list[tuple[str, str]]) -> pl.DataFrame:
    rows: dict[str, list[object]] = {name: [None] * len(links) for name in CERTIFICATE_SCHEMA}
    rows["uuid"] = [f"cert-{i}" for i in range(len(links))]
    rows["enrollment_uuid"] = [link for link, _ in links]
    rows["status"] = [status for _, status in links]
    return pl.DataFrame(rows, schema=CERTIFICATE_SCHEMA)


# Arts: 20 completed, 18 with an issued certificate (one of them expired); Nursing: 12
# completed, 9 issued (one more is only a draft); Law: 4 completed (a group under 10), 1 still
# enrolled who has an issued certificate.
ENROLLMENTS = pl.concat(
    [_enrollments("Arts", 20), _enrollments("Nursing", 12), _enrollments("Law", 4, enrolled=1)]
)
CERTIFICATES = _certificates(
    [(f"Arts-{i}", "issued") for i in range(17)]
    + [("Arts-17", "expired")]
    + [(f"Nursing-{i}", "issued") for i in range(9)]
    + [("Nursing-9", "draft"), ("Law-4", "issued")]
)


def test_internal_coverage_by_course_hand_computed() -> None:
    table = certificate_coverage(
        ENROLLMENTS, CERTIFICATES, by=["course_name"], policy=DisclosurePolicy.INTERNAL
    )
    rows = {row["course_name"]: row for row in table.iter_rows(named=True) if not row["is_total"]}
    total = table.filter(pl.col("is_total")).row(0, named=True)
    assert (rows["Arts"]["n"], rows["Arts"]["with_certificate"]) == (20, 18)
    assert rows["Arts"]["certified_rate"] == pytest.approx(18 / 20)
    assert rows["Law"]["n"] is None  # 4 completed: under 10, no count and no rate
    assert rows["Law"]["suppression_note"] == "n<10"
    # With the total (36) shown, Law's 4 would be 36 - 20 - 12: the next-smallest group,
    # Nursing, is hidden too, so the hidden part (16) is 10 or more.
    assert (total["n"], total["with_certificate"]) == (36, 27)
    assert rows["Nursing"]["n"] is None
    assert rows["Nursing"]["suppressed"]


def test_public_shows_no_count_under_ten() -> None:
    table = certificate_coverage(
        ENROLLMENTS, CERTIFICATES, by=["course_name"], policy=DisclosurePolicy.PUBLIC
    )
    for column in ("n", "with_certificate", "without_certificate"):
        shown = [value for value in table.get_column(column).to_list() if value is not None]
        assert all(value >= 10 for value in shown), (column, shown)


def test_rows_behind_the_counts() -> None:
    missing = completions_without_certificate(ENROLLMENTS, CERTIFICATES)
    assert sorted(missing.get_column("uuid").to_list()) == [
        "Arts-18", "Arts-19", "Law-0", "Law-1", "Law-2", "Law-3",
        "Nursing-10", "Nursing-11", "Nursing-9",
    ]  # fmt: skip
    orphans = certificates_without_completion(ENROLLMENTS, CERTIFICATES)
    assert orphans.get_column("enrollment_uuid").to_list() == ["Law-4"]  # still enrolled


def test_the_report_is_the_published_table_with_its_policy() -> None:
    report = build_report(
        "certificate-coverage",
        enrollments=ENROLLMENTS,
        cohorts=pl.DataFrame(),
        as_of=AS_OF,
        certificates=CERTIFICATES,
    )
    table = certificate_coverage(ENROLLMENTS, CERTIFICATES, by=["course_uuid", "course_name"])
    assert report.drop("policy").equals(table)
    assert report.get_column("policy").unique().to_list() == ["internal"]


def test_the_report_needs_the_certificates() -> None:
    with pytest.raises(ReportInputError, match="certificates"):
        build_report(
            "certificate-coverage", enrollments=ENROLLMENTS, cohorts=pl.DataFrame(), as_of=AS_OF
        )
