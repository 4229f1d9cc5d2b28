"""The words shown for hidden values: "n<10" for a too-small group, "hidden" otherwise."""

from __future__ import annotations

from dashboard.charts.placeholders import (
    PROTECTED,
    PROTECTED_CELL,
    SMALL_GROUP,
    is_small_group_note,
    legend_lines,
    placeholder,
)


def test_the_words() -> None:
    assert SMALL_GROUP == "n<10"
    assert PROTECTED == "hidden to protect a small count"
    assert PROTECTED_CELL == "hidden"


def test_placeholder_follows_the_suppression_note() -> None:
    assert placeholder("n<10") == "n<10"
    assert placeholder("small counts hidden") == PROTECTED
    assert placeholder("small counts hidden", short=True) == "hidden"
    # A suppressed row without a note is hidden as a whole (a frame that only flags rows).
    assert placeholder(None) == "n<10"
    assert placeholder("n<5", small_group="n<5") == "n<5"


def test_small_group_notes() -> None:
    assert is_small_group_note("n<10")
    assert not is_small_group_note("small counts hidden")
    assert not is_small_group_note(None)


def test_legend_lines_name_the_placeholders_in_use() -> None:
    assert legend_lines(small_group=False, protected=False) == []
    both = legend_lines(small_group=True, protected=True, unit="cohort", short=True)
    assert both[0] == "n<10: cohort too small to publish."
    assert both[1].startswith("hidden: a small count, or a count that would reveal one")
    (long,) = legend_lines(small_group=False, protected=True)
    assert long.startswith("Hidden to protect a small count: ")
