"""Shared fixtures: a read-only demo sandbox for the session, and fresh sandboxes per test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from dashboard.settings import Settings
from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from dokstamp_sandbox.runner import RunningSandbox, SandboxOptions, start_sandbox

SANDBOX_ENROLLMENTS = 2_000

SandboxFactory = Callable[..., RunningSandbox]


def demo_settings(sandbox: RunningSandbox, cache_dir: Path) -> Settings:
    """Settings that read ``sandbox`` as the demo tenant's service client, cached in
    ``cache_dir``."""
    return Settings.from_mapping(
        {
            "DOKSTAMP_API_URL": sandbox.url,
            "DOKSTAMP_TENANT": DEMO_TENANT,
            "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache_dir),
        }
    )


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """A demo-seeded sandbox (about 2,000 enrollments) shared by the session: do not write to it."""
    db_path = tmp_path_factory.mktemp("sandbox") / "sandbox.db"
    with start_sandbox(db_path, seed="demo", enrollments=SANDBOX_ENROLLMENTS) as running:
        yield running


@pytest.fixture
def sandbox_factory(tmp_path: Path) -> Iterator[SandboxFactory]:
    """Start private sandboxes for one test (each on its own new db); all stopped at teardown."""
    started: list[RunningSandbox] = []

    def start(
        *,
        seed: Literal["demo", "empty"] | None = "empty",
        enrollments: int = SANDBOX_ENROLLMENTS,
        options: SandboxOptions | None = None,
        static_tokens: Mapping[str, str] | None = None,
        db_path: Path | None = None,
    ) -> RunningSandbox:
        path = db_path or tmp_path / f"sandbox-{len(started)}.db"
        running = start_sandbox(
            path,
            seed=seed,
            enrollments=enrollments,
            options=options,
            static_tokens=static_tokens or {},
        )
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@dataclass(frozen=True)
class RedisServer:
    """A real ``redis-server`` on a free loopback port, started for the test session."""

    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_redis() -> RedisServer:
    """Start Debian's redis-server on loopback (no persistence); fail clearly if it is absent."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing in CI: install Debian's redis-server (.ci/run)")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return RedisServer(url=f"redis://127.0.0.1:{port}/0", process=process)
        time.sleep(0.05)
    process.kill()
    pytest.fail(f"redis-server did not listen on {port}")


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A private redis-server for one test (tests may stop it to see the app degrade)."""
    server = start_redis()
    yield server
    if server.process.poll() is None:
        server.stop()
