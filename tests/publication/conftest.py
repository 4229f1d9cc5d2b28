"""The issue's small tenant (see small_tenant.py), built once per session and loaded through
the data layer as the CLI and the dashboard load it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from dashboard.data import load_certificates, load_cohorts, load_enrollments
from dashboard.metrics import with_groupings
from dashboard.settings import Settings

from .small_tenant import SmallTenant, small_tenant_sandbox


@dataclass(frozen=True)
class SmallData:
    """The small tenant's frames as loaded, and how to reach it."""

    tenant: SmallTenant
    env: dict[str, str]
    enrollments: pl.DataFrame  # with intake_year and modality, as the dashboard has them
    cohorts: pl.DataFrame
    as_of: datetime
    certificates: pl.DataFrame


@pytest.fixture(scope="session")
def small_tenant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmallTenant]:
    """The sandbox with the small tenant (built once: about 170 POSTs)."""
    with small_tenant_sandbox(tmp_path_factory.mktemp("small") / "sandbox.db") as tenant:
        yield tenant


@pytest.fixture(scope="session")
def small_data(small_tenant: SmallTenant, tmp_path_factory: pytest.TempPathFactory) -> SmallData:
    env = small_tenant.env(tmp_path_factory.mktemp("small-cache"))
    settings = Settings.from_mapping(env)
    enrollments = load_enrollments(settings)
    cohorts = load_cohorts(settings).frame
    return SmallData(
        tenant=small_tenant,
        env=env,
        enrollments=with_groupings(enrollments.frame, cohorts),
        cohorts=cohorts,
        as_of=enrollments.fetched_at,
        certificates=load_certificates(settings).frame,
    )


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"
