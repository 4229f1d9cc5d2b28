"""The data layer: typed frames from DokStamp, cached on disk, kept in step with corrections.

``load_enrollments(settings)`` is the one entry point for the enrollment frame; the reference
frames load the same way. Writes go through ``dashboard.data.corrections``.

The names below are loaded on first use (PEP 562), so importing a polars-free module of the
package (``dashboard.data.vocabulary``, ``cache_keys``, ``source``) does not import polars.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Each public name and the module it lives in.
_HOMES = {
    "ConcurrentChangeError": "errors",
    "MalformedRecordError": "errors",
    "Extract": "extract",
    "certificate_frame": "frames",
    "cohort_frame": "frames",
    "course_frame": "frames",
    "enrollment_frame": "frames",
    "enrollment_record": "frames",
    "student_frame": "frames",
    "load_certificates": "loading",
    "load_cohorts": "loading",
    "load_courses": "loading",
    "load_enrollments": "loading",
    "load_students": "loading",
    "PageProgress": "progress",
    "page_progress": "progress",
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
