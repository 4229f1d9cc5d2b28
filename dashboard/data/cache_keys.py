"""Cache keys: which API, tenant, resource, filters and schema version a cached frame answers.

A key never holds a credential: the token (or client secret, or password) is not part of what
the data *is*, only of how it was fetched. Filters are canonical (sorted, ``where[...]``
unwrapped, values as text), so the same question always finds the same entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import orjson

from dashboard.data.vocabulary import SCHEMA_VERSION

__all__ = ["FILTERABLE", "CacheKey", "canonical_api_url", "canonical_filters"]

_PREFIX = "frame:"

# The `where[...]` filters offered: ones the docs show (or that follow their `<x>_uuid` pattern)
# and that are a column of the frame, so a cached extract can be checked against a write. The API
# may ignore a filter it does not know and answer with everything: that must never be cached as
# the filtered extract, hence the closed list.
FILTERABLE: Mapping[str, frozenset[str]] = {
    "enrollments": frozenset({"completion_status", "course_uuid", "cohort_uuid", "student_uuid"}),
    "courses": frozenset({"status", "code"}),
    "cohorts": frozenset({"course_uuid", "code", "modality"}),
    "certificates": frozenset(
        {"status", "course_uuid", "student_uuid", "cohort_uuid", "enrollment_uuid"}
    ),
    "students": frozenset({"email"}),
}


def canonical_api_url(url: str) -> str:
    """The API base URL with scheme and host lower-cased, no credentials, no trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", ""))


def canonical_filters(
    resource: str, filters: Mapping[str, str | None] | None
) -> tuple[tuple[str, str], ...]:
    """Filters as sorted ``(field, value)`` pairs; ``None`` becomes ``"null"`` (IS NULL).

    ``where[course_uuid]`` and ``course_uuid`` are the same filter. Raises ``ValueError`` for a
    field the resource's frame has no column for (a write could not be checked against it).
    """
    allowed = FILTERABLE.get(resource)
    if allowed is None:
        raise ValueError(f"unknown resource {resource!r}; expected one of {sorted(FILTERABLE)}")
    pairs: dict[str, str] = {}
    for raw_field, value in (filters or {}).items():
        field = raw_field.strip()
        if field.startswith("where[") and field.endswith("]"):
            field = field[len("where[") : -1]
        if field not in allowed:
            known = ", ".join(sorted(allowed))
            raise ValueError(f"cannot filter {resource} on {raw_field!r}; filterable: {known}")
        text = "null" if value is None else str(value).strip()
        if not text:
            raise ValueError(f"empty value for filter {raw_field!r}")
        pairs[field] = text
    return tuple(sorted(pairs.items()))


@dataclass(frozen=True, slots=True)
class CacheKey:
    """What one cached frame answers. ``text`` is the diskcache key (a plain string)."""

    api_url: str
    tenant: str
    resource: str
    filters: tuple[tuple[str, str], ...] = ()
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def of(
        cls,
        *,
        api_url: str,
        tenant: str,
        resource: str,
        filters: Mapping[str, str | None] | None = None,
    ) -> CacheKey:
        """The key for a load, with URL and filters made canonical."""
        return cls(
            api_url=canonical_api_url(api_url),
            tenant=tenant,
            resource=resource,
            filters=canonical_filters(resource, filters),
        )

    @property
    def text(self) -> str:
        body = {
            "api": self.api_url,
            "tenant": self.tenant,
            "resource": self.resource,
            "filters": [list(pair) for pair in self.filters],
            "schema": self.schema_version,
        }
        return _PREFIX + orjson.dumps(body, option=orjson.OPT_SORT_KEYS).decode()

    @property
    def filter_map(self) -> dict[str, str]:
        return dict(self.filters)

    @classmethod
    def parse(cls, text: object) -> CacheKey | None:
        """The key back from its text; None for anything that is not one of ours."""
        if not isinstance(text, str) or not text.startswith(_PREFIX):
            return None
        try:
            body = orjson.loads(text[len(_PREFIX) :])
            return cls(
                api_url=str(body["api"]),
                tenant=str(body["tenant"]),
                resource=str(body["resource"]),
                filters=tuple((str(field), str(value)) for field, value in body["filters"]),
                schema_version=int(body["schema"]),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None

    def same_source(self, other: CacheKey) -> bool:
        """Same API, tenant and schema version (the scope a write can change)."""
        return (
            self.api_url == other.api_url
            and self.tenant == other.tenant
            and self.schema_version == other.schema_version
        )
