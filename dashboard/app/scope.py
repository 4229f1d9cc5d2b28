"""A user's course scope applied to the dataset, once, before any page runs.

A user whose access is limited to some courses gets a dataset holding only those courses'
enrollments, cohorts and certificates, with the filter choices rebuilt from them: every figure,
total ("All" included), filter list and export of every page is then computed on their courses,
and no page needs to know that a scope exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import polars as pl

from dashboard.app.dataset import Dataset
from dashboard.app.global_filters import filter_options

__all__ = ["ScopedDataset", "scope_dataset"]


@dataclass(frozen=True)
class ScopedDataset:
    """The dataset cut to a scope, and the scope's entries that name no course in the data."""

    dataset: Dataset
    unknown: tuple[str, ...]


def scope_dataset(dataset: Dataset, courses: Iterable[str]) -> ScopedDataset:
    """``dataset`` limited to ``courses`` (course uuids or codes).

    The student list is kept whole: it is the create form's directory (an editor of a course
    may enroll any student in it), not a figure.
    """
    wanted = set(courses)
    matched = dataset.courses.filter(
        pl.col("uuid").is_in(list(wanted)) | pl.col("code").is_in(list(wanted))
    )
    uuids = set(matched.get_column("uuid").to_list())
    codes = set(matched.get_column("code").drop_nulls().to_list())
    # An enrollment may name a course the course list lacks; its uuid still counts.
    uuids |= wanted & set(dataset.enrollments.get_column("course_uuid").drop_nulls().to_list())
    known = uuids | codes
    unknown = tuple(sorted(entry for entry in wanted if entry not in known))
    in_scope = list(uuids)
    enrollments = dataset.enrollments.filter(pl.col("course_uuid").is_in(in_scope))
    cohorts = dataset.cohorts.filter(pl.col("course_uuid").is_in(in_scope))
    scoped = replace(
        dataset,
        enrollments=enrollments,
        courses=dataset.courses.filter(pl.col("uuid").is_in(in_scope)),
        cohorts=cohorts,
        certificates=dataset.certificates.filter(pl.col("course_uuid").is_in(in_scope)),
        options=filter_options(enrollments, cohorts),
        scope=tuple(sorted(uuids)),
    )
    return ScopedDataset(dataset=scoped, unknown=unknown)
