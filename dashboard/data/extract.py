"""The ``Extract``: a frame together with where it came from and how fresh it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from dashboard.client import DokStampError

__all__ = ["Extract"]


@dataclass(frozen=True, slots=True)
class Extract:
    """One load's result.

    Attributes
    ----------
    frame
        The data, with the resource's schema from ``dashboard.data.schema``.
    fetched_at
        When the API was read for this frame (UTC; the start of that sync).
    stale
        True when a fetch was needed but failed and this is the last good frame instead.
    error
        Why the fetch failed (``stale`` is True); None otherwise.
    from_cache
        True when the frame was read from the cache folder rather than fetched by this call.
    pages
        Pages the API sent for this frame (when it was fetched).
    seconds
        Wall time of this call (cache read, or fetch and frame build).
    cache_dir
        The cache folder.
    cache_error
        Why this fetched frame could not be stored in the cache folder (the frame itself is
        good; the next load fetches again); None when it was stored or read from the cache.
    """

    frame: pl.DataFrame
    fetched_at: datetime
    stale: bool
    error: DokStampError | None
    from_cache: bool
    pages: int
    seconds: float
    cache_dir: Path
    cache_error: str | None = None

    @property
    def rows(self) -> int:
        return self.frame.height
