"""KeepAliveTransport: HTTP/1.1 over kept-alive connections, failures as httpx's, over real sockets.

A small HTTP server of the standard library on 127.0.0.1 plays the API's part in the ways the
sandbox never does (closing idle connections, chunked and gzipped answers, stalls, cut answers).
"""

from __future__ import annotations

import datetime
import gzip
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from dashboard.client._transport import KeepAliveTransport, transport_for


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the handler closes

    def log_message(self, format: str, *args: object) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        server: _Server = self.server  # type: ignore[assignment]
        with server.lock:
            server.connections += 1

    def _send(self, body: bytes, *, headers: dict[str, str] | None = None) -> None:
        self.send_response(200)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/plain":
            self._send(b'{"ok": true}', headers={"Content-Type": "application/json"})
        elif path == "/close-quietly":
            # Answers as if the connection stayed open, then closes it (an idle timeout).
            self._send(b"{}")
            self.close_connection = True
        elif path == "/close":
            self._send(b"{}", headers={"Connection": "close"})
            self.close_connection = True
        elif path == "/chunked-gzip":
            body = gzip.compress(b'{"rows": [1, 2, 3]}')
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(body), 7):
                piece = body[start : start + 7]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/stall":
            time.sleep(1.0)
            self._send(b"{}")
        elif path == "/cut":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"only ten b")
            self.close_connection = True
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        self._send(
            b'{"type": "' + self.headers["Content-Type"].encode() + b'", "body": "' + body + b'"}'
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.connections = 0


@pytest.fixture
def server() -> Iterator[_Server]:
    served = _Server()
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    yield served
    served.shutdown()
    served.server_close()


@pytest.fixture
def client(server: _Server) -> Iterator[httpx.Client]:
    host, port = server.server_address[:2]
    with httpx.Client(
        base_url=f"http://{host!s}:{port}",
        transport=KeepAliveTransport(max_idle=4),
        timeout=httpx.Timeout(5.0),
    ) as opened:
        yield opened


def test_requests_share_one_kept_alive_connection(client, server) -> None:
    for _ in range(5):
        response = client.get("/plain")
        assert response.status_code == 200
        assert response.json() == {"ok": True}
        assert response.http_version == "HTTP/1.1"
    assert server.connections == 1


def test_a_connection_the_server_closed_while_idle_is_replaced(client, server) -> None:
    assert client.get("/close-quietly").status_code == 200
    time.sleep(0.1)  # let the close reach this side
    assert client.get("/plain").json() == {"ok": True}
    assert server.connections == 2


def test_an_answer_that_closes_its_connection_is_not_reused(client, server) -> None:
    client.get("/close")
    client.get("/plain")
    assert server.connections == 2


def test_chunked_and_gzipped_answers_arrive_whole_and_decoded(client) -> None:
    response = client.get("/chunked-gzip")
    assert response.json() == {"rows": [1, 2, 3]}
    assert "transfer-encoding" not in response.headers


def test_bodies_are_sent_with_their_type(client) -> None:
    form = client.post("/echo", data={"grant_type": "client_credentials"})
    assert form.json() == {
        "type": "application/x-www-form-urlencoded",
        "body": "grant_type=client_credentials",
    }
    raw = client.post("/echo", content=b"abc", headers={"Content-Type": "text/plain"})
    assert raw.json() == {"type": "text/plain", "body": "abc"}


def test_an_error_status_is_a_response_not_an_exception(client) -> None:
    assert client.get("/missing").status_code == 404


def test_nothing_listening_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        httpx.Client(transport=KeepAliveTransport(max_idle=1)) as client,
        pytest.raises(httpx.ConnectError),
    ):
        client.get(f"http://127.0.0.1:{port}/plain")


def test_an_answer_slower_than_the_read_timeout_is_a_read_timeout(client) -> None:
    with pytest.raises(httpx.ReadTimeout):
        client.get("/stall", timeout=httpx.Timeout(5.0, read=0.2))


def test_an_answer_cut_short_is_a_protocol_error(client) -> None:
    # The request reached the server: an error the sender treats as "may have been sent".
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/cut")


def test_a_closed_transport_sends_nothing(server) -> None:
    transport = KeepAliveTransport(max_idle=1)
    host, port = server.server_address[:2]
    with httpx.Client(transport=transport) as client:
        client.get(f"http://{host!s}:{port}/plain")
        transport.close()
        with pytest.raises(httpx.ConnectError):
            client.get(f"http://{host!s}:{port}/plain")


def test_a_proxy_in_the_environment_gets_httpx_own_transport(monkeypatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(transport_for(max_idle=2), KeepAliveTransport)
    monkeypatch.setenv("https_proxy", "http://proxy.example:3128")
    assert isinstance(transport_for(max_idle=2), httpx.HTTPTransport)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by itself, and its key (PEM files)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_https_is_verified_as_httpx_verifies_it(tmp_path) -> None:
    cert_file, key_file = _self_signed(tmp_path)
    served = _Server()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    served.socket = context.wrap_socket(served.socket, server_side=True)
    threading.Thread(target=served.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{served.server_address[1]}/plain"
    try:
        trusting = ssl.create_default_context(cafile=str(cert_file))
        with httpx.Client(transport=KeepAliveTransport(max_idle=2, verify=trusting)) as client:
            assert client.get(url).json() == {"ok": True}
            assert client.get(url).json() == {"ok": True}
        assert served.connections == 1
        # httpx's default CA bundle does not know this certificate: refused before sending.
        with (
            httpx.Client(transport=KeepAliveTransport(max_idle=2)) as client,
            pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
        ):
            client.get(url)
    finally:
        served.shutdown()
        served.server_close()
