"""DokStampClient: authenticated, retrying, rate-paced access to the DokStamp REST API (sync)."""

from __future__ import annotations

import dataclasses
import logging
import math
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from urllib.parse import quote

import httpx
import orjson

from dashboard.client._auth import token_source_for
from dashboard.client._concurrency import AdaptiveLimit
from dashboard.client._config import ClientSettings
from dashboard.client._exceptions import (
    ConfigurationError,
    DokStampError,
    IncompleteSyncError,
)
from dashboard.client._models import SyncStats, parse_timestamp
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
    read_page,
)
from dashboard.client._retry import RetryBudget, RetryPolicy
from dashboard.client._sending import API, HEADER_SAFE, Sender, Tally, UncertainWrite

__all__ = ["DokStampClient", "ListingProgress"]

logger = logging.getLogger("dashboard.client")

# progress(pages_done, pages_total) of one listing, called as its pages arrive.
ListingProgress = Callable[[int, int], None]
T = TypeVar("T")

# Uuids per batch-destroy request (the sandbox accepts up to 1000; the real limit is unknown).
BATCH_CHUNK = 500
# Whole-listing attempts when the pages do not add up (rows added or deleted meanwhile).
SYNC_ATTEMPTS = 3
# Page requests in flight when a listing starts; it adapts from there up to settings.concurrency.
INITIAL_CONCURRENCY = 8
# How often (seconds) a listing's calling thread looks up from waiting for its pages.
_LOOK_AGAIN = 0.25
# The real API's default order is undocumented: ask for a stable one so that pages fetched
# concurrently neither overlap nor leave gaps while nothing changes.
_STABLE_SORT = {"sort[column]": "uuid", "sort[order]": "asc"}
_RESOURCE = re.compile(r"[a-z][a-z0-9_-]*(/[a-z0-9_-]+)*")
_USER_AGENT = f"enrollment-outcomes (httpx/{httpx.__version__})"


def _segment(value: str) -> str:
    text = str(value)
    if not text:
        raise ValueError("an empty uuid")
    return quote(text, safe="")


def _where(filters: Mapping[str, str] | None) -> dict[str, str]:
    params: dict[str, str] = {}
    for field, value in (filters or {}).items():
        key = field if field.startswith("where[") else f"where[{field}]"
        params[key] = "null" if value is None else str(value)
    return params


def _was_deleted(error: DokStampError) -> bool:
    return error.status == 404


def _were_deleted(count: int) -> Callable[[DokStampError], bool]:
    """A batch resend refused because every uuid is gone (404, or 422 naming each of them)."""

    def check(error: DokStampError) -> bool:
        if error.status == 404:
            return True
        return error.status == 422 and all(f"uuids.{i}" in error.errors for i in range(count))

    return check


