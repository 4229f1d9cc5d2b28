"""The dashboard's Streamlit-held state: the data source, the snapshot on screen, the refresh.

Process-wide resources (``st.cache_resource``) are keyed by the configuration, so one process can
serve several configurations (as the tests do) and the demo sandbox starts once per process.
Every run shows the source's latest snapshot at once (read once per snapshot and shared by every
session); when it is older than the TTL, a refresh starts in the background and the snapshot it
publishes appears at the next run. The page context (source, dataset, filters) is handed from the
entry file to the page through ``st.session_state``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import polars as pl
import streamlit as st

from dashboard.access import ANONYMOUS, Access
from dashboard.app.dataset import Dataset, dataset_frames, dataset_from_snapshot
from dashboard.app.global_filters import Filters
from dashboard.app.prefetch import LATEST, ConfigKey, config_key
from dashboard.app.scope import ScopedDataset, scope_dataset
from dashboard.data.background import BackgroundRefresh
from dashboard.data.loading import STORE_ERRORS, refresh_line
from dashboard.data.snapshots import SnapshotInfo
from dashboard.data.source import DataSource
from dashboard.data.sync import CallbackObserver
from dashboard.settings import Settings
from dashboard.sources import editing_enabled, load_config, open_source

__all__ = [
    "AppSource",
    "PageContext",
    "StoreUnreachableError",
    "background_refresh",
    "current_dataset",
    "current_source",
    "data_changed",
    "hold_automatic_refresh",
    "page_context",
    "page_run",
    "read_config",
    "refresh_dataset",
    "scoped",
]

_CONTEXT_KEY = "_page_context"


@dataclass(frozen=True)
class AppSource:
    """Where the data comes from, and what this deployment allows."""

    data: DataSource
    demo: bool
    editing: bool
    label: str
    key: ConfigKey

    @property
    def settings(self) -> Settings:
        return self.data.settings


@dataclass(frozen=True)
class PageContext:
    """What the entry file hands to the page it runs."""

    source: AppSource
    dataset: Dataset
    filters: Filters
    filtered: pl.DataFrame
    as_of: datetime
    # Who is looking: what they may see and do (ANONYMOUS without sign-in).
    access: Access = ANONYMOUS

    @property
    def rows(self) -> bool:
        """Whether this user may see row-level rows and their exports.

        Signed in: the role decides (editors and admins). Without sign-in: as before it existed,
        the deployment's editing setting does.
        """
        return self.source.editing if self.access.anonymous else self.access.rows


def read_config(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The app's configuration, by the one merge rule of ``dashboard.sources.load_config``."""
    return load_config(environ)


@st.cache_resource(show_spinner="Starting the data source (a new demo seeds its database)…")
def _source(key: ConfigKey) -> AppSource:
    # The server opened it already when it started (``dashboard.app.prefetch``).
    data = LATEST.take_source(key) or open_source(dict(key))
    return AppSource(
        data=data,
        demo=data.demo,
        editing=editing_enabled(data.settings.editing, demo=data.demo),
        label=data.label,
        key=key,
    )


def current_source() -> AppSource:
    """The data source for the current configuration (starting the demo sandbox if needed)."""
    return _source(config_key(read_config()))


@st.cache_resource(show_spinner=False)
def background_refresh(key: ConfigKey) -> BackgroundRefresh:
    """The one background refresh of this source in this process."""
    source = _source(key)
    return BackgroundRefresh(source.data, source.data.line())


# Two: the snapshot on screen and the one replacing it (each holds every frame in memory).
@st.cache_resource(show_spinner="Loading the latest snapshot…", max_entries=2)
def _snapshot_dataset(key: ConfigKey, snapshot_id: str, _info: SnapshotInfo) -> Dataset:
    prefetched = LATEST.take_dataset(key, snapshot_id)  # read as the server started
    if prefetched is not None:
        return prefetched
    source = _source(key)
    frames = source.data.store.read(_info, dataset_frames(_info, students=source.editing))
    return dataset_from_snapshot(
        _info, frames, students=source.editing, cache_dir=source.data.cache_dir
    )


def _first_sync(source: AppSource) -> SnapshotInfo:
    """No snapshot yet (a new install): read one now, with a progress bar; viewers must wait."""
    bar = st.progress(0.0, text="First start: reading every enrollment from the API…")

    def progress(resource: str, done: int, total: int) -> None:
        share = min(done / total, 1.0) if total else 1.0
        bar.progress(share, text=f"First start: reading {resource}, page {done:,} of {total:,}")

    try:
        return refresh_line(
            source.data, source.data.line(), observer=CallbackObserver(pages=progress)
        )
    finally:
        bar.empty()


