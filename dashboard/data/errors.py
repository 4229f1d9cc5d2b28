"""The data layer's typed errors: unreadable records, edits that lost a race, an unusable log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dashboard.client import DokStampError

__all__ = ["ConcurrentChangeError", "CorrectionsLogError", "MalformedRecordError"]


class MalformedRecordError(DokStampError):
    """DokStamp sent a record the frame cannot hold (a required field missing, a bad value).

    ``resource`` and ``field`` say where; ``record_uuid`` names the first offending record when
    it has one. A sync that meets one is treated like a failed fetch: nothing is cached.
    """

    def __init__(
        self,
        message: str,
        *,
        resource: str,
        field: str,
        record_uuid: str | None = None,
    ) -> None:
        where = f"{resource}.{field}" + (f" of {record_uuid}" if record_uuid else "")
        super().__init__(f"{where}: {message}")
        self.resource = resource
        self.field = field
        self.record_uuid = record_uuid


class ConcurrentChangeError(DokStampError):
    """The enrollment changed on the server after it was opened for editing; nothing was saved.

    ``current`` is the record as the server has it now, ``opened`` as the editor saw it, and
    ``fields`` the frame columns on which they differ.
    """

    def __init__(
        self,
        *,
        current: Mapping[str, Any],
        opened: Mapping[str, Any],
        fields: Sequence[str],
    ) -> None:
        uuid = current.get("uuid") or opened.get("uuid") or "?"
        super().__init__(
            f"enrollment {uuid} was changed by someone else since it was opened "
            f"({', '.join(fields)}); reload it and apply the correction again"
        )
        self.current = dict(current)
        self.opened = dict(opened)
        self.fields = tuple(fields)


class CorrectionsLogError(Exception):
    """The corrections log file cannot be opened, read or written; nothing in it was changed.

    Not a ``DokStampError``: the API is not involved. ``path`` is the log file, ``reason`` what
    SQLite or the file system said, ``corrupt`` whether the file is not a usable database (then
    the way out is to move it aside), ``pending_path`` the side file that keeps entries the log
    could not take and ``pending`` how many it holds. The message is one line that says what to do.
    """

    def __init__(
        self, *, path: Path, reason: str, corrupt: bool, pending_path: Path, pending: int
    ) -> None:
        if corrupt:
            advice = (
                f"Move it aside (for example rename it to {path.name}.broken, or keep it for "
                "inspection elsewhere); the app then starts a new log"
            )
        else:
            advice = "Check the file and its folder's permissions and free space, then try again"
        kept = (
            f"; {pending} entr{'y' if pending == 1 else 'ies'} kept in {pending_path} will be "
            "written into the log once it can be written"
            if pending
            else ""
        )
        super().__init__(f"the corrections log {path} cannot be used ({reason}). {advice}{kept}.")
        self.path = path
        self.reason = reason
        self.corrupt = corrupt
        self.pending_path = pending_path
        self.pending = pending