def _day(value: object) -> date | None:
    """The calendar day of an enrolled_at value, as sent (date or text) or as received."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            moment = parse_timestamp(value)
        except ValueError:
            return None
        return moment.date() if moment is not None else None
    return None


def _related_uuid(record: Mapping[str, Any], name: str) -> object:
    nested = record.get(name)
    if isinstance(nested, Mapping):
        return nested.get("uuid")
    return record.get(f"{name}_uuid")


@dataclass(frozen=True, slots=True)
class _Listing:
    pages: int
    records: int
    attempts: int = 1
    peak_concurrency: int = 1


@dataclass(frozen=True, slots=True)
class _PageRead(Generic[T]):
    number: int
    found: list[object] = dataclass_field(repr=False)  # the records' uuids, in order
    built: T | None


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


def _records_as_list(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return records


class _Collected(Generic[T]):
    """The sink of ``list_pages``: every page built, kept in memory, held pages none."""

    def __init__(self) -> None:
        self.built: dict[int, T] = {}

    def begin(self, shape: ListingShape) -> HeldPages | None:
        self.built.clear()  # a read again: what the last one built is void
        return None

    def add(self, number: int, built: T) -> None:
        self.built[number] = built

    def in_order(self) -> list[T]:
        return [self.built[number] for number in sorted(self.built)]


class DokStampClient:
    """A synchronous DokStamp client for one tenant; safe to share between threads.

    Parameters
    ----------
    settings
        Where and how to connect (``ClientSettings``; the app's ``Settings`` is one).
    transport
        An ``httpx`` transport to use instead of the network (``httpx.MockTransport`` in tests).
    sleep, clock, rng
        Injected waiting, monotonic time and jitter, so tests run fast and deterministically.
    """

    def __init__(
        self,
        settings: ClientSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._settings = settings
        self._sleep = sleep
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()
        self._rng_lock = threading.Lock()
        self._retry = RetryPolicy(
            max_attempts=settings.max_attempts, max_seconds=settings.retry_seconds
        )
        if not HEADER_SAFE.fullmatch(settings.tenant):
            raise ConfigurationError(
                "DOKSTAMP_TENANT may contain only visible ASCII characters (no spaces, line "
                "breaks or accents): it is sent in the X-Tenant header",
                variable="DOKSTAMP_TENANT",
            )
        connections = settings.concurrency + 2  # the page workers plus token/lookup requests
        self._http = httpx.Client(
            base_url=settings.api_url,
            transport=transport,
            timeout=httpx.Timeout(settings.timeout_seconds),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            headers={
                "Accept": "application/json",
                "X-Tenant": settings.tenant,
                "User-Agent": _USER_AGENT,
            },
            follow_redirects=False,  # a redirect must never carry the bearer token elsewhere
        )
        self._pacer = RateLimitPacer(clock=clock, sleep=sleep)
        self._tally = Tally()
        self._sender = Sender(
            self._http,
            pacer=self._pacer,
            tally=self._tally,
            budget=self._budget,
            clock=clock,
            sleep=sleep,
        )
        self._auth = token_source_for(settings.credentials, exchange=self._exchange, clock=clock)
        self.last_sync_stats: SyncStats | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"DokStampClient(api_url={self._settings.api_url!r}, tenant={self._settings.tenant!r})"
        )

    # -- lists ---------------------------------------------------------------------------------

    def list_all(
        self,
        resource: str,
        *,
        filters: Mapping[str, str] | None = None,
        progress: ListingProgress | None = None,
        on_wait: WaitListener | None = None,
    ) -> list[dict[str, Any]]:
        """Every record of a list endpoint, complete and without duplicates.

        ``filters`` become ``where[field]=value`` (AND-combined equality; ``"null"`` matches
        null). The first page is asked for with ``per_page = settings.page_size``; the server's
        ``meta.per_page`` and ``meta.total`` then give the page count, and the other pages are
        fetched concurrently (at most ``settings.concurrency`` at a time, fewer while latency
        rises or the server fails). When the pages do not add up (total changed, a page short,
        a uuid twice, the last page changed meanwhile) the whole listing is read again, up to 3
        times, then ``IncompleteSyncError``. ``progress(pages_done, pages_total)`` and
        ``on_wait(seconds)`` (a wait of over a second for the rate limit) are called from the
        calling thread. Sets ``last_sync_stats``.
        """
        pages = self.list_pages(
            resource, filters=filters, progress=progress, on_wait=on_wait, build=_records_as_list
        )
        if len(pages) == 1:
            return pages[0]
        return [record for page in pages for record in page]

    def list_pages(
        self,
        resource: str,
        *,
        filters: Mapping[str, str] | None = None,
        progress: ListingProgress | None = None,
        on_wait: WaitListener | None = None,
        build: Callable[[list[dict[str, Any]]], T],
    ) -> list[T]:
        """Every page of a list endpoint, each handed to ``build`` as it arrives; in page order.

        The same reading and checks as ``list_all``, without keeping the records: ``build``
        gets each page's records (decoded JSON objects) and what it returns is kept instead
        (say, a polars frame), so memory holds one page of Python objects per request in
        flight. ``build`` runs on the worker threads, several at once: it must be thread-safe.
        When the listing is read again, everything built so far is dropped. Repeated uuids are
        found from 64-bit hashes (16 bytes a record), confirmed by reading those pages again.
        Sets ``last_sync_stats``.
        """
        collected: _Collected[T] = _Collected()
        self.read_pages(
            resource, collected, filters=filters, progress=progress, on_wait=on_wait, build=build
        )
        return collected.in_order()

    def read_pages(
        self,
        resource: str,
        sink: PageSink[T],
        *,
        filters: Mapping[str, str] | None = None,
        progress: ListingProgress | None = None,
        on_wait: WaitListener | None = None,
        build: Callable[[list[dict[str, Any]]], T],
    ) -> SyncStats:
        """Every page of a list endpoint, built as in ``list_pages`` and handed to ``sink``.

        Nothing is kept here: ``sink.add`` gets each page once it passed the checks (say, to
        write it away), and the pages ``sink.begin`` says it holds already (from an interrupted
        read of the same listing shape) are not asked for; their identities still count in the
        check for repeats, and the last page as read now must equal the one they were read with,
        else the whole listing is read again (``begin`` is then called again). Returns and sets
        ``last_sync_stats`` (``requests`` counts only what was sent).
        """
        started = self._clock()
        before = self._tally.snapshot()
        throttled_before = self._pacer.throttled()
        self.last_sync_stats = None
        listing = self._collect(
            resource, filters=filters, progress=progress, on_wait=on_wait, build=build, sink=sink
        )
        requests, retries, paced = (
            now - then for now, then in zip(self._tally.snapshot(), before, strict=True)
        )
        self.last_sync_stats = SyncStats(
            pages=listing.pages,
            requests=int(requests),
            seconds=self._clock() - started,
            records=listing.records,
            attempts=listing.attempts,
            retries=int(retries),
            paced_seconds=float(paced),
            throttled=self._pacer.throttled() - throttled_before,
            peak_concurrency=listing.peak_concurrency,
        )
        return self.last_sync_stats

    def list_courses(self) -> list[dict[str, Any]]:
        """Every course of the tenant."""
        return self.list_all("courses")

    def list_cohorts(self) -> list[dict[str, Any]]:
        """Every cohort of the tenant."""
        return self.list_all("cohorts")

    def list_students(self, filters: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """Every student of the tenant (optionally filtered, e.g. ``{"email": ...}``)."""
        return self.list_all("students", filters=filters)

    def list_certificates(self) -> list[dict[str, Any]]:
        """Every certificate of the tenant, whatever its status."""
        return self.list_all("certificates")

    # -- single records ------------------------------------------------------------------------

    def get_enrollment(self, uuid: str) -> dict[str, Any]:
        """One enrollment (``NotFoundError`` if absent or another tenant's)."""
        return self._get_one("enrollments", uuid)

    def get_course(self, uuid: str) -> dict[str, Any]:
        """One course."""
        return self._get_one("courses", uuid)

    def get_cohort(self, uuid: str) -> dict[str, Any]:
        """One cohort."""
        return self._get_one("cohorts", uuid)

    def get_student(self, uuid: str) -> dict[str, Any]:
        """One student."""
        return self._get_one("students", uuid)

    # -- writes --------------------------------------------------------------------------------

    def create_enrollment(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Create an enrollment; returns it as the server stored it.

        There are no idempotency keys, so a create is never simply resent: after an uncertain
        failure (timeout or dropped connection after sending, or a 5xx) the enrollment is looked
        up by student, course, cohort and enrollment day, and only created again if absent.
        """
        body = dict(payload)
        budget = self._budget()
        while True:
            try:
                response = self._request(
                    "POST", "/enrollments", json=body, replay_safe=False, budget=budget
                )
                return self._data(response)
            except UncertainWrite as uncertain:
                error = uncertain.error
                try:
                    existing = self._find_enrollment(body)
                except DokStampError as lookup_error:
                    error.add_note(
                        "The enrollment may have been created: looking it up failed "
                        f"({lookup_error})."
                    )
                    raise error from lookup_error
                if existing is not None:
                    logger.info("create was uncertain; found it created as %s", existing["uuid"])
                    return existing
                delay = budget.next_delay()
                if delay is None:
                    raise error from None
                logger.warning("create failed (%s) and was not stored; retrying", error)
                self._tally.add(retries=1)
                self._sleep(delay)

    def update_enrollment(self, uuid: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH only the given fields; returns the updated enrollment."""
        if not changes:
            return self.get_enrollment(uuid)
        response = self._request("PATCH", f"/enrollments/{_segment(uuid)}", json=dict(changes))
        return self._data(response)

    def delete_enrollment(self, uuid: str) -> None:
        """Delete (soft-delete) one enrollment."""
        self._request("DELETE", f"/enrollments/{_segment(uuid)}", already_done=_was_deleted)

    def batch_delete_enrollments(self, uuids: Sequence[str]) -> None:
        """Delete several enrollments (``DELETE /enrollments/batch/destroy``).

        Sent in chunks of at most 500 uuids; each chunk is all-or-nothing on the server, the
        whole call is not when it needs several chunks.
        """
        if isinstance(uuids, str):
            raise TypeError("uuids must be a sequence of uuid strings, not one string")
        listed = list(uuids)
        for start in range(0, len(listed), BATCH_CHUNK):
            chunk = listed[start : start + BATCH_CHUNK]
            self._request(
                "DELETE",
                "/enrollments/batch/destroy",
                json={"uuids": chunk},
                already_done=_were_deleted(len(chunk)),
            )

    # -- internals: listings -------------------------------------------------------------------

    def _collect(
        self,
        resource: str,
        *,
        filters: Mapping[str, str] | None,
        progress: ListingProgress | None,
        on_wait: WaitListener | None,
        build: Callable[[list[dict[str, Any]]], T],
        sink: PageSink[T],
    ) -> _Listing:
        if not _RESOURCE.fullmatch(resource):
            raise ValueError(f"not a DokStamp resource path: {resource!r}")
        path = f"/{resource}"
        params = {**_STABLE_SORT, **_where(filters)}
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
                    self._sleep(self._jitter(self._retry.base_delay * 2 ** (attempt - 1)))
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
    ) -> _Listing:
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
        permit = self._pacer.acquire(API, on_wait=report)
        first = self._page(path, params, number=1, per_page=self._settings.page_size, permit=permit)
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
            return _Listing(pages=1, records=count)
        total_pages = page_count(first.total, first.per_page)
        held = sink.begin(ListingShape(first.total, first.per_page, total_pages))
        if total_pages == 1:  # one response: nothing could move between pages
            if progress is not None:
                progress(1, 1)
            check_page_size(first, first=first)
            sink.add(1, build(first.records))
            return _Listing(pages=1, records=first.total)
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
    ) -> _Listing:
        """Pages 2..n, page 1 again and the last page again, at most ``limit.current`` at a time.

        The calling thread takes each request's pacing permit (so ``on_wait`` and ``progress``
        are called from it) and hands the request to a worker; workers decode, check and build;
        the calling thread hands each built page to ``sink``. Pages ``held`` are skipped: they
        were read after the last page was first read (``held.last_page``), which must not have
        changed since, so the window that every page used was read in spans both reads.
        """
        assert first.per_page is not None
        assert first.total is not None
        cap = self._settings.concurrency
        limit = AdaptiveLimit(cap=cap, initial=min(cap, INITIAL_CONCURRENCY))
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
        return _Listing(
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
        page = self._page(
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
                page = self._page(path, params, number=number, per_page=first.per_page)
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

    def _page(
        self,
        path: str,
        params: Mapping[str, str],
        *,
        number: int,
        per_page: int,
        permit: Permit | None = None,
        observe: Callable[[float, int | None], None] | None = None,
    ) -> Page:
        response = self._request(
            "GET",
            path,
            params={**params, "page": str(number), "per_page": str(per_page)},
            permit=permit,
            observe=observe,
        )
        return read_page(
            self._decode(response), number=number, where=f"GET {path}", requested=per_page
        )

    def _find_enrollment(self, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """The enrollment matching a create payload, if the server has one."""
        student, course = body.get("student_uuid"), body.get("course_uuid")
        if not student or not course:
            return None
        collected: _Collected[list[dict[str, Any]]] = _Collected()
        self._collect(
            "enrollments",
            filters={"student_uuid": str(student), "course_uuid": str(course)},
            progress=None,
            on_wait=None,
            build=_records_as_list,
            sink=collected,
        )
        day = _day(body.get("enrolled_at"))
        cohort = body.get("cohort_uuid") or None
        for record in (r for page in collected.in_order() for r in page):
            if (
                _related_uuid(record, "student") == str(student)
                and _related_uuid(record, "course") == str(course)
                and (_related_uuid(record, "cohort") or None) == cohort
                and _day(record.get("enrolled_at")) == day
            ):
                return record
        return None

    # -- internals: one request ----------------------------------------------------------------

    def _get_one(self, resource: str, uuid: str) -> dict[str, Any]:
        return self._data(self._request("GET", f"/{resource}/{_segment(uuid)}"))

    def _budget(self) -> RetryBudget:
        return RetryBudget(self._retry, clock=self._clock, rng=self._rng_threadsafe())

    def _rng_threadsafe(self) -> random.Random:
        # Budgets draw jitter from a per-budget generator seeded from the client's, so one
        # injected seed still makes every delay reproducible.
        with self._rng_lock:
            return random.Random(self._rng.getrandbits(64))

    def _jitter(self, ceiling: float) -> float:
        with self._rng_lock:
            return self._rng.uniform(0.0, ceiling)

    def _exchange(
        self,
        path: str,
        *,
        form: Mapping[str, str] | None = None,
        json: Mapping[str, str] | None = None,
    ) -> Mapping[str, Any]:
        response = self._request("POST", path, form=form, json=json, authenticated=False)
        body = self._decode(response)
        if not isinstance(body, Mapping):
            raise DokStampError(f"{path} answered with something else than a JSON object")
        return body

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        form: Mapping[str, str] | None = None,
        authenticated: bool = True,
        replay_safe: bool = True,
        already_done: Callable[[DokStampError], bool] | None = None,
        budget: RetryBudget | None = None,
        permit: Permit | None = None,
        observe: Callable[[float, int | None], None] | None = None,
    ) -> httpx.Response:
        """``Sender.request`` with this client's token (none for token requests)."""
        return self._sender.request(
            method,
            path,
            auth=self._auth if authenticated else None,
            params=params,
            json=json,
            form=form,
            replay_safe=replay_safe,
            already_done=already_done,
            budget=budget,
            permit=permit,
            observe=observe,
        )

    def _decode(self, response: httpx.Response) -> Any:
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise DokStampError(
                "the server answered with something else than JSON",
                status=response.status_code,
                method=response.request.method,
                url=str(response.request.url.copy_with(query=None)),
            ) from None

    def _data(self, response: httpx.Response) -> dict[str, Any]:
        body = self._decode(response)
        if isinstance(body, dict) and isinstance(body.get("data"), dict):
            record: dict[str, Any] = body["data"]
            return record
        raise DokStampError(
            "expected a JSON object with a 'data' object",
            status=response.status_code,
            method=response.request.method,
            url=str(response.request.url.copy_with(query=None)),
        )
