"""The client's HTTP/1.1 transport: keep-alive sockets, pooled, speaking ``_http11``.

``httpx.Client`` stays the client (URLs, headers, timeouts, errors, responses); this replaces
only what sends the bytes. httpx's default transport (httpcore + h11) cost about 1.5 ms of CPU
per page request, and with 16 threads its pool re-examines every connection for every request
while holding one lock (measured: ~15% of a 100k sync's client CPU). A sync is CPU-bound in the
client at 20 ms per request: plain sockets and ``_http11`` do the exchange in about a fifth of
that CPU (``http.client``, used before, in about two fifths).

What it does not do, httpx's does: HTTP/2, proxies and Unix sockets. ``transport_for`` gives
httpx's own transport when any of those could apply (a proxy variable is set).

Errors are httpx's, with httpx's meaning (the sender's retries depend on it): a failure before
the request was written is ``ConnectError``/``ConnectTimeout`` (never sent, safe to resend),
anything after is a ``ReadError``/``WriteError``/``ReadTimeout``/``RemoteProtocolError`` (it
may have reached the server).
"""

from __future__ import annotations

import os
import select
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from dashboard.client._http11 import ProtocolError, Response, read_response, write_request

__all__ = ["KeepAliveTransport", "transport_for"]

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
_Origin = tuple[str, str, int]


def transport_for(*, max_idle: int) -> httpx.BaseTransport:
    """The transport a client sends through: ours, or httpx's own where a proxy is configured
    in the environment (httpx reads those variables; ours does not speak to proxies)."""
    if any(os.environ.get(name) or os.environ.get(name.lower()) for name in _PROXY_VARIABLES):
        return httpx.HTTPTransport()
    return KeepAliveTransport(max_idle=max_idle)


class KeepAliveTransport(httpx.BaseTransport):
    """HTTP/1.1 over sockets kept alive and reused (last used first).

    Thread-safe: a connection is used by one request at a time; idle ones wait in the pool, at
    most ``max_idle`` of them per origin (more are closed when they come back).
    """

    def __init__(self, *, max_idle: int, verify: ssl.SSLContext | bool = True) -> None:
        self._max_idle = max(1, max_idle)
        self._verify = verify
        self._ssl: ssl.SSLContext | None = None  # made at the first https connection
        self._idle: dict[_Origin, list[socket.socket]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        timeouts = request.extensions.get("timeout", {})
        body = request.read()
        connection = self._connection(origin, timeouts.get("connect"))
        try:
            answer = _exchange(connection, request, body, timeouts)
        except BaseException:
            connection.close()
            raise
        if answer.keep_alive:
            self._give_back(origin, connection)
        else:
            connection.close()
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            content=answer.body,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": answer.reason.encode("latin-1"),
            },
        )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    # -- connections -----------------------------------------------------------------------------

    def _connection(self, origin: _Origin, connect_timeout: float | None) -> socket.socket:
        """An idle connection that is still open, or a new one (connected)."""
        while True:
            with self._lock:
                if self._closed:
                    raise httpx.ConnectError("the client has been closed")
                pool = self._idle.get(origin)
                connection = pool.pop() if pool else None
            if connection is None:
                break
            if _still_open(connection):
                return connection
            connection.close()  # the server closed it while it was idle
        scheme, host, port = origin
        with _mapped(connect=True):
            connection = socket.create_connection((host, port), timeout=connect_timeout)
            try:
                # Small requests and responses on a kept-alive connection: without this every
                # answer waits for the delayed ACK of the one before (Nagle), ~40 ms each.
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if scheme == "https":
                    connection = self._tls().wrap_socket(connection, server_hostname=host)
            except BaseException:
                connection.close()
                raise
        return connection

    def _tls(self) -> ssl.SSLContext:
        """The TLS settings httpx's own transport would use (its CA bundle, ``SSL_CERT_FILE``)."""
        with self._lock:
            if self._ssl is None:
                self._ssl = httpx.create_ssl_context(verify=self._verify)
            return self._ssl

    def _give_back(self, origin: _Origin, connection: socket.socket) -> None:
        with self._lock:
            if not self._closed:
                pool = self._idle.setdefault(origin, [])
                if len(pool) < self._max_idle:
                    pool.append(connection)
                    return
        connection.close()


def _exchange(
    connection: socket.socket,
    request: httpx.Request,
    body: bytes,
    timeouts: dict[str, float | None],
) -> Response:
    """Write ``request`` and read its answer, failures mapped to httpx's."""
    connection.settimeout(timeouts.get("write"))
    with _mapped(write=True):
        write_request(connection, request.method, request.url.raw_path, request.headers.raw, body)
    connection.settimeout(timeouts.get("read"))
    with _mapped(write=False):
        return read_response(connection, method=request.method)


def _still_open(connection: socket.socket) -> bool:
    """An idle keep-alive connection the server has not closed: nothing to read on it yet (a
    readable idle socket means the server closed it, or sent what nobody asked for)."""
    readable, _, _ = select.select([connection], [], [], 0)
    return not readable


@contextmanager
def _mapped(*, connect: bool = False, write: bool = False) -> Iterator[None]:
    """Standard-library failures raised as httpx's, with httpx's meaning (see the module)."""
    try:
        yield
    except TimeoutError as error:
        if connect:
            raise httpx.ConnectTimeout(str(error) or "timed out connecting") from error
        if write:
            raise httpx.WriteTimeout(str(error) or "timed out sending") from error
        raise httpx.ReadTimeout(str(error) or "timed out reading") from error
    except ProtocolError as error:
        raise httpx.RemoteProtocolError(str(error)) from error
    except OSError as error:
        if connect:
            raise httpx.ConnectError(str(error)) from error
        if write:
            raise httpx.WriteError(str(error)) from error
        raise httpx.ReadError(str(error)) from error
