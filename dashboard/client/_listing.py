"""Reading a whole listing: every page, concurrently, checked to add up, or read again.

``ListingReader.collect`` is what ``DokStampClient.list_pages`` and ``list_all`` do: page 1 gives
the page count, the other pages go out under an adaptive in-flight limit, and pages that do not
add up (rows added or deleted meanwhile) restart the listing, up to ``SYNC_ATTEMPTS`` times.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import threading
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Generic, Protocol, TypeVar

from dashboard.client._concurrency import AdaptiveLimit
from dashboard.client._exceptions import IncompleteSyncError
from dashboard.client._pacing import REPORT_WAITS_OVER, Permit, RateLimitPacer, WaitListener
from dashboard.client._pagination import (
    HeldPages,
    ListingChanged,
    ListingShape,
    Page,
    PageSink,
    UuidHashes,
    check_page,
    check_page_size,
    identities,
    page_count,
)
from dashboard.client._sending import API, Tally

__all__ = [
    "INITIAL_CONCURRENCY",
    "SYNC_ATTEMPTS",
    "Listing",
    "ListingProgress",
    "ListingReader",
    "PageFetcher",
    "records_as_list",
]

logger = logging.getLogger("dashboard.client")

# progress(pages_done, pages_total) of one listing, called as its pages arrive.
ListingProgress = Callable[[int, int], None]
T = TypeVar("T")

# Whole-listing attempts when the pages do not add up (rows added or deleted meanwhile).
SYNC_ATTEMPTS = 3
# Page requests in flight when a client's first listing starts; it adapts from there up to the
# cap, and the next listing of the client starts where the last one left off (same server).
INITIAL_CONCURRENCY = 8
# How often (seconds) a listing's calling thread looks up from waiting for its pages.
_LOOK_AGAIN = 0.25
# The real API's default order is undocumented: ask for a stable one so that pages fetched
# concurrently neither overlap nor leave gaps while nothing changes.
_STABLE_SORT = {"sort[column]": "uuid", "sort[order]": "asc"}
_RESOURCE = re.compile(r"[a-z][a-z0-9_-]*(/[a-z0-9_-]+)*")
# A first page sent ahead (``send_first_page``) starts the listing read within this many seconds;
# a later read asks for page 1 afresh.
EARLY_PAGE_SECONDS = 60.0


class PageFetcher(Protocol):
    """Sends one page request (through the client's pacer, token and retries) and reads it."""

    def __call__(
        self,
        path: str,
        params: Mapping[str, str],
        *,
        number: int,
        per_page: int,
        permit: Permit | None = None,
        observe: Callable[[float, int | None], None] | None = None,
    ) -> Page: ...


def records_as_list(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The builder that keeps a page's records as they are."""
    return records


def _request_of(resource: str, filters: Mapping[str, str] | None) -> tuple[str, dict[str, str]]:
    """A listing's path and query (without page and per_page)."""
    if not _RESOURCE.fullmatch(resource):
        raise ValueError(f"not a DokStamp resource path: {resource!r}")
    return f"/{resource}", {**_STABLE_SORT, **_where(filters)}


def _where(filters: Mapping[str, str] | None) -> dict[str, str]:
    params: dict[str, str] = {}
    for field, value in (filters or {}).items():
        key = field if field.startswith("where[") else f"where[{field}]"
        params[key] = "null" if value is None else str(value)
    return params


@dataclass(frozen=True, slots=True)
class Listing:
    """How one listing read went (its built pages went to the read's ``PageSink``)."""

    pages: int
    records: int
    attempts: int = 1
    peak_concurrency: int = 1
    # The client's (requests, retries, paced seconds) when a first page sent ahead of the
    # listing was sent: its cost is the listing's too.
    sent_ahead_at: tuple[int, int, float] | None = None


@dataclass(frozen=True, slots=True)
class _PageRead(Generic[T]):
    number: int
    found: list[object] = dataclass_field(repr=False)  # the records' uuids, in order
    built: T | None


_Query = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class _Early:
    page: Page
    tally: tuple[int, int, float]  # the client's requests, retries, paced seconds before it


class _WaitReport:
    """Hands a listing's caller each distinct wait for the rate limit once (over a second)."""

    def __init__(self, listener: WaitListener, clock: Callable[[], float]) -> None:
        self._listener = listener
        self._clock = clock
        self._until = -math.inf

    def __call__(self, seconds: float) -> None:
        until = self._clock() + seconds
        if seconds > REPORT_WAITS_OVER and until > self._until + 0.5:
            self._until = until
            self._listener(seconds)


class ListingReader:
    """Reads listings for one client: its page fetcher, pacer, page size and in-flight cap."""

    def __init__(
        self,
        fetch: PageFetcher,
        *,
        pacer: RateLimitPacer,
        tally: Tally,
        page_size: int,
        concurrency: int,
        base_delay: float,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        jitter: Callable[[float], float],
    ) -> None:
        self._fetch = fetch
        self._pacer = pacer
        self._tally = tally
        self._page_size = page_size
        self._concurrency = concurrency
        self._base_delay = base_delay
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter
        # One in-flight limit for every listing of the client: what one listing learned about
        # the server (room to grow, or trouble) holds for the next.
        self._limit = AdaptiveLimit(cap=concurrency, initial=min(concurrency, INITIAL_CONCURRENCY))
        # (path, query) -> (when sent, the page): first pages sent ahead, not yet taken.
        self._early: dict[tuple[str, _Query], tuple[float, Future[_Early]]] = {}
        self._early_lock = threading.Lock()

    def send_first_page(self, resource: str, *, filters: Mapping[str, str] | None = None) -> None:
        """Send page 1 of a listing now, in a background thread, for ``collect`` to start from.

        For a caller with other work before it reads (the sync command imports polars and opens
        its store meanwhile). The page is only used for the first read of that same listing
        within ``EARLY_PAGE_SECONDS``; nothing else changes: page 1 is still read again after the
        last page, so a listing started from an early page is checked exactly as any other.
        """
        path, params = _request_of(resource, filters)
        key = (path, tuple(sorted(params.items())))
        future: Future[_Early] = Future()
        with self._early_lock:
            if key in self._early:
                return
            self._early[key] = (self._clock(), future)

        def send() -> None:
            future.set_running_or_notify_cancel()
            before = self._tally.snapshot()
            try:
                page = self._fetch(path, params, number=1, per_page=self._page_size)
                future.set_result(_Early(page, before))
            except BaseException as error:  # handed to the listing that takes this page
                future.set_exception(error)

        threading.Thread(target=send, name="dokstamp-first-page", daemon=True).start()

    def _early_page(self, path: str, params: Mapping[str, str]) -> Future[_Early] | None:
        with self._early_lock:
            early = self._early.pop((path, tuple(sorted(params.items()))), None)
        if early is None:
            return None
        sent, future = early
        if self._clock() - sent > EARLY_PAGE_SECONDS:
            return None
        return future

    def collect(
        self,
        resource: str,
        *,
        filters: Mapping[str, str] | None,
        progress: ListingProgress | None,
        on_wait: WaitListener | None,
        build: Callable[[list[dict[str, Any]]], T],
        sink: PageSink[T],
    ) -> Listing:
        """Every page of ``resource`` handed to ``sink`` (see ``PageSink``), read again from
        page 1 when the pages do not add up, up to ``SYNC_ATTEMPTS`` times."""
        path, params = _request_of(resource, filters)
        change: ListingChanged | None = None
        for attempt in range(1, SYNC_ATTEMPTS + 1):
            try:
                listing = self._read_listing(path, params, progress, on_wait, build, sink)
            except ListingChanged as changed:
                change = changed
                logger.warning(
                    "%s changed during the sync (%s); attempt %d of %d",
                    path,
                    changed.reason,
                    attempt,
                    SYNC_ATTEMPTS,
                )
                if attempt < SYNC_ATTEMPTS:
                    self._sleep(self._jitter(self._base_delay * 2 ** (attempt - 1)))
                continue
            return dataclasses.replace(listing, attempts=attempt)
        assert change is not None
        raise IncompleteSyncError(
            f"{path}: the listing kept changing while it was read ({change.reason}) on "
            f"{SYNC_ATTEMPTS} attempts; nothing partial was returned",
            expected=change.expected,
            received=change.received,
        )

    def _read_listing(
        self,
        path: str,
        params: Mapping[str, str],
        progress: ListingProgress | None,
        on_wait: WaitListener | None,
        build: Callable[[list[dict[str, Any]]], T],
        sink: PageSink[T],
    ) -> Listing:
        """Every page of a listing, read so that rows moving between pages cannot go unseen.

        Offset pages shift when a row before them is deleted or inserted while they are read,
        and a delete in a page already read plus an insert in one not yet read keep the total,
        lose one row and keep the deleted one. So the last page is read first, right after page
        1 gave the page count, and read again at the very end: a row deleted or added anywhere
        in between (the sandbox and id-ordered servers add at the end) changes the last page, and
        the whole listing is read again. Page 1 is read again after the first read of the last
        page, so every page used was read within that window.
        """
        report = _WaitReport(on_wait, self._clock) if on_wait is not None else None
        early = self._early_page(path, params)
        if early is not None:
            sent = early.result()
            listing = self._from_first(sent.page, path, params, progress, report, build, sink)
            return dataclasses.replace(listing, sent_ahead_at=sent.tally)
        permit = self._pacer.acquire(API, on_wait=report)
        first = self._fetch(path, params, number=1, per_page=self._page_size, permit=permit)
        return self._from_first(first, path, params, progress, report, build, sink)

    def _from_first(
        self,
        first: Page,
        path: str,
        params: Mapping[str, str],
        progress: ListingProgress | None,
        report: WaitListener | None,
        build: Callable[[list[dict[str, Any]]], T],
        sink: PageSink[T],
    ) -> Listing:
        """The rest of a listing, from its first page."""
        if first.total is None or first.per_page is None:
            found = identities(first.records)
            present = [identity for identity in found if identity is not None]
            if len(set(present)) != len(present):
                raise ListingChanged("a record appeared twice", expected=len(first.records))
            if progress is not None:
                progress(1, 1)
            count = len(first.records)
            sink.begin(ListingShape(total=count, per_page=max(1, count), pages=1))
            sink.add(1, build(first.records))
            return Listing(pages=1, records=count)
        total_pages = page_count(first.total, first.per_page)
        held = sink.begin(ListingShape(first.total, first.per_page, total_pages))
        if total_pages == 1:  # one response: nothing could move between pages
            if progress is not None:
                progress(1, 1)
            check_page_size(first, first=first)
            sink.add(1, build(first.records))
            return Listing(pages=1, records=first.total)
        if held is not None and not held.numbers <= set(range(1, total_pages + 1)):
            raise ValueError(f"{path}: the held pages are not pages of this listing")
        return self._read_pages(
            path, params, first, total_pages, progress, report, build, sink, held
        )

    def _read_pages(
        self,
        path: str,
        params: Mapping[str, str],
        first: Page,
        total_pages: int,
        progress: ListingProgress | None,
        on_wait: WaitListener | None,
        build: Callable[[list[dict[str, Any]]], T],
        sink: PageSink[T],
        held: HeldPages | None,
    ) -> Listing:
        """Pages 2..n, page 1 again and the last page again, at most ``limit.current`` at a time.

        The calling thread takes each request's pacing permit (so ``on_wait`` and ``progress``
        are called from it) and hands the request to a worker; workers decode, check and build;
        the calling thread hands each built page to ``sink``. Pages ``held`` are skipped: they
        were read after the last page was first read (``held.last_page``), which must not have
        changed since, so the window that every page used was read in spans both reads.
        """
        assert first.per_page is not None
        assert first.total is not None
        cap = self._concurrency
        limit = self._limit
        skip = held.numbers if held is not None else frozenset()
        queue: deque[int] = deque(n for n in (total_pages, *range(2, total_pages)) if n not in skip)
        hashes = UuidHashes()
        anchor = list(held.last_page) if held is not None else None
        # The last page's identities, as first read (by the read that the held pages come from).
        last_read: list[object] | None = anchor if total_pages in skip else None
        if held is not None:
            for number, found in held.identities():
                hashes.add(number, found)
        stage = "pages"  # then "page 1 again", then "last page again"
        done = 1 + len(skip - {1})
        if progress is not None:
            progress(done, total_pages)
        running: dict[Future[_PageRead[T]], Permit] = {}
        pool = ThreadPoolExecutor(max_workers=cap, thread_name_prefix="dokstamp-page")
        peak = 0
        try:
            while True:
                while queue and len(running) < limit.current:
                    number = queue.popleft()
                    verify = stage == "last page again"
                    permit = self._pacer.acquire(API, on_wait=on_wait)
                    future = pool.submit(
                        self._page_read,
                        path,
                        params,
                        number=number,
                        first=first,
                        permit=permit,
                        build=None if verify else build,
                        observe=limit.observe,
                    )
                    running[future] = permit
                    peak = max(peak, len(running))
                if not queue:
                    if stage == "pages" and last_read is not None:
                        stage = "page 1 again"  # may go now: the last page has been read
                        if 1 not in skip:
                            queue.append(1)
                        continue
                    if stage == "page 1 again" and not running:
                        stage = "last page again"  # goes after every other read
                        queue.append(total_pages)
                        continue
                    if stage == "last page again" and not running:
                        break
                finished, _ = wait(running, timeout=_LOOK_AGAIN, return_when=FIRST_COMPLETED)
                if on_wait is not None:
                    # A worker's resend may be held by a Retry-After: tell the caller too.
                    until = self._pacer.held_until(API)
                    if until is not None:
                        on_wait(until - self._clock())
                for future in finished:
                    running.pop(future)
                    read = future.result()
                    if stage == "last page again":
                        if read.found != last_read:
                            raise ListingChanged(
                                f"page {total_pages} changed while the listing was read (rows "
                                "were added or deleted before it)",
                                expected=first.total,
                            )
                        continue
                    assert read.built is not None
                    if read.number == total_pages:
                        if anchor is not None and read.found != anchor:
                            raise ListingChanged(
                                f"page {total_pages} changed since the held pages were read",
                                expected=first.total,
                            )
                        last_read = read.found
                    sink.add(read.number, read.built)
                    hashes.add(read.number, read.found)
                    if read.number != 1:
                        done += 1
                        if progress is not None:
                            progress(done, total_pages)
        finally:
            # On any failure, pages not yet started are dropped rather than fetched for nothing
            # (and their permits handed back: they were never sent).
            pool.shutdown(wait=True, cancel_futures=True)
            for future, unused in running.items():
                if future.cancelled():
                    self._pacer.release(unused, None, None)
        suspects = hashes.suspects()
        if suspects:
            self._confirm_repeats(path, params, first, suspects, hashes, held)
        return Listing(
            pages=total_pages,
            records=first.total,
            peak_concurrency=peak,
        )

    def _page_read(
        self,
        path: str,
        params: Mapping[str, str],
        *,
        number: int,
        first: Page,
        permit: Permit,
        build: Callable[[list[dict[str, Any]]], T] | None,
        observe: Callable[[float, int | None], None],
    ) -> _PageRead[T]:
        assert first.per_page is not None
        page = self._fetch(
            path, params, number=number, per_page=first.per_page, permit=permit, observe=observe
        )
        check_page(page, first=first)
        found = check_page_size(page, first=first)
        return _PageRead(number, found, build(page.records) if build is not None else None)

    def _confirm_repeats(
        self,
        path: str,
        params: Mapping[str, str],
        first: Page,
        suspects: dict[int, set[int]],
        hashes: UuidHashes,
        held: HeldPages | None,
    ) -> None:
        """Read the pages of records whose hashes repeat again: a real repeat, or a collision.

        A held page is taken as held (it is what would be used), not read again.
        """
        assert first.per_page is not None
        seen: dict[object, int] = {}
        numbers = sorted(set().union(*suspects.values()))
        kept: dict[int, list[object]] = {}
        if held is not None and held.numbers.intersection(numbers):
            kept = {n: list(found) for n, found in held.identities() if n in numbers}
        for number in numbers:
            if number in kept:
                found = kept[number]
            else:
                page = self._fetch(path, params, number=number, per_page=first.per_page)
                found = identities(page.records)
            for identity in found:
                if identity is not None and hashes.hash_of(identity) in suspects:
                    if identity in seen and seen[identity] != number:
                        raise ListingChanged(
                            f"record {identity} appeared twice (pages {seen[identity]} and "
                            f"{number})",
                            expected=first.total if first.total is not None else 0,
                        )
                    seen[identity] = number
