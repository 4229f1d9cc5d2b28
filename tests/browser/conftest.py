"""Browser-test fixtures: Debian's Chromium for pytest-playwright, and the dashboard served by
`streamlit run` (a subprocess on a free loopback port) against a private demo sandbox."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from dokstamp_sandbox.runner import RunningSandbox

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--headless",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "dashboard" / "app" / "main.py"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
START_TIMEOUT = 180.0  # a hang guard: the server imports every page module before it listens


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI: install Debian's chromium (see .ci/run)")
    pytest.skip(f"{CHROMIUM} is absent and CI is not set: the browser test needs Debian's chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(pytestconfig: pytest.Config) -> dict[str, Any]:
    """pytest-playwright's launch options: Debian's Chromium with the flags that work here."""
    _require_chromium()
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A large viewport (so screenshots hold a whole page) and downloads accepted."""
    return {
        **browser_context_args,
        "viewport": {"width": 1440, "height": 2400},
        "accept_downloads": True,
    }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class DashboardServer:
    """A running dashboard server (as `enrollment-outcomes app` starts it)."""

    url: str
    sandbox: RunningSandbox
    log: Path


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(
        f"streamlit did not start in {START_TIMEOUT:.0f}s:\n{log.read_text()[-3000:]}"
    )


def app_env(sandbox: RunningSandbox, cache_dir: Path, **more: str) -> dict[str, str]:
    """The outer environment without our settings, pointed at ``sandbox`` as the demo tenant."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DOKSTAMP_", "ENROLLMENT_OUTCOMES_"))
    }
    env.update(
        {
            "DOKSTAMP_API_URL": sandbox.url,
            "DOKSTAMP_TENANT": DEMO_TENANT,
            "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache_dir),
            **more,
        }
    )
    return env


@contextlib.contextmanager
def running_dashboard(
    env: dict[str, str], log: Path, *, port: int | None = None, secrets_file: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The dashboard's server as ``enrollment-outcomes app`` starts it (``python -m
    dashboard.app.server``: ``streamlit run`` of the entry file after its start-up work) with
    ``env``; yields its URL and process, stops it after.

    ``secrets_file``: the Streamlit secrets to read ([auth], [access]) instead of the project's.
    """
    port = port or _free_port()
    command = [
        sys.executable,
        "-m",
        "dashboard.app.server",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    if secrets_file is not None:
        command += ["--secrets.files", str(secrets_file)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture
def dashboard(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path
) -> Iterator[DashboardServer]:
    """The dashboard on a free port, reading a private demo sandbox, editing on.

    2,000 enrollments: the default cohort of the Cohorts page then has 10 or more, so its
    timeline is published under the internal policy (at 400 every cohort is under 10).
    """
    sandbox = sandbox_factory(seed="demo", enrollments=2_000)
    env = app_env(sandbox, tmp_path / "cache", ENROLLMENT_OUTCOMES_EDITING="true")
    log = tmp_path / "streamlit.log"
    with running_dashboard(env, log) as (url, _):
        yield DashboardServer(url=url, sandbox=sandbox, log=log)


@pytest.fixture
def screenshots() -> Path:
    """The folder page screenshots are saved to (a CI artifact)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
