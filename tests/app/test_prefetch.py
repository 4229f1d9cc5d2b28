"""The snapshot read as the server starts: what runtime would read itself, handed over once, and
nothing handed over for another configuration, another snapshot or the demo."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest

from dashboard.app import runtime
from dashboard.app.dataset import load_dataset
from dashboard.app.prefetch import LATEST, SnapshotPrefetch, config_key
from dashboard.data.snapshots import DiskSnapshotStore, SnapshotInfo
from dashboard.data.source import DataSource
from dashboard.settings import Settings
from dokstamp_sandbox.runner import RunningSandbox

from .conftest import AppFactory, sandbox_env

HANG_GUARD_SECONDS = 120  # only so a broken test fails instead of hanging


def _synced(sandbox: RunningSandbox, cache: Path, *, editing: bool = False) -> dict[str, str]:
    """The configuration of ``sandbox`` with a snapshot in ``cache`` (read the way the app
    reads it, as a viewer or an editor)."""
    config = sandbox_env(sandbox, cache, editing=editing)
    with DataSource(Settings.from_mapping(config)) as source:
        load_dataset(source)
    return config


def _prefetched(config: dict[str, str]) -> SnapshotPrefetch:
    prefetch = SnapshotPrefetch()
    thread = prefetch.read_latest(config)
    assert thread is not None
    thread.join(HANG_GUARD_SECONDS)
    return prefetch


def test_the_latest_snapshot_is_handed_over_once(sandbox: RunningSandbox, tmp_path: Path) -> None:
    config = _synced(sandbox, tmp_path / "cache")
    prefetch = _prefetched(config)
    key = config_key(config)
    source = prefetch.take_source(key)
    assert source is not None
    assert prefetch.take_source(key) is None  # the taker owns it now
    with source:
        expected = load_dataset(source)
        assert expected.snapshot_id is not None
        dataset = prefetch.take_dataset(key, expected.snapshot_id)
        assert dataset is not None
        assert prefetch.take_dataset(key, expected.snapshot_id) is None
    assert dataset.snapshot_id == expected.snapshot_id
    assert dataset.enrollments.equals(expected.enrollments)
    assert dataset.certificates.equals(expected.certificates)
    assert dataset.options == expected.options
    assert dataset.students is None  # a viewer's dataset: the student list is not read


def test_an_editors_dataset_has_the_student_list(sandbox: RunningSandbox, tmp_path: Path) -> None:
    config = _synced(sandbox, tmp_path / "cache", editing=True)
    prefetch = _prefetched(config)
    key = config_key(config)
    source = prefetch.take_source(key)
    assert source is not None
    with source:
        info = source.store.latest(source.line())
    assert info is not None
    dataset = prefetch.take_dataset(key, info.id)
    assert dataset is not None
    assert dataset.students is not None
    assert dataset.students.height > 0


def test_nothing_is_handed_over_for_another_configuration_or_snapshot(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    config = _synced(sandbox, tmp_path / "cache")
    key = config_key(config)
    other = config_key({**config, "ENROLLMENT_OUTCOMES_DISCLOSURE": "public"})
    prefetch = _prefetched(config)
    assert prefetch.take_dataset(key, "another-snapshot") is None

    prefetch = _prefetched(config)
    assert prefetch.take_source(other) is None  # and the source opened for it is closed
    assert prefetch.take_source(key) is None
    with DataSource(Settings.from_mapping(config)) as source:
        info = source.store.latest(source.line())
    assert info is not None
    assert prefetch.take_dataset(key, info.id) is None


def test_without_a_snapshot_only_the_source_is_handed_over(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    config = sandbox_env(sandbox, tmp_path / "empty-cache", editing=False)
    prefetch = _prefetched(config)
    key = config_key(config)
    source = prefetch.take_source(key)
    assert source is not None
    source.close()
    assert prefetch.take_dataset(key, "any") is None


def test_the_demo_is_left_to_the_first_run(tmp_path: Path) -> None:
    prefetch = SnapshotPrefetch()
    config = {"ENROLLMENT_OUTCOMES_CACHE_DIR": str(tmp_path)}  # no API URL: the demo
    assert prefetch.read_latest(config) is None
    assert prefetch.take_source(config_key(config)) is None  # at once: nothing to wait for


def test_an_unreachable_store_is_left_to_the_page(
    sandbox: RunningSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = {
        **sandbox_env(sandbox, tmp_path / "cache", editing=False),
        "ENROLLMENT_OUTCOMES_STORE": "redis://127.0.0.1:1/0",  # nothing listens there
    }
    prefetch = _prefetched(config)
    key = config_key(config)
    assert "reading the latest snapshot at start-up failed" in caplog.text
    source = prefetch.take_source(key)  # opened: the page reads through it and says why
    assert source is not None
    source.close()
    assert prefetch.take_dataset(key, "any") is None


def test_the_app_shows_the_prefetched_dataset_without_reading_it_again(
    sandbox: RunningSandbox,
    app_factory: AppFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path / "cache"
    config = _synced(sandbox, cache)
    for name, value in config.items():
        monkeypatch.setenv(name, value)
    thread = LATEST.read_latest(runtime.read_config())
    assert thread is not None
    thread.join(HANG_GUARD_SECONDS)
    read: list[str] = []
    store_read = DiskSnapshotStore.read

    def counted(
        self: DiskSnapshotStore, info: SnapshotInfo, resources: Sequence[str] | None = None
    ) -> dict[str, pl.DataFrame]:
        read.extend(resources or info.resources)
        return store_read(self, info, resources)

    monkeypatch.setattr(DiskSnapshotStore, "read", counted)
    at = app_factory(sandbox, editing=False, cache_dir=cache)
    assert not at.exception, at.exception
    assert "enrollments" not in read
    shown = next(m.value for m in at.metric if m.label == "Enrollments")
    with DataSource(Settings.from_mapping(config)) as source:
        assert shown == f"{load_dataset(source).enrollments.height:,}"
