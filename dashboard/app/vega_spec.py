"""A chart as the Vega-Lite spec Streamlit draws, built once so a rerun only sends it.

``st.altair_chart`` turns its chart into a spec on every rerun, and Altair validates that spec
against the whole Vega-Lite JSON schema each time: on the pages that was most of a rerun (about
0.1 s per chart). Here the spec is made the way Streamlit makes it (each data frame as Arrow IPC
bytes under the hash of those bytes, the "none" Altair theme) but without that validation:
the chart functions are pure and ``tests/charts`` validates what each of them returns, so
checking the same structure again on every page view proves nothing new (the same goes for
Altair's debug mode, switched off below). The result goes to
``st.vega_lite_chart``, which copies the spec before it changes it, so one spec can be cached
and drawn by every session.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import altair as alt
import altair.utils.schemapi as altair_schemapi
import altair.vegalite.v6.api as altair_api
import altair.vegalite.v6.schema.channels as altair_channels
from streamlit import dataframe_util

from dashboard.charts import ChartSpec

__all__ = ["VegaLiteSpec", "vega_lite_spec"]

VegaLiteSpec = dict[str, Any]
_TRANSFORMER = "enrollment_outcomes_arrow"
# Altair's active theme and data transformer are process-wide: one conversion at a time.
_altair_globals = threading.Lock()


def _to_arrow_dataset(data: Any, datasets: dict[str, bytes]) -> dict[str, str]:
    """Altair data transformer: the frame as Arrow IPC bytes, named by their hash."""
    data_bytes = dataframe_util.convert_anything_to_arrow_bytes(data)
    name = hashlib.blake2b(data_bytes, digest_size=16).hexdigest()
    datasets[name] = data_bytes
    return {"name": name}


alt.data_transformers.register(_TRANSFORMER, _to_arrow_dataset)
# Altair's debug mode validates every schema object as it is made, on top of the validation of
# the whole spec that ``to_dict()`` does: in the app (which imports this module) it cost about a
# fifth of building a chart. ``to_dict()`` still validates wherever it is called with its
# default (the chart tests), so no chart goes unchecked.
alt.utils.schemapi.disable_debug_mode()


# Every construction of a layered chart (and each ``.properties()``, ``.to_dict()``: both copy
# the chart, re-running its constructor) deep-copies every layer twice, so that Altair can lift
# and rename the layers' selection parameters without changing the caller's charts. Our charts
# have no parameters: with none to move nothing is changed, and the copies (most of the time a
# chart took to build) are skipped. A layer that has parameters, or is itself composed, takes
# Altair's own path, copies included.
def _plain_layers(layers: Sequence[Any]) -> bool:
    return all(
        type(layer) is alt.Chart and alt.utils.is_undefined(layer._get("params"))
        for layer in layers
    )


_altair_remove_duplicate_params = altair_api._remove_duplicate_params
_altair_combine_subchart_params = altair_api._combine_subchart_params


def _remove_duplicate_params(layer: list[Any]) -> list[Any]:
    if _plain_layers(layer):
        return list(layer)
    return _altair_remove_duplicate_params(layer)


def _combine_subchart_params(params: Any, subcharts: list[Any]) -> tuple[Any, list[Any]]:
    if (alt.utils.is_undefined(params) or not params) and _plain_layers(subcharts):
        return alt.Undefined, list(subcharts)
    return _altair_combine_subchart_params(params, subcharts)


def _without_data(layer: Any) -> Any:
    if alt.utils.is_undefined(layer.data):
        return layer
    # Altair first stores a hash of the layer in it (to name views of layers that have
    # parameters, which plain layers never need) and deep-copies it; a shallow copy is enough
    # to set the copy's data aside.
    lifted = layer.copy(deep=False)
    lifted.data = alt.Undefined
    return lifted


def _combine_subchart_data(data: Any, subcharts: list[Any]) -> tuple[Any, list[Any]]:
    """Altair's: the layers' common data lifted to the layered chart (plain layers: no copies)."""
    if not subcharts or not _plain_layers(subcharts):
        return _altair_combine_subchart_data(data, subcharts)
    if alt.utils.is_undefined(data):
        shared = subcharts[0].data
        if not alt.utils.is_undefined(shared) and all(c.data is shared for c in subcharts):
            return shared, [_without_data(c) for c in subcharts]
    elif all(alt.utils.is_undefined(c.data) or c.data is data for c in subcharts):
        return data, [_without_data(c) for c in subcharts]
    return data, subcharts


_altair_combine_subchart_data = altair_api._combine_subchart_data
altair_api._remove_duplicate_params = _remove_duplicate_params
altair_api._combine_subchart_params = _combine_subchart_params
altair_api._combine_subchart_data = _combine_subchart_data

# ``to_dict`` walks every value of a chart; for each plain value (a field name, a title, a
# number) Altair asks ``isinstance(value, SchemaLike)``, a runtime-checkable protocol whose check
# inspects the value's class attribute by attribute: a third of turning a chart into its spec.
# A str, int, float, bool or None (exactly those types: a numpy float is a float subclass and
# keeps Altair's conversion) is returned as is by Altair's own ``_todict`` too.
_PLAIN_VALUES = frozenset({str, int, float, bool, type(None)})
_altair_todict = altair_schemapi._todict


def _todict(obj: Any, context: dict[str, Any] | None, np_opt: Any, pd_opt: Any) -> Any:
    if type(obj) in _PLAIN_VALUES:
        return obj
    return _altair_todict(obj, context, np_opt, pd_opt)


altair_schemapi._todict = _todict  # (its recursive calls look the name up in the module)

# Each field channel parses its shorthand ("cohort_code:N") with a dozen regular expressions
# every time a spec is made. A shorthand that names its type parses the same whatever the data
# (the data is read only to infer a missing type): those are parsed once.
_altair_parse_shorthand = altair_channels.parse_shorthand  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=1024)
def _typed_shorthand(shorthand: str) -> tuple[tuple[str, Any], ...] | None:
    attrs = _altair_parse_shorthand(shorthand)
    return tuple(attrs.items()) if "type" in attrs else None


def _parse_shorthand(shorthand: Any, data: Any = None, *args: Any, **kwargs: Any) -> Any:
    if isinstance(shorthand, str) and not args and not kwargs:
        typed = _typed_shorthand(shorthand)
        if typed is not None:
            return dict(typed)  # a new dict each time: the caller changes it
    return _altair_parse_shorthand(shorthand, data, *args, **kwargs)


altair_channels.parse_shorthand = _parse_shorthand  # type: ignore[attr-defined]

# ``.properties(title=..., width=...)`` validates each property against the Vega-Lite schema as
# the chart is built (2-3 ms a call, a few calls per chart), a check of the same kind as the
# debug mode's: made only in debug mode here, like those. The whole spec is still validated
# wherever ``to_dict()`` runs with its default (the chart tests).
_altair_validate_property = altair_schemapi.SchemaBase.validate_property.__func__  # type: ignore[attr-defined]


def _validate_property(
    cls: type[altair_schemapi.SchemaBase],
    name: str,
    value: Any,
    schema: dict[str, Any] | None = None,
) -> None:
    if altair_schemapi.DEBUG_MODE:
        _altair_validate_property(cls, name, value, schema)


altair_schemapi.SchemaBase.validate_property = classmethod(_validate_property)  # type: ignore[method-assign,assignment]


def vega_lite_spec(chart: ChartSpec) -> VegaLiteSpec:
    """``chart`` as a Vega-Lite spec dict with its data as Arrow datasets (unvalidated)."""
    datasets: dict[str, bytes] = {}
    with _altair_globals:
        # As Streamlit does: the default theme's sizes would override the page's layout.
        theme = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()
        with theme, alt.data_transformers.enable(_TRANSFORMER, datasets=datasets):
            spec: VegaLiteSpec = chart.to_dict(validate=False)
    inline = spec.get("datasets")
    spec["datasets"] = {**inline, **datasets} if isinstance(inline, dict) else datasets
    return spec
