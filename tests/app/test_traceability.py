"""Certificate coverage of completed enrollments."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from dashboard.app.traceability import (
    certificate_coverage,
    certificate_coverage_chart,
    certificates_without_completion,
    completions_without_certificate,
    coverage_headline,
)
from dashboard.charts.theme import OKABE_ITO, PLACEHOLDER_STROKE
from dashboard.data.schema import CERTIFICATE_SCHEMA
from dashboard.publication import DisclosurePolicy


def _enrollments(statuses: list[str], course: str = "A") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "uuid": [f"{course}{i}" for i in range(len(statuses))],
            "completion_status": statuses,
            "course_name": [course] * len(statuses),
        }
    )


def _certificates(links: list[tuple[str | None, str]]) -> pl.DataFrame:
    rows: dict[str, list[object]] = {name: [None] * len(links) for name in CERTIFICATE_SCHEMA}
    rows["uuid"] = [f"cert{i}" for i in range(len(links))]
    rows["enrollment_uuid"] = [link for link, _ in links]
    rows["status"] = [status for _, status in links]
    rows["issued_at"] = [datetime(2025, 1, 1, tzinfo=UTC)] * len(links)
    return pl.DataFrame(rows, schema=CERTIFICATE_SCHEMA)


ENROLLMENTS = pl.concat(
    [_enrollments(["completed"] * 30 + ["enrolled"] * 5), _enrollments(["completed"] * 25, "C")]
)
WITH_SMALL_COURSE = pl.concat([ENROLLMENTS, _enrollments(["completed"] * 4, "B")])
CERTIFICATES = _certificates(
    [(f"A{i}", "issued") for i in range(14)]
    + [(f"C{i}", "issued") for i in range(12)]
    + [
        ("A20", "revoked"),
        ("A21", "draft"),
        ("A22", "expired"),
        ("A30", "issued"),
        (None, "issued"),
    ]
)


def test_only_issued_certificates_count() -> None:
    coverage = certificate_coverage(ENROLLMENTS, CERTIFICATES, by=["course_name"])
    a = coverage.filter(pl.col("course_name") == "A").row(0, named=True)
    assert a["n"] == 30
    assert a["with_certificate"] == 15  # 14 issued + 1 expired; revoked and draft do not count
    assert a["without_certificate"] == 15
    assert a["certified_rate"] == 0.5
    total = coverage.filter(pl.col("is_total")).row(0, named=True)
    assert total["n"] == 55
    assert total["with_certificate"] == 27


def test_small_course_is_suppressed() -> None:
    coverage = certificate_coverage(WITH_SMALL_COURSE, CERTIFICATES, by=["course_name"])
    b = coverage.filter(pl.col("course_name") == "B").row(0, named=True)
    assert b["suppressed"] is True
    assert b["certified_rate"] is None


def test_rows_for_editors() -> None:
    missing = completions_without_certificate(ENROLLMENTS, CERTIFICATES)
    assert missing.height == 15 + 13
    orphans = certificates_without_completion(ENROLLMENTS, CERTIFICATES)
    # A30 is an enrolled (not completed) enrollment.
    assert orphans.get_column("enrollment_uuid").to_list() == ["A30"]


def test_chart_draws_published_groups_only() -> None:
    coverage = certificate_coverage(ENROLLMENTS, CERTIFICATES, by=["course_name"])
    spec = certificate_coverage_chart(coverage, by="course_name").to_dict()
    values = next(iter(spec["datasets"].values()))
    assert {row["group"] for row in values} == {"A", "C"}
    small = certificate_coverage(WITH_SMALL_COURSE, CERTIFICATES, by=["course_name"])
    small_spec = certificate_coverage_chart(small, by="course_name").to_dict()
    drawn = {row["group"] for row in next(iter(small_spec["datasets"].values()))}
    assert "B" not in drawn
    assert "not shown" in str(small_spec["title"])


def test_chart_colours_and_axis() -> None:
    coverage = certificate_coverage(ENROLLMENTS, CERTIFICATES, by=["course_name"])
    spec = certificate_coverage_chart(coverage, by="course_name").to_dict()
    encoding = spec["encoding"]
    colours = encoding["color"]["scale"]["range"]
    # "Without certificate" has a palette colour of its own: grey means "not shown".
    assert colours[1] == OKABE_ITO["orange"]
    assert PLACEHOLDER_STROKE not in colours
    assert encoding["x"]["axis"]["format"] == ",d"  # 1,400, not 1.4e+3


def test_headline_shows_the_interval_beside_the_coverage() -> None:
    headline = coverage_headline(certificate_coverage(ENROLLMENTS, CERTIFICATES))
    assert (headline.completed, headline.with_certificate, headline.coverage) == (
        "55",
        "27",
        "49.1%",
    )
    assert headline.detail.startswith("n = 55 completed enrollments · 95% CI ")
    assert headline.detail.endswith("%")


def test_headline_of_a_small_group() -> None:
    headline = coverage_headline(
        certificate_coverage(_enrollments(["completed"] * 4), CERTIFICATES)
    )
    assert (headline.completed, headline.coverage) == ("n<10", "n<10")
    assert headline.detail == "n<10 completed enrollments"


PUBLIC = DisclosurePolicy.PUBLIC


def test_headline_when_only_the_counts_are_hidden() -> None:
    # 40 completed, 35 with a certificate: the 5 without one are a small count, so the coverage
    # (from which it follows) is hidden too, beside a shown n: "hidden", never "n<10".
    enrollments = _enrollments(["completed"] * 40, "D")
    certificates = _certificates([(f"D{i}", "issued") for i in range(35)])
    headline = coverage_headline(certificate_coverage(enrollments, certificates, policy=PUBLIC))
    assert headline.completed == "40"
    assert headline.coverage == "hidden"
    assert (
        headline.detail == "n = 40 completed enrollments · coverage hidden to protect a small count"
    )


def test_internal_headline_shows_the_coverage_of_a_group_of_ten_or_more() -> None:
    # The same 40 completed enrollments for staff: 35 of 40 covered, with its interval.
    enrollments = _enrollments(["completed"] * 40, "D")
    certificates = _certificates([(f"D{i}", "issued") for i in range(35)])
    headline = coverage_headline(certificate_coverage(enrollments, certificates))
    assert (headline.completed, headline.with_certificate, headline.coverage) == (
        "40",
        "35",
        "87.5%",
    )
    assert headline.detail.startswith("n = 40 completed enrollments · 95% CI ")
