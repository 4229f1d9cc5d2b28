"""DokStampClient: authenticated, retrying, rate-paced access to the DokStamp REST API (sync).

The client owns the long-lived parts (connection pool, token, pacer, retry policy) and answers
the public calls; reading listings lives in ``_listing``, enrollment writes in ``_writes``, and
sending one request in ``_sending``.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
import orjson

from dashboard.client._auth import token_source_for
from dashboard.client._config import ClientSettings
from dashboard.client._exceptions import ClientInterrupted, ConfigurationError, DokStampError
from dashboard.client._listing import (
    ListingProgress,
    ListingReader,
    records_as_list,
)
from dashboard.client._models import SyncStats
from dashboard.client._pacing import Permit, RateLimitPacer, WaitListener
from dashboard.client._pagination import Page, PageSink, PagesInMemory, read_page
from dashboard.client._retry import RetryBudget, RetryPolicy
from dashboard.client._sending import HEADER_SAFE, Sender, Tally
from dashboard.client._transport import transport_for
from dashboard.client._writes import EnrollmentWrites, segment

__all__ = ["DokStampClient", "ListingProgress"]

T = TypeVar("T")

_USER_AGENT = f"enrollment-outcomes (httpx/{httpx.__version__})"


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
        self._interrupted = threading.Event()
        if sleep is time.sleep:
            sleep = self._wait  # the real clock's waits end at once on ``interrupt()``
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
            transport=transport if transport is not None else transport_for(max_idle=connections),
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
        self._tally = Tally(paced=self._pacer.paced_seconds)
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
        self._listings = ListingReader(
            self._page,
            pacer=self._pacer,
            tally=self._tally,
            page_size=settings.page_size,
            concurrency=settings.concurrency,
            base_delay=self._retry.base_delay,
            clock=clock,
            sleep=sleep,
            jitter=self._jitter,
        )
        self._writes = EnrollmentWrites(
            self._request,
            data=self._data,
            budget=self._budget,
            listings=self._listings,
            tally=self._tally,
            sleep=sleep,
        )

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def interrupt(self) -> None:
        """End this client's waits now, and any it would start: each raises ``ClientInterrupted``.

        For a process told to stop (SIGTERM) while a read waits for the rate limit's window (up
        to a minute) or a retry's back-off: it stops at once instead of when the wait is over.
        """
        self._interrupted.set()

    def _wait(self, seconds: float) -> None:
        if self._interrupted.wait(seconds):
            raise ClientInterrupted("stopped while waiting to send a request")

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
            resource, filters=filters, progress=progress, on_wait=on_wait, build=records_as_list
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
        pages: PagesInMemory[T] = PagesInMemory()
        self.read_pages(
            resource, pages, filters=filters, progress=progress, on_wait=on_wait, build=build
        )
        return pages.in_order()

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
        listing = self._listings.collect(
            resource, filters=filters, progress=progress, on_wait=on_wait, build=build, sink=sink
        )
        if listing.sent_ahead_at is not None:  # its first page (start_listing) is its cost too
            before = listing.sent_ahead_at
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

    def start_listing(self, resource: str, *, filters: Mapping[str, str] | None = None) -> None:
        """Send the first page request of a listing now, in the background, and return.

        A ``list_pages``/``list_all`` of the same resource and filters within a minute starts
        from that page instead of asking again (the rest of the listing, and its checks, are
        unchanged). For a caller with other work before the read: ``enrollment-outcomes sync``
        imports polars and opens its store while this first request (and the token request
        before it) is in flight. A failure is raised by the listing that takes the page.
        """
        self._listings.send_first_page(resource, filters=filters)

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
        return self._writes.create(payload)

    def update_enrollment(self, uuid: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH only the given fields; returns the updated enrollment."""
        return self._writes.update(uuid, changes)

    def delete_enrollment(self, uuid: str) -> None:
        """Delete (soft-delete) one enrollment."""
        self._writes.delete(uuid)

    def batch_delete_enrollments(self, uuids: Sequence[str]) -> None:
        """Delete several enrollments (``DELETE /enrollments/batch/destroy``).

        Sent in chunks of at most 500 uuids; each chunk is all-or-nothing on the server, the
        whole call is not when it needs several chunks.
        """
        self._writes.batch_delete(uuids)

    # -- internals: listings -------------------------------------------------------------------

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

    # -- internals: one request ----------------------------------------------------------------

    def _get_one(self, resource: str, uuid: str) -> dict[str, Any]:
        return self._data(self._request("GET", f"/{resource}/{segment(uuid)}"))

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
