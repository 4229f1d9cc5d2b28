"""The frames one dashboard view needs, loaded together through the data layer.

A ``Dataset`` holds the enrollments (with the derived ``intake_year`` and ``modality`` columns),
the reference frames, the filter choices and where/when the data was read. It is built once per
load and shared by every page: polars frames are immutable, so sharing them is safe. The student
list is read only when asked for (editors: the create form's picker), so viewers start lighter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from dashboard.app.global_filters import FilterOptions, filter_options
from dashboard.client import DokStampError
from dashboard.data import (
    Extract,
    load_certificates,
    load_cohorts,
    load_courses,
    load_enrollments,
    load_students,
)
from dashboard.metrics import with_groupings
from dashboard.settings import Settings

__all__ = ["RESOURCES", "Dataset", "assemble_dataset", "load_dataset"]

# The order resources are read in; the progress callback names them ("students" last, when read).
RESOURCES = ("enrollments", "courses", "cohorts", "certificates", "students")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Dataset:
    """Everything the pages show, from one load."""

    enrollments: pl.DataFrame
    courses: pl.DataFrame
    cohorts: pl.DataFrame
    certificates: pl.DataFrame
    # Every student of the tenant (STUDENT_SCHEMA), or None when not read (viewers) or unreadable.
    students: pl.DataFrame | None
    students_error: DokStampError | None
    options: FilterOptions
    fetched_at: datetime | None
    stale: bool
    from_cache: bool
    errors: tuple[DokStampError, ...]
    cache_dir: Path
    # Why freshly fetched frames could not be kept in the cache folder, one line per resource.
    cache_errors: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether the tenant has no enrollments at all."""
        return self.enrollments.is_empty()


def assemble_dataset(
    *,
    enrollments: Extract,
    courses: Extract,
    cohorts: Extract,
    certificates: Extract,
    students: Extract | DokStampError | None = None,
) -> Dataset:
    """Join the extracts into a dataset; the oldest fetch time is the data's extract time.

    ``students`` is the student list's extract, the error that kept it from being read (the
    dataset is still usable: only the create form's picker needs it), or None when not read. It
    takes no part in the extract time (no figure is computed from it), but a stale student list
    makes the dataset stale.
    """
    extracts = (enrollments, courses, cohorts, certificates)
    fetched = [extract.fetched_at for extract in extracts if extract.fetched_at is not None]
    read = [*extracts, students] if isinstance(students, Extract) else list(extracts)
    frame = with_groupings(enrollments.frame, cohorts.frame)
    return Dataset(
        enrollments=frame,
        courses=courses.frame,
        cohorts=cohorts.frame,
        certificates=certificates.frame,
        students=students.frame if isinstance(students, Extract) else None,
        students_error=students if isinstance(students, DokStampError) else None,
        options=filter_options(frame, cohorts.frame),
        fetched_at=min(fetched) if fetched else None,
        stale=any(extract.stale for extract in read),
        from_cache=all(extract.from_cache for extract in extracts),
        errors=tuple(extract.error for extract in read if extract.error is not None),
        cache_dir=enrollments.cache_dir,
        cache_errors=tuple(
            f"{name}: {extract.cache_error}"
            for name, extract in zip(RESOURCES, read, strict=False)
            if extract.cache_error is not None
        ),
    )


def load_dataset(
    settings: Settings,
    *,
    refresh: bool = False,
    progress: Progress | None = None,
    students: bool = False,
) -> Dataset:
    """Read every resource through the data layer (cache first unless ``refresh``).

    ``progress(resource, pages_done, pages_total)`` is called as pages arrive. ``students``: also
    read the student list (for editors); if it cannot be read and nothing is cached, the dataset
    carries the error in ``students_error`` instead of failing.
    """

    def reporter(resource: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda done, total: progress(resource, done, total)

    enrollments = load_enrollments(settings, refresh=refresh, progress=reporter("enrollments"))
    courses = load_courses(settings, refresh=refresh, progress=reporter("courses"))
    cohorts = load_cohorts(settings, refresh=refresh, progress=reporter("cohorts"))
    certificates = load_certificates(settings, refresh=refresh, progress=reporter("certificates"))
    student_list: Extract | DokStampError | None = None
    if students:
        try:
            student_list = load_students(settings, refresh=refresh, progress=reporter("students"))
        except DokStampError as error:
            student_list = error
    return assemble_dataset(
        enrollments=enrollments,
        courses=courses,
        cohorts=cohorts,
        certificates=certificates,
        students=student_list,
    )
