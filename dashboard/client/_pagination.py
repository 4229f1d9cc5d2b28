"""Reading DokStamp's paginated envelope and checking that a listing's pages add up."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dashboard.client._exceptions import DokStampError, IncompleteSyncError

__all__ = [
    "ListingChanged",
    "Page",
    "assemble_pages",
    "check_page",
    "check_unchanged",
    "page_count",
    "read_page",
]


class ListingChanged(Exception):
    """The listing changed while it was being read; the whole read must start over."""

    def __init__(self, reason: str, *, expected: int, received: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.expected = expected
        self.received = received


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing: its records and the server's ``meta`` (None when unpaginated)."""

    number: int
    records: list[dict[str, Any]]
    per_page: int | None
    total: int | None
    current_page: int | None = None


def _meta_int(meta: Mapping[str, Any], key: str) -> int | None:
    value = meta.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)  # some Laravel setups serialise meta numbers as strings
    return None


def _next_link(body: Mapping[str, Any]) -> object:
    links = body.get("links")
    return links.get("next") if isinstance(links, Mapping) else None


def read_page(body: object, *, number: int, where: str, requested: int | None = None) -> Page:
    """A page from a list response body (``{"data": [...], "meta": {...}}``).

    Without ``meta`` the response is taken as the whole listing only when it clearly is one:
    no ``links.next`` and fewer records than the ``requested`` page size. Otherwise there may be
    more pages that cannot be counted, and ``IncompleteSyncError`` is raised.
    """
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), list):
        raise DokStampError(f"{where}: expected a JSON object with a 'data' list", status=200)
    records = body["data"]
    meta = body.get("meta")
    if not isinstance(meta, Mapping):
        more = _next_link(body) not in (None, "")
        full = requested is not None and len(records) >= requested
        if more or full:
            reason = "links.next is set" if more else f"a page of {len(records)} records is full"
            raise IncompleteSyncError(
                f"{where}: the response has no pagination meta, but there may be more pages "
                f"({reason}); nothing partial was returned",
                received=len(records),
            )
        return Page(number=number, records=records, per_page=None, total=None)
    per_page = _meta_int(meta, "per_page")
    total = _meta_int(meta, "total")
    if per_page is None or per_page < 1 or total is None or total < 0:
        raise DokStampError(f"{where}: meta.per_page/meta.total missing or invalid", status=200)
    current_page = _meta_int(meta, "current_page")
    if current_page is not None and current_page != number:
        raise DokStampError(
            f"{where}: asked for page {number}, the server sent page {current_page}", status=200
        )
    return Page(
        number=number,
        records=records,
        per_page=per_page,
        total=total,
        current_page=current_page,
    )


def page_count(total: int, per_page: int) -> int:
    """Pages needed for ``total`` records (an empty listing still has its first page)."""
    return max(1, math.ceil(total / per_page))


def check_page(page: Page, *, first: Page) -> None:
    """Raise ListingChanged when a later page disagrees with the first one's meta."""
    assert first.total is not None
    if page.total != first.total:
        raise ListingChanged(
            f"total changed from {first.total} to {page.total} during the sync",
            expected=first.total,
        )
    if page.per_page != first.per_page:
        raise ListingChanged(
            f"per_page changed from {first.per_page} to {page.per_page} during the sync",
            expected=first.total,
        )


def _identities(page: Page, key: str) -> list[object]:
    return [r.get(key) if isinstance(r, Mapping) else None for r in page.records]


def check_unchanged(before: Page, after: Page, *, key: str = "uuid") -> None:
    """Raise ListingChanged unless a page read again holds the same records (by ``key``)."""
    assert before.total is not None
    if after.total != before.total or after.per_page != before.per_page:
        raise ListingChanged(
            f"total changed from {before.total} to {after.total} during the sync",
            expected=before.total,
        )
    if _identities(before, key) != _identities(after, key):
        raise ListingChanged(
            f"page {before.number} changed while the listing was read (rows were added or "
            "deleted before it)",
            expected=before.total,
        )


def assemble_pages(pages: Sequence[Page], *, key: str = "uuid") -> list[dict[str, Any]]:
    """All records in page order, after checking the pages add up to ``total`` exactly.

    Every page but the last must be full, the last must hold the rest, and no ``key`` may
    repeat. Otherwise ListingChanged: rows moved between pages while they were read.
    """
    first = pages[0]
    if first.total is None or first.per_page is None:
        records = list(first.records)
    else:
        total, per_page = first.total, first.per_page
        expected_pages = page_count(total, per_page)
        if [p.number for p in pages] != list(range(1, expected_pages + 1)):
            raise ListingChanged("pages missing from the listing", expected=total)
        records = []
        for page in pages:
            expected = min(per_page, total - (page.number - 1) * per_page)
            if len(page.records) != expected:
                raise ListingChanged(
                    f"page {page.number} held {len(page.records)} records, expected {expected}",
                    expected=total,
                    received=sum(len(p.records) for p in pages),
                )
            records.extend(page.records)
    seen: set[object] = set()
    for record in records:
        identity = record.get(key) if isinstance(record, Mapping) else None
        if identity is None:
            continue
        if identity in seen:
            raise ListingChanged(
                f"record {identity} appeared twice", expected=len(records), received=len(records)
            )
        seen.add(identity)
    return records
