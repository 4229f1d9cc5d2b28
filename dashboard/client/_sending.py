"""Sending one request: the bearer token, the pacer's leave, retries, and typed errors.

``Sender.request`` is the one door every call of ``DokStampClient`` goes through. It is written
as named steps (encode the body, sign the request, take the pacer's leave, send, read the
answer); ``_Attempts`` carries what one call has learnt between its sends.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson

from dashboard.client._auth import TokenSource
from dashboard.client._exceptions import (
    DokStampError,
    NetworkError,
    error_from_response,
    parse_retry_after,
)
from dashboard.client._pacing import Permit, RateLimitPacer
from dashboard.client._retry import RetryBudget

__all__ = ["API", "AUTH", "HEADER_SAFE", "Sender", "Tally", "UncertainWrite"]

logger = logging.getLogger("dashboard.client")

# Pacing buckets: Laravel throttles API requests per user and token requests per address.
API = "api"
AUTH = "auth"
# What the tenant and the token may hold to travel in a header: visible ASCII, no spaces.
HEADER_SAFE = re.compile(r"[\x21-\x7e]+")
# These failures happen before the request reaches the server: resending cannot duplicate it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# httpx refuses to send these requests at all (a header value HTTP does not allow, or one that is
# not ASCII); the exceptions quote the value, which may be the bearer token.
_UNSENDABLE = (httpx.LocalProtocolError, UnicodeEncodeError)

Observer = Callable[[float, int | None], None]


class Tally:
    """Counters shared by the threads of one client; ``paced`` gives the seconds its requests
    waited for the rate limit (``RateLimitPacer.paced_seconds``)."""

    def __init__(self, paced: Callable[[], float]) -> None:
        self._lock = threading.Lock()
        self._paced = paced
        self.requests = 0
        self.retries = 0

    def add(self, *, requests: int = 0, retries: int = 0) -> None:
        with self._lock:
            self.requests += requests
            self.retries += retries

    def snapshot(self) -> tuple[int, int, float]:
        with self._lock:
            return self.requests, self.retries, self._paced()


class UncertainWrite(Exception):
    """A non-replayable request failed after it may have reached the server."""

    def __init__(self, error: DokStampError) -> None:
        super().__init__(str(error))
        self.error = error


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


@dataclass(frozen=True, slots=True)
class _Body:
    content: bytes | None
    data: Mapping[str, str] | None
    content_type: str | None


def _encoded(json: Mapping[str, Any] | None, form: Mapping[str, str] | None) -> _Body:
    if json is not None:
        return _Body(orjson.dumps(json, default=_json_default), None, "application/json")
    return _Body(None, form, None)


@dataclass(slots=True)
class _Attempts:
    """What one call has learnt between its sends."""

    method: str
    path: str
    replay_safe: bool
    budget: RetryBudget
    given: Permit | None  # the caller's leave for the first send
    renewed: bool = False  # the token was renewed once after a 401
    uncertain: bool = False  # an earlier send may have reached the server


@dataclass(frozen=True, slots=True)
class _TransportFailure:
    """No answer came; ``maybe_sent``: the request may have reached the server."""

    error: NetworkError
    cause: httpx.TransportError
    maybe_sent: bool


class Sender:
    """Sends requests through one ``httpx.Client`` with auth, pacing and retries."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        pacer: RateLimitPacer,
        tally: Tally,
        budget: Callable[[], RetryBudget],
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self._http = http
        # Each request's URL is made here in one parse: httpx's own merging of a path and its
        # query into the base URL parses it three times (~0.3 ms of CPU per request).
        self._base = str(http.base_url).rstrip("/") + "/"
        self._pacer = pacer
        self._tally = tally
        self._new_budget = budget
        self._clock = clock
        self._sleep = sleep

    def request(
        self,
        method: str,
        path: str,
        *,
        auth: TokenSource | None,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        form: Mapping[str, str] | None = None,
        replay_safe: bool = True,
        already_done: Callable[[DokStampError], bool] | None = None,
        budget: RetryBudget | None = None,
        permit: Permit | None = None,
        observe: Observer | None = None,
    ) -> httpx.Response:
        """Send with auth (``auth=None``: unauthenticated), pacing and retries; returns a 2xx
        response or raises a DokStampError.

        ``replay_safe=False`` (creates): a failure after the request may have reached the server
        raises ``UncertainWrite`` instead of resending. ``already_done(error)``: on a resend that
        follows such a failure, says whether a 4xx means the first send did the job (deletes).
        ``permit``: the pacer's leave for the first send, taken by the caller (resends take
        their own). ``observe(seconds, status)`` hears of every send's duration and status
        (None when no response came).
        """
        body = _encoded(json, form)
        headers = {"Content-Type": body.content_type} if body.content_type else {}
        attempts = _Attempts(
            method,
            path,
            replay_safe,
            budget if budget is not None else self._new_budget(),
            permit,
        )
        while True:
            token = self._sign(headers, auth, attempts)
            leave = self._leave(attempts, API if auth is not None else AUTH)
            sent = self._clock()
            result = self._send(attempts, leave, params=params, body=body, headers=headers)
            if isinstance(result, _TransportFailure):
                if observe is not None:
                    observe(self._clock() - sent, None)
                self._after_transport_failure(attempts, result)
                continue
            self._pacer.release(leave, result.status_code, result.headers)
            if observe is not None:
                observe(self._clock() - sent, result.status_code)
            if self._answered(result, attempts, auth=auth, token=token, done=already_done):
                return result

    def _sign(
        self, headers: dict[str, str], auth: TokenSource | None, attempts: _Attempts
    ) -> str | None:
        """Put the bearer token in ``headers``; the caller's unused leave is given back if
        that fails."""
        if auth is None:
            return None
        try:
            token = auth.token()
            if not HEADER_SAFE.fullmatch(token):
                # Checked here: httpx would refuse it too, but its (and httpcore's debug
                # trace) message quotes the whole header, token included.
                raise DokStampError(
                    "the request could not be sent: the access token holds characters "
                    "an HTTP header may not carry (only visible ASCII, no spaces)",
                    method=attempts.method,
                    url=attempts.path,
                )
        except BaseException:
            if attempts.given is not None:
                self._pacer.release(attempts.given, None, None)  # never sent
            raise
        headers["Authorization"] = f"Bearer {token}"
        return token

    def _leave(self, attempts: _Attempts, bucket: str) -> Permit:
        """The pacer's leave for this send: the caller's for the first, a new one after."""
        if attempts.given is not None:
            permit, attempts.given = attempts.given, None
        else:
            permit = self._pacer.acquire(bucket)
        attempts.budget.exclude(permit.waited)
        self._tally.add(requests=1)
        return permit

    def _send(
        self,
        attempts: _Attempts,
        permit: Permit,
        *,
        params: Mapping[str, str] | None,
        body: _Body,
        headers: Mapping[str, str],
    ) -> httpx.Response | _TransportFailure:
        """One send: the response, a transport failure to retry, or a typed error."""
        method, path = attempts.method, attempts.path
        unsendable: str | None = None
        try:
            return self._http.request(
                method,
                self._url(path, params),
                content=body.content,
                data=body.data,
                headers=headers,
            )
        except _UNSENDABLE as exc:
            unsendable = type(exc).__name__  # raised below, outside this block: see there
        except httpx.DecodingError as exc:
            self._pacer.release(permit, None, None)
            error = DokStampError(
                f"the response could not be decoded ({type(exc).__name__}: {exc})",
                method=method,
                url=path,
            )
            if not attempts.replay_safe:
                raise UncertainWrite(error) from exc  # the server answered: it may be done
            raise error from exc
        except httpx.TransportError as exc:
            self._pacer.release(permit, None, None)
            error = NetworkError(
                f"{type(exc).__name__}: {exc}".rstrip(": "), method=method, url=path
            )
            return _TransportFailure(error, exc, maybe_sent=not isinstance(exc, _NOT_SENT))
        except httpx.HTTPError as exc:  # anything else httpx may add: typed, not retried
            self._pacer.release(permit, None, None)
            raise DokStampError(
                f"the request failed ({type(exc).__name__})", method=method, url=path
            ) from None
        self._pacer.release(permit, None, None)
        # Nothing was sent, and nothing is retried. httpx's message quotes the header value
        # (the bearer token), so it is neither used nor chained as the context.
        raise DokStampError(
            f"the request could not be sent: a header value is not valid in HTTP "
            f"({unsendable}; check the token and DOKSTAMP_TENANT)",
            method=method,
            url=path,
        )

    def _url(self, path: str, params: Mapping[str, str] | None) -> httpx.URL:
        """``path`` under the base URL, with ``params`` as its query (encoded as httpx does)."""
        query = f"?{urlencode(params)}" if params else ""
        return httpx.URL(f"{self._base}{path.lstrip('/')}{query}")

    def _after_transport_failure(self, attempts: _Attempts, failure: _TransportFailure) -> None:
        """Wait before the resend, or raise when a resend could duplicate a write or the
        retry budget is spent."""
        if failure.maybe_sent and not attempts.replay_safe:
            raise UncertainWrite(failure.error) from failure.cause
        attempts.uncertain = attempts.uncertain or failure.maybe_sent
        delay = attempts.budget.next_delay()
        if delay is None:
            raise failure.error from failure.cause
        self._before_retry(attempts, failure.error, delay)

    def _answered(
        self,
        response: httpx.Response,
        attempts: _Attempts,
        *,
        auth: TokenSource | None,
        token: str | None,
        done: Callable[[DokStampError], bool] | None,
    ) -> bool:
        """True when ``response`` is the call's answer; False to send again (after any wait);
        raises the typed error of a final failure."""
        method, path, status = attempts.method, attempts.path, response.status_code
        if 300 <= status < 400:
            location = response.headers.get("Location", "elsewhere")
            raise DokStampError(
                f"the API answered with a redirect to {location}, which is not followed "
                "(it would carry the token); check DOKSTAMP_API_URL",
                status=status,
                method=method,
                url=path,
            )
        if status < 400:
            return True
        failure = error_from_response(response)
        if (
            status == 401
            and auth is not None
            and token is not None
            and auth.renewable
            and not attempts.renewed
        ):
            attempts.renewed = True
            logger.info("%s %s: token refused; renewing it once", method, path)
            auth.renew(token)
            return False
        if attempts.uncertain and status < 500 and done is not None and done(failure):
            return True
        if status != 429 and status < 500:
            raise failure
        # A Retry-After holds every thread of the client: the pacer does that waiting.
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status >= 500 and not attempts.replay_safe:
            raise UncertainWrite(failure)
        attempts.uncertain = attempts.uncertain or status >= 500
        delay = attempts.budget.next_delay(retry_after, rate_limited=status == 429)
        if delay is None:
            raise failure
        self._before_retry(attempts, failure, 0.0 if retry_after is not None else delay)
        return False

    def _before_retry(self, attempts: _Attempts, error: DokStampError, delay: float) -> None:
        logger.warning(
            "%s %s failed (%s); retrying in %.2f s", attempts.method, attempts.path, error, delay
        )
        self._tally.add(retries=1)
        if delay > 0:
            self._sleep(delay)
