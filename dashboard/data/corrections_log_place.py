"""Where the corrections log is kept: one host's SQLite file (the default), or the shared
store's own log when several replicas and the worker write corrections (Redis)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

import polars as pl

from dashboard.data.corrections_log import (
    LOG_FILE,
    PENDING_FILE,
    Correction,
    append_corrections,
    corrections_frame,
    corrections_since,
    pending_corrections,
    write_pending,
)

__all__ = ["CorrectionsLog", "FileCorrectionsLog", "KeepsCorrectionsLog", "open_corrections_log"]


class CorrectionsLog(Protocol):
    """Where corrections are logged; entries that cannot go in wait in a local side file."""

    @property
    def where(self) -> str:
        """The log's place, for messages (a file path, or the shared store's URL)."""

    @property
    def pending_path(self) -> Path:
        """The side file of this host."""

    def append(
        self, *, api_url: str, tenant: str, corrections: Sequence[Correction]
    ) -> Path | None:
        """As ``append_corrections``."""

    def since(self, *, api_url: str, tenant: str, since: datetime) -> list[Correction]:
        """As ``corrections_since``."""

    def pending(self, *, api_url: str, tenant: str, since: datetime) -> list[Correction]:
        """As ``pending_corrections`` (this host's side file)."""

    def frame(self, *, api_url: str, tenant: str) -> pl.DataFrame:
        """As ``corrections_frame``."""

    def write_pending(self) -> int:
        """As ``write_pending``."""


class FileCorrectionsLog:
    """The corrections log of one host: SQLite in the cache folder (the default)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def where(self) -> str:
        return str(self.directory / LOG_FILE)

    @property
    def pending_path(self) -> Path:
        return self.directory / PENDING_FILE

    def append(
        self, *, api_url: str, tenant: str, corrections: Sequence[Correction]
    ) -> Path | None:
        return append_corrections(
            self.directory, api_url=api_url, tenant=tenant, corrections=corrections
        )

    def since(self, *, api_url: str, tenant: str, since: datetime) -> list[Correction]:
        return corrections_since(self.directory, api_url=api_url, tenant=tenant, since=since)

    def pending(self, *, api_url: str, tenant: str, since: datetime) -> list[Correction]:
        return pending_corrections(self.directory, api_url=api_url, tenant=tenant, since=since)

    def frame(self, *, api_url: str, tenant: str) -> pl.DataFrame:
        return corrections_frame(self.directory, api_url=api_url, tenant=tenant)

    def write_pending(self) -> int:
        return write_pending(self.directory)


@runtime_checkable
class KeepsCorrectionsLog(Protocol):
    """A snapshot store that also keeps the corrections log (the shared Redis store does)."""

    def corrections_log(self, pending_dir: Path) -> CorrectionsLog: ...


def open_corrections_log(store: object, directory: Path) -> CorrectionsLog:
    """The log that goes with ``store``: its own (a shared store: every replica and the worker
    log to and read one log), else the SQLite file in ``directory``. Either way the side file
    of entries waiting for the log is in ``directory``."""
    if isinstance(store, KeepsCorrectionsLog):
        return store.corrections_log(directory)
    return FileCorrectionsLog(directory)
