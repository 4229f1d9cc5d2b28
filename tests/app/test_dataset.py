"""The dataset the pages share: frames with groupings, filter choices, extract time."""

from __future__ import annotations

from pathlib import Path

from dashboard.app.dataset import load_dataset
from dashboard.sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from dashboard.sandbox.runner import RunningSandbox
from dashboard.settings import Settings


def _settings(sandbox: RunningSandbox, cache: Path) -> Settings:
    return Settings.from_mapping(
        {
            "DOKSTAMP_API_URL": sandbox.url,
            "DOKSTAMP_TENANT": DEMO_TENANT,
            "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache),
        }
    )


def test_load_then_cache(sandbox: RunningSandbox, tmp_path: Path) -> None:
    settings = _settings(sandbox, tmp_path)
    calls: list[tuple[str, int, int]] = []
    first = load_dataset(settings, progress=lambda *args: calls.append(args))
    assert not first.empty
    assert {"intake_year", "modality"} <= set(first.enrollments.columns)
    assert not first.from_cache
    assert not first.stale
    assert {resource for resource, _, _ in calls} >= {"enrollments", "cohorts"}
    assert all(done <= total for _, done, total in calls)
    assert first.options.courses
    assert first.options.intake_years == tuple(sorted(first.options.intake_years))
    second = load_dataset(settings)
    assert second.from_cache
    assert second.fetched_at == first.fetched_at
    assert second.enrollments.equals(first.enrollments)


def test_empty_tenant(sandbox_factory: object, tmp_path: Path) -> None:
    empty = sandbox_factory(seed="empty")  # type: ignore[operator]
    dataset = load_dataset(_settings(empty, tmp_path))
    assert dataset.empty
    assert dataset.options.courses == ()
    assert dataset.fetched_at is not None
