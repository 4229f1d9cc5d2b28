"""The data layer's public names are exactly those listed, and each is importable."""

from __future__ import annotations

import dashboard.data
import dashboard.data.corrections

EXPECTED = {
    "ConcurrentChangeError",
    "Extract",
    "MalformedRecordError",
    "PageProgress",
    "certificate_frame",
    "cohort_frame",
    "course_frame",
    "enrollment_frame",
    "enrollment_record",
    "load_certificates",
    "load_cohorts",
    "load_courses",
    "load_enrollments",
    "load_students",
    "page_progress",
    "student_frame",
}


def test_all_lists_the_public_names() -> None:
    assert set(dashboard.data.__all__) == EXPECTED
    for name in EXPECTED:
        assert getattr(dashboard.data, name) is not None


def test_corrections_module_offers_the_contract() -> None:
    for name in (
        "create_enrollment",
        "update_enrollment",
        "delete_enrollments",
        "read_corrections_log",
        "corrections_log_status",
        "ConcurrentChangeError",
        "CorrectionsLogError",
    ):
        assert name in dashboard.data.corrections.__all__
        assert callable(getattr(dashboard.data.corrections, name))
    assert dashboard.data.corrections.ConcurrentChangeError is dashboard.data.ConcurrentChangeError
