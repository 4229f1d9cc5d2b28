"""The strip above every page: demo, stale and not-cached banners, freshness, refresh."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard.app.dataset import Dataset
from dashboard.app.freshness import age_in_words, freshness_line
from dashboard.app.plain_text import escape_markdown
from dashboard.app.runtime import AppSource, refresh_dataset
from dashboard.client import DokStampError

__all__ = ["render_header"]


def _refresh(source: AppSource) -> None:
    bar = st.progress(0.0, text="Reading from the API…")

    def progress(resource: str, done: int, total: int) -> None:
        share = min(done / total, 1.0) if total else 1.0
        bar.progress(share, text=f"Reading {resource}: page {done:,} of {total:,}")

    try:
        refreshed = refresh_dataset(source, progress=progress)
    except DokStampError as error:
        bar.empty()
        st.error(f"Refresh failed: {escape_markdown(str(error))}")
        return
    bar.empty()
    if refreshed.stale:
        st.session_state["_refresh_note"] = "The API could not be read: still showing cached data."
    st.rerun()


def render_header(source: AppSource, dataset: Dataset) -> None:
    """Banners and the freshness line with its refresh button."""
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
    if dataset.cache_errors:
        st.warning(
            "Not cached: the data was read from the API but could not be stored in the cache "
            f"folder {escape_markdown(str(dataset.cache_dir))}, so every reload reads the API "
            f"again. Reason: {escape_markdown('; '.join(dataset.cache_errors))}",
            icon=":material/warning:",
        )
    note = st.session_state.pop("_refresh_note", None)
    if note:
        st.warning(note)
    line, button = st.columns([5, 1], vertical_alignment="center")
    with line:
        st.text(
            freshness_line(
                dataset.fetched_at,
                now=datetime.now(UTC),
                from_cache=dataset.from_cache,
                source=source.label,
            )
        )
    with button:
        clicked = st.button(
            "Refresh data",
            key="refresh_data",
            icon=":material/refresh:",
            help="Read everything from the API now.",
        )
    if clicked:
        _refresh(source)
