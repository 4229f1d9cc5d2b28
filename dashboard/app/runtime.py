"""The dashboard's Streamlit-held state: the data source, the demo sandbox, the loaded dataset.

Process-wide resources (``st.cache_resource``) are keyed by the configuration, so one process can
serve several configurations (as the tests do) and the demo sandbox starts once per process. The
page context (source, dataset, filters) is handed from the entry file to the page through
``st.session_state``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from dashboard.app.dataset import Dataset, load_dataset
from dashboard.app.global_filters import Filters
from dashboard.sandbox.runner import RunningSandbox, SandboxOptions, start_sandbox
from dashboard.settings import Settings
from dashboard.sources import (
    SECRETS_SECTION,
    app_config,
    demo_config,
    demo_db_path,
    demo_enrollments,
    editing_enabled,
    wants_demo,
)

__all__ = [
    "AppSource",
    "PageContext",
    "current_dataset",
    "current_source",
    "data_changed",
    "page_context",
    "read_config",
    "refresh_dataset",
    "set_page_context",
]

ConfigKey = tuple[tuple[str, str], ...]
_CONTEXT_KEY = "_page_context"
# The loaded dataset is re-read from the data layer's cache at most this often (the data layer
# decides, by its own TTL, whether that read goes to the API).
_DATASET_SECONDS = 60.0


@dataclass(frozen=True)
class AppSource:
    """Where the data comes from, and what this deployment allows."""

    settings: Settings
    demo: bool
    editing: bool
    label: str
    key: ConfigKey


@dataclass(frozen=True)
class PageContext:
    """What the entry file hands to the page it runs."""

    source: AppSource
    dataset: Dataset
    filters: Filters
    filtered: pl.DataFrame
    as_of: datetime


def read_config(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The app's configuration: ``st.secrets["dokstamp"]`` overlaid by the environment."""
    section: Mapping[str, Any] = {}
    try:
        if SECRETS_SECTION in st.secrets:
            section = dict(st.secrets[SECRETS_SECTION])
    except FileNotFoundError:  # no secrets file at all: the environment alone decides
        section = {}
    return app_config(os.environ if environ is None else environ, section)


@st.cache_resource(show_spinner="Starting the demo sandbox (first start seeds its database)…")
def _demo_sandbox(db_path: str, enrollments: int) -> RunningSandbox:
    path = Path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Pages of up to 1,000 rows (the client's default page size): the first read is ~10x quicker
    # than with the sandbox's default cap of 100, which emulates a stricter server.
    return start_sandbox(
        path, seed="demo", enrollments=enrollments, options=SandboxOptions(max_per_page=1000)
    )


@st.cache_resource(show_spinner=False)
def _source(key: ConfigKey) -> AppSource:
    config = dict(key)
    if wants_demo(config):
        # Settings decide the cache folder; the sandbox's address is known only once it runs.
        provisional = Settings.from_mapping(demo_config(config, api_url="http://127.0.0.1"))
        sandbox = _demo_sandbox(str(demo_db_path(provisional.cache_dir)), demo_enrollments(config))
        settings = Settings.from_mapping(demo_config(config, api_url=sandbox.url))
        label = f"demo sandbox at {sandbox.url} (tenant {settings.tenant})"
        demo = True
    else:
        settings = Settings.from_mapping(config)
        label = f"{settings.api_url} (tenant {settings.tenant})"
        demo = False
    return AppSource(
        settings=settings,
        demo=demo,
        editing=editing_enabled(settings.editing, demo=demo),
        label=label,
        key=key,
    )


def current_source() -> AppSource:
    """The data source for the current configuration (starting the demo sandbox if needed)."""
    return _source(tuple(sorted(read_config().items())))


# A dataset just read by a refresh, handed to the next cached load instead of re-reading it.
_refreshed: dict[ConfigKey, Dataset] = {}


@st.cache_resource(show_spinner="Loading enrollments…", ttl=_DATASET_SECONDS)
def _dataset(key: ConfigKey) -> Dataset:
    refreshed = _refreshed.pop(key, None)
    if refreshed is not None:
        return refreshed
    source = _source(key)
    # The student list serves only the create form: viewers' start-up does not read it.
    return load_dataset(source.settings, students=source.editing)


def current_dataset(source: AppSource) -> Dataset:
    """The dataset for ``source``, shared by every session of this process."""
    return _dataset(source.key)


def refresh_dataset(source: AppSource, *, progress: Callable[[str, int, int], None]) -> Dataset:
    """Read everything from the API now, then make every session use the new data."""
    dataset = load_dataset(
        source.settings, refresh=True, progress=progress, students=source.editing
    )
    _refreshed[source.key] = dataset
    _dataset.clear()
    return dataset


def data_changed() -> None:
    """Forget the loaded dataset after a write: the next run reads the patched cache."""
    _dataset.clear()


def set_page_context(context: PageContext) -> None:
    """Hand the context to the page about to run."""
    st.session_state[_CONTEXT_KEY] = context


def page_context() -> PageContext:
    """The context the entry file prepared for this run."""
    context = st.session_state.get(_CONTEXT_KEY)
    if not isinstance(context, PageContext):
        st.error("Open the dashboard through its entry file (dashboard/app/main.py).")
        st.stop()
    return context


def extract_time(dataset: Dataset) -> datetime:
    """The data's extract time (now, for an empty cache), used as "as of" by every metric."""
    return dataset.fetched_at or datetime.now(UTC)
