"""The frames one dashboard view needs, loaded together through the data layer.

A ``Dataset`` holds the enrollments (with the derived ``intake_year`` and ``modality`` columns),
the reference frames, the filter choices and where/when the data was read. It is built once per
load and shared by every page: polars frames are immutable, so sharing them is safe. The student
list is read only when asked for (editors: the create form's picker), so viewers start lighter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import polars as pl

from dashboard.app.global_filters import FilterOptions, filter_options
from dashboard.client import DokStampError
from dashboard.data import Extract
from dashboard.data.loading import latest_snapshot, refresh_line
from dashboard.data.snapshots import SnapshotInfo
from dashboard.data.source import DataSource
from dashboard.data.sync import RESOURCES, CallbackObserver, ResourceProgress
from dashboard.metrics import with_groupings

__all__ = [
    "RESOURCES",
    "Dataset",
    "assemble_dataset",
    "dataset_frames",
    "dataset_from_snapshot",
    "load_dataset",
]


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
    snapshot_id: str | None = None
    patched_at: datetime | None = None
    # Why the snapshot store could not be read (the last snapshot shown stays on screen).
    store_error: str | None = None
    # The course uuids a signed-in user's scope limits this dataset to (None: every course).
    scope: tuple[str, ...] | None = None

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
    )


def dataset_frames(info: SnapshotInfo, *, students: bool) -> tuple[str, ...]:
    """The frames of ``info`` a dataset is built from: the student list only when kept
    (editors). Viewers never see it, and it is the largest frame after the enrollments (at
    1,000,000 enrollments, ~870,000 students: a third of the snapshot's reading time)."""
    return tuple(name for name in info.resources if students or name != "students")


def dataset_from_snapshot(
    info: SnapshotInfo, frames: Mapping[str, pl.DataFrame], *, students: bool, cache_dir: Path
) -> Dataset:
    """The dataset of one snapshot; ``students``: keep the student list (editors)."""

    def extract(name: str) -> Extract:
        return Extract(
            frame=frames[name],
            fetched_at=info.extracted_at,
            stale=False,
            error=None,
            from_cache=True,
            pages=info.pages.get(name, 1),
            seconds=0.0,
            cache_dir=cache_dir,
            snapshot_id=info.id,
        )

    student_list: Extract | DokStampError | None = None
    if students:
        if "students" in frames:
            student_list = extract("students")
        else:
            why = info.errors.get("students", "the snapshot has no student list")
            student_list = DokStampError(f"the student list could not be read: {why}", status=None)
    dataset = assemble_dataset(
        enrollments=extract("enrollments"),
        courses=extract("courses"),
        cohorts=extract("cohorts"),
        certificates=extract("certificates"),
        students=student_list,
    )
    return replace(dataset, snapshot_id=info.id, patched_at=info.patched_at)


def load_dataset(
    source: DataSource,
    *,
    refresh: bool = False,
    progress: ResourceProgress | None = None,
    students: bool = False,
) -> Dataset:
    """The dataset of the source's latest snapshot, syncing first when there is none (or asked).

    ``progress(resource, pages_done, pages_total)`` is called as pages arrive. ``students``: keep
    the student list (for editors); if it could not be read, the dataset carries the reason in
    ``students_error`` instead of failing.
    """
    line = source.line()
    info = None if refresh else latest_snapshot(source, line)
    if info is None:
        observer = CallbackObserver(pages=progress)
        info = refresh_line(source, line, observer=observer, force=refresh)
    frames = source.store.read(info, dataset_frames(info, students=students))
    return dataset_from_snapshot(info, frames, students=students, cache_dir=source.cache_dir)
