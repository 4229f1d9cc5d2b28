"""Pages shown one section (tab) at a time: only the open tab's reports are built.

A page of several heavy sections (Completion, Cohorts) draws them as tabs and builds only the
open one, so a filter change reruns one section, not all. The open tab is in the URL (the
tabs' key is its query parameter, the label its value), so a shared link opens on the same
section; the first tab is the default and leaves no parameter. Renaming a label breaks the
links that name it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final, NamedTuple

import streamlit as st
from streamlit.elements.lib.mutable_tab_container import TabContainer

__all__ = ["PAGE_SECTIONS", "Sections", "section_tabs"]


class Sections(NamedTuple):
    """A page's tabs: their URL parameter (and session-state key) and labels, in order."""

    param: str
    labels: tuple[str, ...]


PAGE_SECTIONS: Final[Mapping[str, Sections]] = MappingProxyType(
    {
        "completion": Sections(
            "completion_tab", ("Rates", "Within normal time", "Over time", "Time to completion")
        ),
        "cohorts": Sections(
            "cohort_tab",
            ("Timeline", "Status", "Within normal time", "Grades", "All cohorts in the filter"),
        ),
    }
)


def section_tabs(page: str) -> Sequence[TabContainer]:
    """The page's tabs, each ``.open`` only while it is the one shown (lazy: build a tab's
    content only ``if tab.open``)."""
    sections = PAGE_SECTIONS[page]
    return st.tabs(list(sections.labels), key=sections.param, bind="query-params")
