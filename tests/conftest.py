"""Shared fixtures: a read-only demo sandbox for the session, and fresh sandboxes per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Literal

import pytest

from dashboard.sandbox.runner import RunningSandbox, SandboxOptions, start_sandbox

SANDBOX_ENROLLMENTS = 2_000

SandboxFactory = Callable[..., RunningSandbox]


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
