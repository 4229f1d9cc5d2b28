"""HTTP/1.1 on a connected socket: one request written, one response read (RFC 9112).

The transport's wire format and nothing else: no pooling, no TLS, no timeouts (the socket has
them), no decoding of the body's content coding (httpx does that). ``http.client`` does the same
through a buffered file, an e-mail header parser and a per-connection state machine, which cost
about 0.35 ms of CPU more per 40 KB page (0.65 against 0.29 ms, measured on 127.0.0.1), and a
sync sends thousands of pages.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

__all__ = ["ProtocolError", "Response", "read_response", "write_request"]

# The status line and headers together: more is not an API's answer.
MAX_HEAD: Final = 64 * 1024
_RECEIVE: Final = 64 * 1024
_NO_BODY_STATUSES: Final = frozenset({204, 304})


class ProtocolError(Exception):
    """The server sent something that is not an HTTP/1.1 answer, or stopped in the middle of one."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    reason: str
    headers: list[tuple[bytes, bytes]]
    """As sent, less ``Transfer-Encoding`` (the body is whole)."""
    body: bytes
    keep_alive: bool
    """The connection may carry the next request."""


def write_request(
    sock: socket.socket,
    method: str,
    target: bytes,
    headers: Iterable[tuple[bytes, bytes]],
    body: bytes,
) -> None:
    """Send the request line, ``headers`` (Host and Content-Length among them) and ``body``."""
    head = b"".join(
        [
            method.encode("ascii"),
            b" ",
            target,
            b" HTTP/1.1\r\n",
            *(name + b": " + value + b"\r\n" for name, value in headers),
            b"\r\n",
        ]
    )
    sock.sendall(head + body)


def read_response(sock: socket.socket, *, method: str) -> Response:
    """The answer to the request just written (interim 1xx answers skipped).

    Raises ``ProtocolError`` when the answer is malformed, cut short or never starts (a kept-alive
    connection the server dropped as the request went out); socket errors and timeouts propagate
    as they are.
    """
    reader = _Reader(sock)
    while True:
        status, reason, version, headers = reader.head()
        if not 100 <= status < 200:
            break
        if status == 101:
            raise ProtocolError("the server switched protocols, which was never asked for")
    names = [name.lower() for name, _ in headers]
    keep_alive = _keeps_alive(version, _tokens(headers, names, b"connection"))
    if method == "HEAD" or status in _NO_BODY_STATUSES:
        body = b""
    elif b"transfer-encoding" in names:
        codings = _tokens(headers, names, b"transfer-encoding")
        if codings and codings[-1] == b"chunked":
            body = reader.chunked()
        else:  # a body without a length ends with the connection
            body, keep_alive = reader.until_closed(), False
        headers = [
            pair for pair, name in zip(headers, names, strict=True) if name != b"transfer-encoding"
        ]
    elif b"content-length" in names:
        body = reader.exactly(_content_length(headers, names))
    else:
        body, keep_alive = reader.until_closed(), False
    if reader.buffered:
        keep_alive = False  # bytes nobody asked for: this connection's next answer is unknown
    return Response(status, reason, headers, body, keep_alive)


def _tokens(headers: list[tuple[bytes, bytes]], names: list[bytes], wanted: bytes) -> list[bytes]:
    """The comma-separated tokens of every ``wanted`` header, lower-cased, in order."""
    return [
        token.strip().lower()
        for (_, value), name in zip(headers, names, strict=True)
        if name == wanted
        for token in value.split(b",")
        if token.strip()
    ]


def _keeps_alive(version: bytes, connection: list[bytes]) -> bool:
    if b"close" in connection:
        return False
    return version != b"HTTP/1.0" or b"keep-alive" in connection


def _content_length(headers: list[tuple[bytes, bytes]], names: list[bytes]) -> int:
    values = set(_tokens(headers, names, b"content-length"))
    if len(values) != 1:
        raise ProtocolError(f"conflicting Content-Length headers: {sorted(values)}")
    (text,) = values
    if not text.isdigit():
        raise ProtocolError(f"Content-Length is not a length: {text!r}")
    return int(text)


class _Reader:
    """Bytes from the socket, buffered only as far as the answer being read needs."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def head(self) -> tuple[int, str, bytes, list[tuple[bytes, bytes]]]:
        """Status, reason, version and headers of the next answer."""
        if not self._buffer and not self._receive():
            raise ProtocolError("the server closed the connection without answering")
        lines = self._through(b"\r\n\r\n", limit=MAX_HEAD, what="the status line and headers")
        status_line, *header_lines = lines.split(b"\r\n")
        version, _, rest = status_line.partition(b" ")
        code, _, reason = rest.partition(b" ")
        if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise ProtocolError(f"not an HTTP/1.1 status line: {status_line[:80]!r}")
        headers: list[tuple[bytes, bytes]] = []
        for line in header_lines:
            name, colon, value = line.partition(b":")
            if not colon or not name or name != name.strip():
                raise ProtocolError(f"not a header line: {line[:80]!r}")
            headers.append((name, value.strip(b" \t")))
        return int(code), reason.decode("latin-1"), version, headers

    def exactly(self, size: int) -> bytes:
        """The next ``size`` bytes; the connection ending sooner is a ``ProtocolError``."""
        have = len(self._buffer)
        if have >= size:
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
            return data
        whole = bytearray(size)
        whole[:have] = self._buffer
        self._buffer.clear()
        view = memoryview(whole)
        while have < size:
            received = self._sock.recv_into(view[have:])  # never past this answer
            if not received:
                raise ProtocolError(f"the answer was cut short: {have} of {size} bytes came")
            have += received
        return bytes(whole)

    def chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            line = self._through(b"\r\n", limit=4096, what="a chunk size")
            size_text = line.partition(b";")[0].strip()  # chunk extensions are ignored
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ProtocolError(f"not a chunk size: {line[:80]!r}") from None
            if size == 0:
                while self._through(b"\r\n", limit=MAX_HEAD, what="the trailers"):
                    pass  # trailer fields are dropped, as httpx's own transport does
                return b"".join(parts)
            parts.append(self.exactly(size))
            if self.exactly(2) != b"\r\n":
                raise ProtocolError("a chunk did not end where its size said")

    def until_closed(self) -> bytes:
        while self._receive():
            pass
        data = bytes(self._buffer)
        self._buffer.clear()
        return data

    def _through(self, end: bytes, *, limit: int, what: str) -> bytes:
        """The bytes before the next ``end`` (consumed with it)."""
        searched = 0
        while (found := self._buffer.find(end, searched)) < 0:
            if len(self._buffer) > limit:
                raise ProtocolError(f"{what} ran past {limit} bytes")
            searched = max(0, len(self._buffer) - len(end) + 1)
            if not self._receive():
                raise ProtocolError(f"the connection closed in the middle of {what}")
        data = bytes(self._buffer[:found])
        del self._buffer[: found + len(end)]
        return data

    def _receive(self) -> int:
        """Bytes added to the buffer (0: the connection has ended)."""
        received = self._sock.recv(_RECEIVE)
        self._buffer += received
        return len(received)
