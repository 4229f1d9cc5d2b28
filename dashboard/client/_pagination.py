"""Reading DokStamp's paginated envelope and checking that a listing's pages add up."""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from dashboard.client._exceptions import DokStampError, IncompleteSyncError

__all__ = [
    "HeldPages",
    "ListingChanged",
    "ListingShape",
    "Page",
    "PageSink",
    "PagesInMemory",
    "UuidHashes",
    "assemble_pages",
    "check_page",
    "check_page_size",
    "identities",
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


@dataclass(frozen=True, slots=True)
class ListingShape:
    """What page 1 of a listing said: records in all, records per page, and so pages."""

    total: int
    per_page: int
    pages: int


@dataclass(frozen=True, slots=True)
class HeldPages:
    """Pages of a listing an earlier, interrupted read already has: they are not asked for again.

    ``numbers``: the pages held. ``last_page``: the identities (uuids) of the listing's last page
    as that earlier read first saw it; the listing is read again from page 1 when the last page
    differs now (rows were added or deleted before it meanwhile). ``identities()``: each held
    page's identities, read when the listing's repeats are checked (one page at a time).
    """

    numbers: frozenset[int]
    last_page: Sequence[object]
    identities: Callable[[], Iterable[tuple[int, Sequence[object]]]]


_Built = TypeVar("_Built", contravariant=True)


class PageSink(Protocol[_Built]):
    """Where a listing's pages go as they are read, instead of a list kept until the end.

    ``begin`` is called when a read of the listing starts (again, after the listing changed:
    everything added before is then void), with the shape page 1 gave; it may return the pages
    already held for that shape, which are then not read (only for listings of several pages).
    ``add`` gets each other page, built, from the thread that called the client, once it passed
    the page checks; in any order, and page 1 last or nearly so (it is read again at the end).
    """

    def begin(self, shape: ListingShape) -> HeldPages | None: ...

    def add(self, number: int, built: _Built) -> None: ...


_Kept = TypeVar("_Kept")


class PagesInMemory(Generic[_Kept]):
    """The sink of ``list_pages``: every page built, kept in memory; no pages held."""

    def __init__(self) -> None:
        self.built: dict[int, _Kept] = {}

    def begin(self, shape: ListingShape) -> HeldPages | None:
        self.built.clear()  # a read again: what the last one built is void
        return None

    def add(self, number: int, built: _Kept) -> None:
        self.built[number] = built

    def in_order(self) -> list[_Kept]:
        return [self.built[number] for number in sorted(self.built)]


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


def identities(records: Sequence[object], key: str = "uuid") -> list[object]:
    """Each record's ``key`` (None for a record without one, or that is not an object)."""
    return [r.get(key) if isinstance(r, Mapping) else None for r in records]


def check_page_size(page: Page, *, first: Page, key: str = "uuid") -> list[object]:
    """Raise ListingChanged unless the page holds exactly its share of ``total``, each once.

    Returns the page's identities (``key`` values).
    """
    assert first.total is not None
    assert first.per_page is not None
    expected = min(first.per_page, first.total - (page.number - 1) * first.per_page)
    if len(page.records) != expected:
        raise ListingChanged(
            f"page {page.number} held {len(page.records)} records, expected {expected}",
            expected=first.total,
        )
    found = identities(page.records, key)
    present = [identity for identity in found if identity is not None]
    if len(set(present)) != len(present):
        raise ListingChanged(
            f"a record appeared twice in page {page.number}",
            expected=first.total,
            received=len(present),
        )
    return found


# Up to this many records the repeats are counted in a dict; beyond, numpy sorts the hashes
# (100k records: ~0.4 s of counting in Python, ~10 ms of sorting).
_SMALL = 10_000


class UuidHashes:
    """Which records of a listing may repeat, without keeping one Python object per record.

    Keeps a 64-bit hash of each identity and the page it came on (16 bytes a record); at the
    end, equal hashes on different pages are suspects, to be confirmed against the records.
    """

    def __init__(self, hash_function: Callable[[object], int] = hash) -> None:
        self._hash = hash_function
        self._hashes = array("q")
        self._pages = array("q")

    def hash_of(self, identity: object) -> int:
        """The 64-bit hash kept for an identity."""
        return self._hash(identity)

    def __len__(self) -> int:
        return len(self._hashes)

    def add(self, page: int, found: Iterable[object]) -> None:
        """The identities of one page (checked for repeats within the page already)."""
        before = len(self._hashes)
        self._hashes.extend(self._hash(identity) for identity in found if identity is not None)
        self._pages.extend([page] * (len(self._hashes) - before))

    def suspects(self) -> dict[int, set[int]]:
        """Hash -> the pages it came on, for each hash seen on more than one page."""
        if len(self._hashes) < 2:
            return {}
        if len(self._hashes) <= _SMALL:
            counts: dict[int, int] = {}
            for value in self._hashes:
                counts[value] = counts.get(value, 0) + 1
            repeated = {value for value, count in counts.items() if count > 1}
        else:
            repeated = self._repeated_sorted()
        found: dict[int, set[int]] = {}
        if repeated:
            for value, page in zip(self._hashes, self._pages, strict=True):
                if value in repeated:
                    found.setdefault(value, set()).add(page)
        return {value: pages for value, pages in found.items() if len(pages) > 1}

    def _repeated_sorted(self) -> set[int]:
        import numpy as np  # only for large listings: the client's start stays light

        ordered = np.sort(np.frombuffer(self._hashes, dtype=np.int64))
        return {int(v) for v in ordered[1:][ordered[1:] == ordered[:-1]].tolist()}


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
