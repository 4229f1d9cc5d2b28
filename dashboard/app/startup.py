"""The dashboard server's start-up, after its launcher (``dashboard.app.server``) has started
reading the latest snapshot: the imports, the warm-up and the default page run, then Streamlit.

See ``dashboard.app.server`` for what happens when, and why.
"""

from __future__ import annotations

import gc
import logging
import socket
import ssl
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import streamlit.web.cli as streamlit_cli
from streamlit import config as streamlit_config
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime import exists as streamlit_runtime_exists
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from dashboard.app import media_guard, preload, runtime

__all__ = [
    "ENTRY",
    "FIRST_VIEWERS_SECONDS",
    "SERVER_OPTIONS",
    "render_default_page",
    "serve",
    "stream_url",
    "streamlit_argv",
    "warm_up",
]

ENTRY = Path(__file__).resolve().parent / "main.py"
logger = logging.getLogger("dashboard.app")
# preload has imported every module a page uses (``preload.WARMED_UP`` ran the lazy paths).
_PRELOADED = preload.WARMED_UP

# Seconds after the server listens during which an expired snapshot's refresh waits to begin:
# enough for the first viewers' pages on a busy 2-core machine; short beside any sensible TTL.
FIRST_VIEWERS_SECONDS = 10.0
# Streamlit options the server starts with, before the caller's (which override them).
SERVER_OPTIONS: Final = ("--server.fileWatcherType", "none")
# How long the start-up waits for the server to listen, and for its own page run.
_LISTEN_TIMEOUT = 300.0
_PAGE_TIMEOUT = 300.0

# Streamlit warns once per cached call made outside a page run ("missing ScriptRunContext").
_NO_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"
_START_UP_THREAD = "dashboard-start-up"
# Addresses that mean "every interface": the server is reached on loopback.
_ANY_ADDRESS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 (compared, never bound)


def warm_up() -> None:
    """Open the source and read its latest snapshot, as the first viewer's run would (taking
    what the launcher read meanwhile: ``dashboard.app.prefetch``).

    An expired snapshot's refresh is left to the first page run (held, see the module).
    """
    try:
        runtime.current_dataset(runtime.current_source(), refresh_expired=False)
    except Exception:  # the first viewer's run will show the same problem, with its message
        logger.warning("warming up the dashboard failed; the first view will try again")


class _NotFromStartUp(logging.Filter):
    """Drops the records of the start-up thread: its cached calls are made outside any page
    run, each of which Streamlit reports as "missing ScriptRunContext" (dozens of lines at
    start). A filter, not a level: Streamlit sets its loggers' levels as its server starts."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != _START_UP_THREAD


def stream_url() -> str | None:
    """The websocket URL of this process's Streamlit server, on loopback when it listens on
    every interface; None when it cannot be reached that way (a Unix socket)."""
    address = str(streamlit_config.get_option("server.address") or "")
    if address.startswith("unix:"):
        return None
    host = "127.0.0.1" if address in _ANY_ADDRESS else address
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    port = int(streamlit_config.get_option("server.port"))
    base = str(streamlit_config.get_option("server.baseUrlPath") or "").strip("/")
    scheme = "wss" if streamlit_config.get_option("server.sslCertFile") else "ws"
    return f"{scheme}://{host}:{port}/{base + '/' if base else ''}_stcore/stream"


def _wait_for_streamlit(timeout: float) -> bool:
    """Wait until Streamlit has read its options (command line, files, environment) and built
    its runtime: before that, ``stream_url`` would read the defaults (port 8501)."""
    deadline = time.monotonic() + timeout
    while not streamlit_runtime_exists():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _wait_until_listening(url: str, timeout: float) -> bool:
    host_port = url.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=1.0):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def render_default_page(url: str, *, timeout: float = _PAGE_TIMEOUT) -> str:
    """Run the default page (no filters in the URL) once in a new session of the server at
    ``url``, as a browser opening it would; the run's outcome ("FINISHED_SUCCESSFULLY", ...).

    Only the page's messages are read and dropped: the point is what the run leaves in the
    process (compiled scripts, the snapshot and the view cache). Raises ``OSError`` (and the
    websocket library's errors) when the server cannot be reached or the run does not finish.
    """
    context = None
    if url.startswith("wss:"):
        # Our own server on loopback, with a certificate made for its public name.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    rerun = BackMsg()
    rerun.rerun_script.query_string = ""
    rerun.rerun_script.page_script_hash = ""
    deadline = time.monotonic() + timeout
    protocols = [Subprotocol("streamlit")]
    with connect(
        url, subprotocols=protocols, max_size=None, ssl=context, open_timeout=timeout
    ) as session:
        session.send(rerun.SerializeToString())
        while True:
            message = ForwardMsg()
            message.ParseFromString(session.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            if message.WhichOneof("type") == "script_finished":
                return str(ForwardMsg.ScriptFinishedStatus.Name(message.script_finished))


def _start_up() -> None:
    """The start-up thread: the snapshot now; once the server listens, the default page."""
    started = time.monotonic()
    warm_up()
    if not _wait_for_streamlit(_LISTEN_TIMEOUT):
        return
    url = stream_url()
    if url is None or not _wait_until_listening(url, _LISTEN_TIMEOUT):
        return
    runtime.hold_automatic_refresh(FIRST_VIEWERS_SECONDS)
    # The server's own long-lived objects (Streamlit's runtime, the snapshot's few containers)
    # join the imports outside the collector's reach.
    gc.freeze()
    try:
        outcome = render_default_page(url)
    except Exception as error:  # a viewer's run does the same work; say why, never stop the server
        logger.warning("the default page could not be prepared before the first viewer: %s", error)
        return
    # On the console beside Streamlit's own lines (its loggers hide ours below warnings).
    print(
        f"  Dashboard ready: the default page ran ({outcome}) "
        f"{time.monotonic() - started:.1f} s after start.",
        flush=True,
    )


def streamlit_argv(options: Sequence[str]) -> list[str]:
    """The command line of ``streamlit run`` of the entry file: ``SERVER_OPTIONS``, then
    ``options`` (a repeated option takes its last value: the caller's)."""
    return ["streamlit", "run", str(ENTRY), *SERVER_OPTIONS, *options]


def serve(argv: Sequence[str] | None = None) -> None:
    """``streamlit run`` of the entry file with ``argv`` as its options, after the warm-up."""
    media_guard.install()  # with sign-in, /media answers only the user who made the file
    # Every module is imported: out of the collector's reach, so the full collection Streamlit
    # runs after each page run is cheap (objects made later are collected as usual).
    gc.freeze()
    runtime.hold_automatic_refresh(FIRST_VIEWERS_SECONDS)  # again from when it listens
    logging.getLogger(_NO_CONTEXT_LOGGER).addFilter(_NotFromStartUp())
    threading.Thread(target=_start_up, name=_START_UP_THREAD, daemon=True).start()
    sys.argv = streamlit_argv(sys.argv[1:] if argv is None else argv)
    streamlit_cli.main()
