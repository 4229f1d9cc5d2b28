"""Page-level choices (group by, pass mark, the cohort shown) kept in the URL like the filters.

A choice starts from its query parameter when the page opens and writes itself back on every
run; at its default value the parameter is removed, so URLs stay short. Invalid values in a URL
fall back to the default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import streamlit as st

from dashboard.metrics.groupings import GROUP_LABELS, GROUPINGS

__all__ = ["choice", "grouping", "number"]

T = TypeVar("T", bound=str)


def _write(param: str, value: str | None) -> None:
    if value is None:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != value:
        st.query_params[param] = value


def choice(
    label: str,
    options: Sequence[T],
    *,
    param: str,
    default: T | None,
    format_func: Callable[[T], str] = str,
    help: str | None = None,
) -> T | None:
    """A selectbox whose value is the URL parameter ``param`` (one of ``options``)."""
    key = f"param_{param}"
    if key not in st.session_state:
        requested = st.query_params.get(param)
        st.session_state[key] = requested if requested in options else default
    elif st.session_state[key] not in options:
        st.session_state[key] = default
    value = st.selectbox(
        label,
        options,
        format_func=format_func,
        key=key,
        help=help,
    )
    _write(param, None if value == default or value is None else str(value))
    return value


def grouping(label: str, *, param: str, help: str | None = None) -> str:
    """A ``choice`` of the groupings (course, cohort, intake year, modality); course by default."""
    chosen = choice(
        label,
        list(GROUPINGS),
        param=param,
        default="course",
        format_func=lambda key: GROUP_LABELS[key],
        help=help,
    )
    return chosen or "course"


def number(
    label: str,
    *,
    param: str,
    default: float,
    minimum: float,
    maximum: float,
    step: float,
    help: str | None = None,
) -> float:
    """A number input whose value is the URL parameter ``param`` (clamped to the range)."""
    key = f"param_{param}"
    if key not in st.session_state:
        try:
            requested = float(st.query_params.get(param, default))
        except ValueError:
            requested = default
        if not minimum <= requested <= maximum or requested != requested:  # NaN check
            requested = default
        st.session_state[key] = requested
    value = float(
        st.number_input(
            label,
            min_value=minimum,
            max_value=maximum,
            step=step,
            key=key,
            help=help,
        )
    )
    _write(param, None if value == default else f"{value:g}")
    return value
