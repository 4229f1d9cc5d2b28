"""The data layer: typed frames from DokStamp, cached on disk, kept in step with corrections.

``load_enrollments(settings)`` is the one entry point for the enrollment frame; the reference
frames load the same way. Writes go through ``dashboard.data.corrections``.
"""

from dashboard.data.errors import ConcurrentChangeError, MalformedRecordError
from dashboard.data.extract import Extract
from dashboard.data.frames import (
    certificate_frame,
    cohort_frame,
    course_frame,
    enrollment_frame,
    enrollment_record,
    student_frame,
)
from dashboard.data.loading import (
    load_certificates,
    load_cohorts,
    load_courses,
    load_enrollments,
    load_students,
)
from dashboard.data.progress import PageProgress, page_progress

__all__ = [
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
]
