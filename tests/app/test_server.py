"""``dashboard.app.server``: the default page is run before the first viewer, the websocket URL it
uses, and an expired snapshot's refresh held while the first viewers are served."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit.web.cli as streamlit_cli
from streamlit import config as streamlit_config

from dashboard.app import runtime, startup
from dashboard.app.startup import (
    ENTRY,
    SERVER_OPTIONS,
    render_default_page,
    stream_url,
    streamlit_argv,
)
from dashboard.cli.dashboard_command import streamlit_command
from dokstamp_sandbox.runner import RunningSandbox

from .conftest import AppFactory, sandbox_env

ROOT = Path(__file__).resolve().parents[2]
READY = "Dashboard ready: the default page ran"
HANG_GUARD_SECONDS = 240  # only so a broken test fails instead of hanging


@pytest.fixture
def streamlit_options() -> Iterator[None]:
    """Streamlit's config options as they were, after the test sets some."""
    names = ("server.address", "server.port", "server.baseUrlPath", "server.sslCertFile")
    before = {name: streamlit_config.get_option(name) for name in names}
    yield
    for name, value in before.items():
        streamlit_config.set_option(name, value)


@pytest.mark.parametrize(
    ("address", "base", "expected"),
    [
        ("127.0.0.1", "", "ws://127.0.0.1:8600/_stcore/stream"),
        ("0.0.0.0", "", "ws://127.0.0.1:8600/_stcore/stream"),  # noqa: S104 (every interface)
        ("", "/dashboard/", "ws://127.0.0.1:8600/dashboard/_stcore/stream"),
        ("::1", "", "ws://[::1]:8600/_stcore/stream"),
    ],
)
def test_the_stream_url_is_the_server_on_loopback(
    streamlit_options: None, address: str, base: str, expected: str
) -> None:
    streamlit_config.set_option("server.address", address)
    streamlit_config.set_option("server.port", 8600)
    streamlit_config.set_option("server.baseUrlPath", base)
    assert stream_url() == expected


def test_a_unix_socket_has_no_stream_url(streamlit_options: None) -> None:
    streamlit_config.set_option("server.address", "unix:///tmp/dashboard.sock")
    assert stream_url() is None


def _run_options(argv: list[str]) -> dict[str, object]:
    """The options ``streamlit run`` reads from ``argv`` (``["streamlit", "run", ...]``)."""
    return dict(streamlit_cli.main_run.make_context("run", argv[2:]).params)


def test_the_server_does_not_watch_source_files_unless_told() -> None:
    argv = streamlit_argv(["--server.port", "8600"])
    assert argv[:3] == ["streamlit", "run", str(ENTRY)]
    assert list(SERVER_OPTIONS) == ["--server.fileWatcherType", "none"]
    options = _run_options(argv)
    assert options["server_fileWatcherType"] == "none"
    assert options["server_port"] == 8600
    told = _run_options(streamlit_argv(["--server.fileWatcherType", "poll"]))
    assert told["server_fileWatcherType"] == "poll"


def test_an_expired_snapshot_refresh_waits_while_held(
    sandbox: RunningSandbox,
    app_factory: AppFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = app_factory(sandbox, editing=False)  # no snapshot yet: the first run reads one
    assert not at.exception, at.exception
    first = runtime.current_dataset(runtime.current_source()).snapshot_id
    monkeypatch.setenv("ENROLLMENT_OUTCOMES_CACHE_TTL", "0")  # every snapshot is expired now
    source = runtime.current_source()
    runtime.hold_automatic_refresh(1.0)
    try:
        shown = runtime.current_dataset(source)
        held = runtime.background_refresh(source.key).status()
    finally:
        runtime.hold_automatic_refresh(0.0)
    assert shown.snapshot_id == first  # the expired snapshot is on screen at once
    assert held.running  # the status line shows "starting" and keeps looking
    assert held.resource is None
    runtime.background_refresh(source.key).join(HANG_GUARD_SECONDS)
    done = runtime.background_refresh(source.key).status()
    assert done.error is None
    assert done.snapshot_id is not None
    assert done.snapshot_id != first


@pytest.mark.slow
def test_the_server_runs_the_default_page_before_the_first_viewer(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DOKSTAMP_", "ENROLLMENT_OUTCOMES_"))
    }
    env.update(sandbox_env(sandbox, tmp_path / "cache", editing=False))
    process = subprocess.Popen(
        [*streamlit_command(host="127.0.0.1", port=port), "--server.fileWatcherType", "none"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if READY in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(HANG_GUARD_SECONDS), "".join(lines)[-4000:]
        # Before anyone opened the page, the server ran it (no snapshot yet: its first sync).
        assert f"{READY} (FINISHED_SUCCESSFULLY)" in "".join(lines)
        # A viewer's run after it works as before.
        viewer = render_default_page(f"ws://127.0.0.1:{port}/_stcore/stream")
        assert viewer == "FINISHED_SUCCESSFULLY"
    finally:
        process.terminate()
        process.wait(30)
        reader.join(10)
    assert "Traceback" not in "".join(lines), "".join(lines)[-4000:]


def test_the_start_up_threads_no_context_warnings_are_dropped_and_no_others() -> None:
    # Its cached calls run outside any page run: Streamlit warns once per call (dozens of
    # lines on the console at start); the same warning from any other thread still shows.
    drop = startup._NotFromStartUp()

    def record(thread: str) -> logging.LogRecord:
        made = logging.LogRecord(
            "x", logging.WARNING, __file__, 1, "missing ScriptRunContext", (), None
        )
        made.threadName = thread
        return made

    assert not drop.filter(record(startup._START_UP_THREAD))
    assert drop.filter(record("ScriptRunner.scriptThread"))