# The snapshot this process showed last, per source: what it keeps showing if the store fails.
_held: dict[ConfigKey, SnapshotInfo] = {}
# time.monotonic() before which an expired snapshot's refresh waits to begin (see below).
_automatic_refresh_not_before = 0.0


def hold_automatic_refresh(seconds: float) -> None:
    """For the next ``seconds``, a refresh that an expired snapshot starts waits to begin.

    The server calls it as it starts listening: after a restart on an expired snapshot, the
    first viewers' pages are drawn before the sync competes with them for the two cores (its
    JSON decoding and compression); the status line says "starting" meanwhile. **Refresh
    data** is never held.
    """
    global _automatic_refresh_not_before
    _automatic_refresh_not_before = time.monotonic() + seconds


class StoreUnreachableError(OSError):
    """The snapshot store cannot be read and this process holds no snapshot to show."""


def current_dataset(source: AppSource, *, refresh_expired: bool = True) -> Dataset:
    """The latest snapshot's dataset, at once; an expired one also starts a background refresh
    (unless ``refresh_expired`` is False: the server reading it before anyone views it).

    Raises ``DokStampError`` when there is no snapshot at all and the API cannot be read, and
    ``StoreUnreachableError`` when the store fails before this process has shown any snapshot.
    When the store fails later, the last snapshot shown stays, with ``store_error`` saying why.
    """
    try:
        info = source.data.store.latest(source.data.line())
    except STORE_ERRORS as error:
        held = _held.get(source.key)
        if held is None:
            raise StoreUnreachableError(f"the snapshot store cannot be read: {error}") from error
        dataset = _snapshot_dataset(source.key, held.id, held)
        return replace(dataset, store_error=str(error))
    if info is None:
        info = _first_sync(source)
    elif (
        refresh_expired and info.age_seconds(datetime.now(UTC)) >= source.settings.cache_ttl_seconds
    ):
        held_for = _automatic_refresh_not_before - time.monotonic()
        background_refresh(source.key).start(automatic=True, delay=max(held_for, 0.0))
    dataset = _snapshot_dataset(source.key, info.id, info)
    _held[source.key] = info
    return dataset


# A few scopes per snapshot (users share scopes; each entry holds filtered copies of the frames).
@st.cache_resource(show_spinner=False, max_entries=16)
def _scoped_dataset(
    key: ConfigKey,
    snapshot_id: str | None,
    store_error: str | None,
    courses: frozenset[str],
    _dataset: Dataset,
) -> ScopedDataset:
    return scope_dataset(_dataset, courses)


def scoped(source: AppSource, dataset: Dataset, access: Access) -> ScopedDataset:
    """``dataset`` as ``access`` may see it (itself for an unscoped user), cut once per snapshot
    and scope and shared by every session with that scope."""
    if access.courses is None:
        return ScopedDataset(dataset=dataset, unknown=())
    return _scoped_dataset(
        source.key, dataset.snapshot_id, dataset.store_error, access.courses, dataset
    )


def refresh_dataset(source: AppSource) -> bool:
    """Start a background refresh now (**Refresh data**); False when one is already running."""
    return background_refresh(source.key).start()


def data_changed() -> None:
    """After a write: the write published a patched snapshot, which the next run shows.

    Kept as the one hook the forms call, so a write never needs to know how data is held.
    """


@contextmanager
def page_run(context: PageContext) -> Iterator[None]:
    """The page's run with ``context`` handed to it, taken back when the run ends however it
    ends (``st.stop``, a rerun, an error): an idle session keeps no filtered rows (hundreds of
    megabytes at a million enrollments, per session) between its runs."""
    st.session_state[_CONTEXT_KEY] = context
    try:
        yield
    finally:
        st.session_state.pop(_CONTEXT_KEY, None)


def page_context() -> PageContext:
    """The context the entry file prepared for this run."""
    context = st.session_state.get(_CONTEXT_KEY)
    if not isinstance(context, PageContext):
        st.error("Open the dashboard through its entry file (dashboard/app/main.py).")
        st.stop()
    return context


def extract_time(dataset: Dataset) -> datetime:
    """The data's extract time (now, for an empty cache), used as "as of" by every metric."""
    return dataset.fetched_at or datetime.now(UTC)
