"""Running a sandbox server in a background thread on a loopback port (tests, app, notebooks)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Literal

import uvicorn

from dokstamp_sandbox.api import create_app
from dokstamp_sandbox.options import SandboxOptions
from dokstamp_sandbox.provision import provision

__all__ = ["RunningSandbox", "SandboxOptions", "SandboxStartError", "start_sandbox"]

_NO_TOKENS: Mapping[str, str] = MappingProxyType({})
_START_TIMEOUT_SECONDS = 60.0


class SandboxStartError(RuntimeError):
    """The server thread did not come up."""


class RunningSandbox:
    """A sandbox server serving in a background thread; stop() (or leaving `with`) ends it."""

    def __init__(
        self, *, url: str, db_path: Path, server: uvicorn.Server, thread: threading.Thread
    ) -> None:
        self.url = url
        self.db_path = db_path
        self._server = server
        self._thread = thread

    def stop(self) -> None:
        """Stop serving and wait for the thread to finish (idempotent)."""
        self._server.should_exit = True
        self._thread.join(timeout=30)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningSandbox(url={self.url!r}, db_path={str(self.db_path)!r})"


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0 = a free port chosen by the system)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only when the
    # listening socket says it is TCP; without it every response waits ~40 ms (Nagle + delayed ACK).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def sandbox_server(
    db_path: Path, *, options: SandboxOptions, static_tokens: Mapping[str, str]
) -> uvicorn.Server:
    """The uvicorn server of a sandbox app over db_path (quiet: no access log)."""
    app = create_app(db_path=db_path, options=options, static_tokens=dict(static_tokens))
    return uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))


def server_url(sock: socket.socket) -> str:
    """The base URL of a listening socket (IPv6 hosts in brackets)."""
    host, port = sock.getsockname()[:2]
    url_host = f"[{host}]" if ":" in host else host
    return f"http://{url_host}:{port}"


def start_sandbox(
    db_path: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    seed: Literal["demo", "empty"] | None = "demo",
    enrollments: int = 50_000,
    options: SandboxOptions | None = None,
    static_tokens: Mapping[str, str] = _NO_TOKENS,
) -> RunningSandbox:
    """Start a sandbox over db_path (seeded only if the file is new) and return once it serves."""
    db_path = Path(db_path)
    provision(db_path, seed_kind=seed, enrollments=enrollments)
    server = sandbox_server(
        db_path, options=options or SandboxOptions(), static_tokens=static_tokens
    )
    sock = bind_socket(host, port)
    bound_port = sock.getsockname()[1]
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"sandbox:{bound_port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise SandboxStartError(f"sandbox on {host}:{bound_port} did not start")
        time.sleep(0.01)
    return RunningSandbox(url=server_url(sock), db_path=db_path, server=server, thread=thread)
