"""The Extract record: immutable, with its row count."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dashboard.data import Extract, enrollment_frame


def test_extract_is_frozen_and_counts_rows(tmp_path: Path) -> None:
    extract = Extract(
        frame=enrollment_frame([]),
        fetched_at=datetime(2025, 1, 1, tzinfo=UTC),
        stale=False,
        error=None,
        from_cache=True,
        pages=0,
        seconds=0.01,
        cache_dir=tmp_path,
    )
    assert extract.rows == 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        extract.stale = True  # type: ignore[misc]
