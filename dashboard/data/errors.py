"""The data layer's typed errors: unreadable records and edits that lost a race."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dashboard.client import DokStampError

__all__ = ["ConcurrentChangeError", "MalformedRecordError"]


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
