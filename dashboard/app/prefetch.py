"""The latest snapshot, read while the dashboard's server is still importing its pages.

A server start spends seconds importing Streamlit, Altair and the pages, on one core, before
it listens; reading the latest snapshot needs only polars and the data layer (imported here,
without Streamlit), and polars decodes it outside the GIL, on the other core. So the server
starts ``read_latest`` first, in a thread (``python -m dashboard.app.server``), and the
process-wide cache of ``dashboard.app.runtime`` takes the opened source and the dataset from it
(``take_source``, ``take_dataset``) instead of opening and reading them again: at 1,000,000
enrollments the snapshot is in memory about when the server listens, not a second or more
after, while the first viewer's browser is loading the page.

What is handed over is what runtime builds itself (``open_source``, ``dataset_frames``,
``dataset_from_snapshot``), for the same configuration, once. A configuration that differs, a
newer snapshot, an error or the demo (its sandbox starts with the first run, as before) are
left to runtime's own path, which reads the data again or shows the viewer what went wrong.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from dashboard.app.dataset import Dataset, dataset_frames, dataset_from_snapshot
from dashboard.data.source import DataSource
from dashboard.sources import editing_enabled, open_source, wants_demo

__all__ = ["LATEST", "ConfigKey", "SnapshotPrefetch", "config_key"]

ConfigKey = tuple[tuple[str, str], ...]
logger = logging.getLogger("dashboard.app")


def config_key(config: Mapping[str, str]) -> ConfigKey:
    """The configuration as the key of the process-wide resources built from it."""
    return tuple(sorted(config.items()))


@dataclass
class _Read:
    key: ConfigKey
    source: DataSource | None = None
    dataset: Dataset | None = None


class SnapshotPrefetch:
    """One read of a configuration's source and latest snapshot, each handed over once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._done.set()  # nothing started: nothing to wait for
        self._read: _Read | None = None

    def read_latest(self, config: Mapping[str, str]) -> threading.Thread | None:
        """Open the source ``config`` names and read its latest snapshot's dataset, in a thread
        (returned); None for the demo, which runtime opens itself."""
        if wants_demo(config):
            return None
        read = _Read(key=config_key(config))
        with self._lock:
            self._done.clear()
            self._read = read
        thread = threading.Thread(
            target=self._run, args=(read, dict(config)), name="dashboard-prefetch", daemon=True
        )
        thread.start()
        return thread

    def _run(self, read: _Read, config: dict[str, str]) -> None:
        try:
            source = read.source = open_source(config)
            info = source.store.latest(source.line())
            if info is not None:
                students = editing_enabled(source.settings.editing, demo=source.demo)
                frames = source.store.read(info, dataset_frames(info, students=students))
                read.dataset = dataset_from_snapshot(
                    info, frames, students=students, cache_dir=source.cache_dir
                )
        except Exception as error:  # runtime reads again, and shows the viewer its error
            logger.warning("reading the latest snapshot at start-up failed: %s", error)
        finally:
            self._done.set()

    def _taken(self, key: ConfigKey) -> _Read | None:
        """The read once it is over, if it was for ``key``; a read for another configuration
        is dropped (its source closed: nobody will use it)."""
        self._done.wait()
        with self._lock:
            read = self._read
            if read is None or read.key == key:
                return read
            self._read = None
        if read.source is not None:
            read.source.close()
        return None

    def take_source(self, key: ConfigKey) -> DataSource | None:
        """The source opened for ``key``, once (the taker owns it from then on); None when
        none was."""
        read = self._taken(key)
        if read is None:
            return None
        with self._lock:
            source, read.source = read.source, None
        return source

    def take_dataset(self, key: ConfigKey, snapshot_id: str) -> Dataset | None:
        """The dataset read for ``key``, once, if it is snapshot ``snapshot_id``'s; else None."""
        read = self._taken(key)
        if read is None:
            return None
        with self._lock:
            dataset, read.dataset = read.dataset, None
        return dataset if dataset is not None and dataset.snapshot_id == snapshot_id else None


# The server's one read at start-up (``python -m dashboard.app.server`` starts it).
LATEST = SnapshotPrefetch()
