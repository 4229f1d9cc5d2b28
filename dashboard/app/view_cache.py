"""What a page shows, computed once per snapshot, filter, policy and page option, not per rerun.

A rerun (any widget, a filter set back, another session with the same view) reuses the published
tables, chart specs and KPIs computed for the same view. Safe because a snapshot is immutable:
its id names its frames for good, so the same view of the same snapshot is the same numbers.
The big frames never enter the key (nothing hashes them); the cache holds only published
results, and at most ``MAX_ENTRIES`` of them per process (least recently used go first), so
memory stays bounded however many filters are tried. A dataset without a snapshot id (not read
from a snapshot) is never cached. A result of a class defined in a page script is refused: its
methods' globals are that run's namespace, so the entry would keep the run's filtered rows alive.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Final, TypeVar, cast

import streamlit as st

from dashboard.app.dataset import Dataset
from dashboard.app.runtime import PageContext
from dashboard.publication import DisclosurePolicy
from dashboard.publication.filters import Filters

__all__ = ["MAX_ENTRIES", "cached_for_view", "per_view"]

T = TypeVar("T")
# Entries are published tables and chart specs (kilobytes to a few megabytes each): a page holds
# up to ~8, so this keeps the last few dozen views of every page.
MAX_ENTRIES: Final = 256


@st.cache_resource(max_entries=MAX_ENTRIES, show_spinner=False)
def _shared(key: str, _build: Callable[[], object]) -> object:
    # cache_resource: one object for every session, no copy per read (its values are never
    # changed: frames are immutable, specs are copied by st.vega_lite_chart before any change).
    built = _build()
    if type(built).__module__ == "__main__":  # a class defined in a page script
        raise TypeError(
            f"{type(built).__qualname__} is defined in a page script: a cached instance would "
            "keep that run's filtered rows alive; define it in a module"
        )
    return built


def cached_for_view(
    name: str,
    build: Callable[[], T],
    *,
    dataset: Dataset,
    filters: Filters,
    as_of: datetime,
    policy: DisclosurePolicy,
    options: tuple[Hashable, ...] = (),
) -> T:
    """``build()``, or what it returned before for the same view of the same snapshot.

    ``name`` says what is built (unique per page and panel); ``options`` are the page's own
    settings the result depends on (a grouping, a pass mark, a chosen cohort).
    """
    if dataset.snapshot_id is None:
        return build()
    # The scope is part of what is shown: a user limited to some courses must never get a
    # result built for the whole institution, or for another scope.
    key = repr((dataset.snapshot_id, dataset.scope, as_of, filters, policy, name, options))
    return cast(T, _shared(key, build))


def per_view(
    context: PageContext,
    policy: DisclosurePolicy,
    name: str,
    build: Callable[[], T],
    *options: Hashable,
) -> T:
    """``cached_for_view`` for the page's context (its dataset, filters and extract time, and
    whether this user sees row-level data)."""
    return cached_for_view(
        name,
        build,
        dataset=context.dataset,
        filters=context.filters,
        as_of=context.as_of,
        policy=policy,
        options=(*options, ("rows", context.rows)),
    )
