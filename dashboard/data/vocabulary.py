"""The data layer's names that need no polars: the schema version and the completion statuses.

Kept apart from ``schema`` (which builds polars dtypes) so that a command can check its options
and name a snapshot line before polars is imported (``enrollment-outcomes sync`` sends its first
request while polars loads); ``schema`` takes them from here.
"""

from __future__ import annotations

__all__ = ["COMPLETION_STATUSES", "SCHEMA_VERSION"]

# Bump whenever a frame schema changes: it is part of every cache key and snapshot line.
SCHEMA_VERSION = 1

COMPLETION_STATUSES = ("enrolled", "completed", "dropped")
