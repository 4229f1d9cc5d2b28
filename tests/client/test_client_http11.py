"""_http11: a request written and its answer read, byte for byte, over a real socket pair.

The server's side is written by hand here, so every framing an API may use (a length, chunks,
the connection's end) and every way an answer can go wrong is exact. The transport's own tests
(test_client_transport.py) run the same code against a real HTTP server.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from dashboard.client._http11 import MAX_HEAD, ProtocolError, Response, read_response, write_request


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair()
    ours.settimeout(2.0)  # a reader waiting for bytes that never come fails instead of hanging
    yield ours, theirs
    ours.close()
    theirs.close()


def _answer(
    pair: tuple[socket.socket, socket.socket], raw: bytes, *, method: str = "GET", close: bool
) -> Response:
    ours, theirs = pair

    def send() -> None:  # in a thread: an answer larger than the socket's buffer blocks
        theirs.sendall(raw)
        if close:
            theirs.shutdown(socket.SHUT_WR)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        return read_response(ours, method=method)
    finally:
        sender.join(timeout=2.0)


def test_the_request_goes_out_as_written(pair) -> None:
    ours, theirs = pair
    write_request(
        ours,
        "POST",
        b"/oauth/token?x=1",
        [(b"Host", b"api.test"), (b"Content-Length", b"3")],
        b"a=b",
    )
    assert theirs.recv(1024) == (
        b"POST /oauth/token?x=1 HTTP/1.1\r\nHost: api.test\r\nContent-Length: 3\r\n\r\na=b"
    )


def test_a_body_of_the_stated_length_leaves_the_connection_for_the_next_request(pair) -> None:
    answer = _answer(
        pair,
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n"
        b'X-RateLimit-Remaining:  59 \r\n\r\n{"a": [1]}\n',
        close=False,
    )
    assert (answer.status, answer.reason, answer.body) == (200, "OK", b'{"a": [1]}\n')
    assert answer.headers == [
        (b"Content-Type", b"application/json"),
        (b"Content-Length", b"11"),
        (b"X-RateLimit-Remaining", b"59"),
    ]
    assert answer.keep_alive


def test_a_body_larger_than_one_receive_arrives_whole(pair) -> None:
    body = bytes(range(256)) * 4000  # 1 MB, many receives
    answer = _answer(
        pair, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body, close=False
    )
    assert answer.body == body


def test_chunks_are_joined_and_transfer_encoding_is_dropped(pair) -> None:
    answer = _answer(
        pair,
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
        b"5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nExpires: never\r\n\r\n",
        close=False,
    )
    assert answer.body == b"hello world"
    assert answer.headers == [(b"Content-Type", b"text/plain")]
    assert answer.keep_alive


def test_an_answer_without_a_length_ends_with_the_connection(pair) -> None:
    answer = _answer(pair, b"HTTP/1.1 200 OK\r\n\r\nto the end", close=True)
    assert answer.body == b"to the end"
    assert not answer.keep_alive


@pytest.mark.parametrize(
    ("head", "keep"),
    [
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\n", False),
        (b"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\n", False),
        (b"HTTP/1.0 200 OK\r\n", False),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n", True),
        (b"HTTP/1.1 200 OK\r\n", True),
    ],
)
def test_whether_the_connection_may_be_reused(pair, head: bytes, keep: bool) -> None:
    answer = _answer(pair, head + b"Content-Length: 2\r\n\r\n{}", close=False)
    assert answer.keep_alive is keep


def test_interim_answers_are_skipped(pair) -> None:
    answer = _answer(
        pair,
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}",
        close=False,
    )
    assert (answer.status, answer.body) == (201, b"{}")


@pytest.mark.parametrize(
    ("method", "head"),
    [
        ("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n"),
        ("DELETE", b"HTTP/1.1 204 No Content\r\n\r\n"),
        ("GET", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 500\r\n\r\n"),
    ],
)
def test_answers_that_never_have_a_body(pair, method: str, head: bytes) -> None:
    answer = _answer(pair, head, method=method, close=False)
    assert answer.body == b""
    assert answer.keep_alive


def test_bytes_past_the_answer_make_the_connection_unusable(pair) -> None:
    answer = _answer(
        pair, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\n", close=False
    )
    assert answer.body == b"{}"
    assert not answer.keep_alive


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "closed the connection without answering"),
        (b"HTTP/1.1 200 OK\r\nContent-Le", "closed in the middle of the status line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "cut short: 5 of 10 bytes"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "cut short"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "not a chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd", "did not end"),
        (b"SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP/1.1 status line"),
        (b"HTTP/1.1 2000 OK\r\n\r\n", "not an HTTP/1.1 status line"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "not a header line"),
        (b"HTTP/1.1 200 OK\r\n folded: value\r\n\r\n", "not a header line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", "conflicting"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "not a length"),
        (b"HTTP/1.1 101 Switching Protocols\r\n\r\n", "switched protocols"),
    ],
)
def test_what_is_not_a_whole_answer_is_a_protocol_error(pair, raw: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        _answer(pair, raw, close=True)


def test_a_head_that_never_ends_is_refused_at_its_limit(pair) -> None:
    with pytest.raises(ProtocolError, match="ran past"):
        _answer(pair, b"HTTP/1.1 200 OK\r\nX-Filler: " + b"x" * (MAX_HEAD + 10), close=True)


def test_a_silent_server_is_the_sockets_timeout(pair) -> None:
    ours, _ = pair
    ours.settimeout(0.05)
    with pytest.raises(TimeoutError):
        read_response(ours, method="GET")
