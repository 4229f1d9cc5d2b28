"""Published results kept per view: built once per snapshot, filter, policy, name and option."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from dashboard.app import view_cache
from dashboard.app.dataset import Dataset
from dashboard.app.global_filters import FilterOptions
from dashboard.app.view_cache import cached_for_view
from dashboard.publication import DisclosurePolicy
from dashboard.publication.filters import Filters

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
DATASET = Dataset(
    enrollments=pl.DataFrame({"uuid": ["a", "b"]}),
    courses=pl.DataFrame(),
    cohorts=pl.DataFrame(),
    certificates=pl.DataFrame(),
    students=None,
    students_error=None,
    options=FilterOptions(courses=(), cohorts=(), intake_years=(), modalities=()),
    fetched_at=AS_OF,
    stale=False,
    from_cache=True,
    errors=(),
    cache_dir=Path("unused"),
    snapshot_id="snap-1",
)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    view_cache._shared.clear()


def _counted(built: list[int]) -> object:
    built.append(1)
    return object()


def _get(built: list[int], **changes: object) -> object:
    view: dict[str, object] = {
        "dataset": DATASET,
        "filters": Filters(),
        "as_of": AS_OF,
        "policy": DisclosurePolicy.INTERNAL,
        "options": (),
        "name": "panel",
    } | changes
    name = str(view.pop("name"))
    return cached_for_view(name, lambda: _counted(built), **view)  # type: ignore[arg-type]


def test_the_same_view_is_built_once() -> None:
    built: list[int] = []
    first = _get(built)
    assert _get(built) is first
    assert len(built) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"dataset": replace(DATASET, snapshot_id="snap-2")},
        # A user limited to some courses never gets a result built for another scope.
        {"dataset": replace(DATASET, scope=("course-1",))},
        {"filters": Filters(statuses=("completed",))},
        {"policy": DisclosurePolicy.PUBLIC},
        {"as_of": datetime(2026, 1, 2, tzinfo=UTC)},
        {"name": "another panel"},
        {"options": ("cohort",)},
    ],
)
def test_any_other_view_is_built_again(change: dict[str, object]) -> None:
    built: list[int] = []
    first = _get(built)
    assert _get(built, **change) is not first
    assert len(built) == 2


def test_a_dataset_without_snapshot_is_never_cached() -> None:
    built: list[int] = []
    unsnapped = replace(DATASET, snapshot_id=None)
    _get(built, dataset=unsnapped)
    _get(built, dataset=unsnapped)
    assert len(built) == 2


def test_the_cache_is_bounded() -> None:
    built: list[int] = []
    for index in range(view_cache.MAX_ENTRIES + 5):
        _get(built, options=(index,))
    first_again = len(built)
    _get(built, options=(0,))  # the oldest entry was dropped: built again
    assert len(built) == first_again + 1


def test_an_object_of_a_class_defined_in_a_page_script_is_refused() -> None:
    # Page scripts run as ``__main__``; such an object would keep its run's filtered rows alive.
    made_in_a_page = type("Tables", (), {"__module__": "__main__"})
    with pytest.raises(TypeError, match="defined in a page script"):
        cached_for_view(
            "tables",
            made_in_a_page,
            dataset=DATASET,
            filters=Filters(),
            as_of=AS_OF,
            policy=DisclosurePolicy.INTERNAL,
        )
