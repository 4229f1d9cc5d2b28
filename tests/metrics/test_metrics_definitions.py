"""Every public metric function has a plain-language definition; the public surface is listed."""

from __future__ import annotations

import inspect

import dashboard.metrics as metrics
from dashboard.metrics import DEFINITIONS, MetricDefinition, definitions_for

NOT_METRICS = {"definitions_for"}  # the registry's own accessor


def public_functions() -> list[str]:
    return [
        name
        for name in metrics.__all__
        if inspect.isfunction(getattr(metrics, name)) and name not in NOT_METRICS
    ]


def test_all_lists_only_existing_names_once() -> None:
    assert len(metrics.__all__) == len(set(metrics.__all__))
    for name in metrics.__all__:
        assert hasattr(metrics, name), name


def test_every_public_metric_function_has_a_definition() -> None:
    missing = [name for name in public_functions() if not definitions_for(name)]
    assert missing == []


def test_every_definition_names_existing_public_functions_and_is_filled_in() -> None:
    public = set(public_functions())
    for key, definition in DEFINITIONS.items():
        assert isinstance(definition, MetricDefinition)
        assert definition.name == key
        for field in ("title", "counted", "denominator", "caveat", "source"):
            assert getattr(definition, field).strip(), (key, field)
        assert definition.functions, key
        assert set(definition.functions) <= public, key


def test_suppression_rule_and_censoring_choice_are_stated() -> None:
    assert "min_cell" in DEFINITIONS["small_cell_suppression"].counted
    assert "NCES 2011-603" in DEFINITIONS["small_cell_suppression"].source
    caveat = DEFINITIONS["cumulative_incidence_of_completion"].caveat
    assert "drop" in caveat
    assert "Kaplan-Meier" in caveat
    assert "completers only" in DEFINITIONS["time_to_completion"].title.lower()


def test_registry_is_read_only() -> None:
    try:
        DEFINITIONS["x"] = DEFINITIONS["completion_rate"]  # type: ignore[index]
    except TypeError:
        return
    raise AssertionError("DEFINITIONS accepted a new entry")
