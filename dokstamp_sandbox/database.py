"""The sandbox database: a connection per thread, serialized writes, per-tenant caches."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_CACHE_LIMIT = 4096


class Database:
    """Owns every connection to one sandbox database file.

    Reads run on a connection per thread (uvicorn serves them from a thread pool, so requests do
    not queue behind each other); writes take one lock, so SQLite never answers "database is
    locked". Each write bumps its tenant's version, which keys the caches of counts and page
    boundaries: a cached value is never read after a write to that tenant.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._versions: dict[int, int] = {}
        self._cache: dict[Hashable, object] = {}
        self._cache_lock = threading.Lock()

    def connection(self) -> sqlite3.Connection:
        """The calling thread's connection (opened on first use)."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA cache_size = -65536")
            connection.execute("PRAGMA temp_store = MEMORY")
            self._local.connection = connection
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same state of the database."""
        connection = self.connection()
        connection.execute("BEGIN")
        try:
            yield connection
        finally:
            connection.execute("COMMIT")

    @contextmanager
    def write(self, tenant_id: int) -> Iterator[sqlite3.Connection]:
        """A write transaction for one tenant: all or nothing, and it invalidates the caches."""
        connection = self.connection()
        with self._write_lock:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            with self._cache_lock:
                self._versions[tenant_id] = self._versions.get(tenant_id, 0) + 1

    def version(self, tenant_id: int) -> int:
        """How many writes this tenant has had since the server started."""
        with self._cache_lock:
            return self._versions.get(tenant_id, 0)

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value for key, computing and storing it if absent.

        Callers put the tenant version in the key. The cache is dropped whole when it gets large;
        computing twice on a race is harmless.
        """
        with self._cache_lock:
            if key in self._cache:
                return self._cache[key]  # type: ignore[return-value]
        value = compute()
        with self._cache_lock:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = value
        return value

    def close(self) -> None:
        """Close every connection opened by any thread."""
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        self._local = threading.local()
