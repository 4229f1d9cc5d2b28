"""The words shown where a published value is hidden: one vocabulary for charts, tables and KPIs.

``suppress_small_cells`` notes each row it touched: ``"n<10"`` when the group itself is too small
(nothing of it is published), otherwise a note that some of its cells were hidden -- small
counts, or counts that would reveal a small count by subtraction (complementary suppression).
Readers see:

- :data:`SMALL_GROUP` (``"n<10"``) where the group is too small to publish;
- :data:`PROTECTED` (``"hidden to protect a small count"``) where a value of a publishable group
  is hidden, and :data:`PROTECTED_CELL` (``"hidden"``) in a table cell or a narrow mark, explained
  by :data:`PROTECTED` in the caption or legend beside it.

A hidden value is never shown as 0 or left blank on screen (CSV files keep hidden cells empty).
"""

from __future__ import annotations

from typing import Final

from dashboard.metrics import MIN_CELL

SMALL_GROUP: Final = f"n<{MIN_CELL}"
SMALL_GROUP_MEANING: Final = "too small to publish"
PROTECTED: Final = "hidden to protect a small count"
PROTECTED_CELL: Final = "hidden"
PROTECTED_WHY: Final = (
    "a small count, or a count that would reveal one by subtraction, is not shown (never a 0)"
)


def is_small_group_note(note: str | None) -> bool:
    """Whether a ``suppression_note`` says the whole group is too small (``"n<10"``)."""
    return note is not None and note.startswith("n<")


def placeholder(note: str | None, *, small_group: str = SMALL_GROUP, short: bool = False) -> str:
    """What to show for a hidden value of a row with this ``suppression_note``.

    ``small_group`` is the label of a too-small group (a chart's ``suppressed_label``);
    ``short`` gives the one-word form for table cells and narrow marks.
    """
    if note is None or is_small_group_note(note):
        return small_group
    return PROTECTED_CELL if short else PROTECTED


def legend_lines(
    *, small_group: bool, protected: bool, unit: str = "group", short: bool = False
) -> list[str]:
    """One line per placeholder in use, saying what it means (for a caption or a subtitle).

    ``short``: the hidden values are marked :data:`PROTECTED_CELL` (tables, narrow marks)
    rather than :data:`PROTECTED`.
    """
    lines = []
    if small_group:
        lines.append(f"{SMALL_GROUP}: {unit} {SMALL_GROUP_MEANING}.")
    if protected:
        mark = PROTECTED_CELL if short else PROTECTED[0].upper() + PROTECTED[1:]
        lines.append(f"{mark}: {PROTECTED_WHY}.")
    return lines
