"""The strip above every page: demo banner, freshness line, refresh button and its status line."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard.app.dataset import Dataset
from dashboard.app.freshness import age_in_words, freshness_line
from dashboard.app.plain_text import escape_markdown
from dashboard.app.runtime import AppSource, background_refresh, refresh_dataset
from dashboard.data.loading import latest_snapshot

__all__ = ["render_header"]


# How often the status line looks again while a refresh runs (it costs one small store read).
_STATUS_SECONDS = 2.0


def _status_line(source: AppSource, shown: str | None) -> None:
    """Progress of a background refresh; when a newer snapshot is published, show it."""
    latest = latest_snapshot(source.data, source.data.line())  # None when the store fails
    if latest is not None and shown is not None and latest.id != shown:
        st.rerun(scope="app")  # the new snapshot replaces the old one; filters stay as they are
    status = background_refresh(source.key).status()
    text = status.describe(datetime.now(UTC))
    if status.running:
        st.caption(text)
    elif text:
        st.warning(escape_markdown(text), icon=":material/sync_problem:")


def render_header(source: AppSource, dataset: Dataset, *, refresh: bool = True) -> None:
    """Banners and the freshness line with its refresh button (``refresh``: admins only)."""
    if source.demo:
        st.info(
            "Demo mode: no DOKSTAMP_API_URL is configured, so the dashboard started its own "
            f"local sandbox with invented data ({escape_markdown(source.label)}). Corrections "
            "change only the "
            "demo database. See .streamlit/secrets.toml.example to connect a real tenant.",
            icon=":material/science:",
        )
    if dataset.stale:
        when = (
            age_in_words(dataset.fetched_at, now=datetime.now(UTC))
            if dataset.fetched_at
            else "earlier"
        )
        reasons = "; ".join(str(error) for error in dataset.errors) or "unknown error"
        st.warning(
            f"Stale data: the API could not be read, so this shows cached data fetched {when}. "
            f"Reason: {escape_markdown(reasons)}",
            icon=":material/warning:",
        )
    if dataset.store_error is not None:
        st.warning(
            "The snapshot store cannot be reached, so this shows the last data this server "
            f"held; new data and corrections appear once it is back. ({dataset.store_error})",
            icon=":material/cloud_off:",
        )
    line, button = st.columns([5, 1], vertical_alignment="center")
    with line:
        st.text(
            freshness_line(
                dataset.fetched_at,
                now=datetime.now(UTC),
                source=source.label,
                patched_at=dataset.patched_at,
            )
        )
    with button:
        if refresh and st.button(
            "Refresh data",
            key="refresh_data",
            icon=":material/refresh:",
            help="Read everything from the API in the background; this page stays as it is "
            "until the new data is complete.",
        ):
            refresh_dataset(source)
    running = background_refresh(source.key).status().running
    st.fragment(_status_line, run_every=_STATUS_SECONDS if running else None)(
        source, dataset.snapshot_id
    )
