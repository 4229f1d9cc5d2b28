"""A data source: the long-lived things one DokStamp tenant needs, built once and shared.

One ``DataSource`` holds the settings, the one ``DokStampClient`` (one connection pool, one
token, one pacer, shared by every resource, every thread and every write) and the snapshot store.
``dashboard.sources.open_source`` builds it for the app, the CLI and notebooks; layers below take
it as an argument and never build their own client.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from dashboard.client import DokStampClient
from dashboard.data.cache_keys import CacheKey
from dashboard.settings import Settings

if TYPE_CHECKING:
    from dashboard.data.snapshots import SnapshotLine, SnapshotStore

__all__ = ["SNAPSHOTS_FOLDER", "DataSource", "open_store"]

SNAPSHOTS_FOLDER = "snapshots"


def open_store(settings: Settings) -> SnapshotStore:
    """The snapshot store the settings name: the cache folder, or a shared Redis."""
    # Imported here, not at the top: the stores need polars, and a source is opened (and its
    # client sends its first request) before polars is loaded (`enrollment-outcomes sync`).
    from dashboard.data.snapshots import DiskSnapshotStore

    if settings.store_url:
        from dashboard.data.shared_store import RedisSnapshotStore  # only with a shared store

        shared: SnapshotStore = RedisSnapshotStore.from_url(
            settings.store_url, keep=settings.snapshots_kept
        )
        return shared
    return DiskSnapshotStore(settings.cache_dir / SNAPSHOTS_FOLDER, keep=settings.snapshots_kept)


class DataSource:
    """Settings, client and store of one tenant; close it (or use ``with``) when done.

    Parameters
    ----------
    settings
        The validated settings.
    label
        How to name the source to a reader (never holds a secret).
    demo
        Whether this is the bundled demo sandbox.
    transport
        An ``httpx`` transport for the client instead of the network (tests).
    store
        The snapshot store (default: the one the settings name).
    owned
        Anything else the source owns and must stop on ``close`` (the demo sandbox).
    identity_url
        The URL that names this data in snapshots and the log, when not ``settings.api_url``.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        label: str | None = None,
        demo: bool = False,
        transport: httpx.BaseTransport | None = None,
        store: SnapshotStore | None = None,
        owned: Any = None,
        identity_url: str | None = None,
    ) -> None:
        self.settings = settings
        # What names the data in snapshot lines and the corrections log: the API URL, or a
        # stable name where the URL changes between runs (the demo's port).
        self.identity_url = identity_url or settings.api_url
        self.demo = demo
        self.label = label or f"{settings.api_url} (tenant {settings.tenant})"
        self._transport = transport
        self._client: DokStampClient | None = None
        self._client_lock = threading.Lock()
        self._store = store
        self._owned = owned
        self._closed = False

    @property
    def client(self) -> DokStampClient:
        """The source's one client, built on first use."""
        with self._client_lock:
            if self._closed:
                raise RuntimeError("the data source is closed")
            if self._client is None:
                self._client = DokStampClient(self.settings, transport=self._transport)
            return self._client

    @property
    def store(self) -> SnapshotStore:
        with self._client_lock:
            if self._store is None:
                self._store = open_store(self.settings)
            return self._store

    @property
    def cache_dir(self) -> Path:
        return self.settings.cache_dir

    def line(self, filters: Mapping[str, str | None] | None = None) -> SnapshotLine:
        """The snapshot line of this tenant's enrollments matching ``filters`` (None: all)."""
        return CacheKey.of(
            api_url=self.identity_url,
            tenant=self.settings.tenant,
            resource="enrollments",
            filters=filters,
        )

    def close(self) -> None:
        with self._client_lock:
            self._closed = True
            client, self._client = self._client, None
            store, self._store = self._store, None
        if client is not None:
            client.close()
        if store is not None:
            store.close()
        stop = getattr(self._owned, "stop", None)
        if callable(stop):
            stop()

    def __enter__(self) -> DataSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DataSource({self.label!r})"
