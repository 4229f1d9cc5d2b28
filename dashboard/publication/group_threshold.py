"""The internal policy's rule: the minimum cell applies to the group, not to each count.

metrics.md §6 (NCES 2011-603, SLDS Technical Brief 3): a group with n < min_cell shows no count
and no rate; a group of min_cell or more shows all of its counts, rates and intervals. Where the
groups of a breakdown add up to a total that is shown (in the table, or elsewhere), the part of
the total that is not shown (hidden groups, and what the total counts beyond the listed rows)
must itself be a group of at least min_cell: otherwise the next-smallest shown group is hidden
too, until it is (or, with no group left, the total goes). That is the rule's complementary
suppression: "exactly one hidden group" always triggers it, and so do several small hidden
groups whose sum is still small. Groups of size 0 protect and need nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from dashboard.metrics.errors import InvalidOptionError
from dashboard.metrics.inputs import require_columns

__all__ = [
    "COMPLEMENT_NOTE",
    "SMALL_BASE_NOTE",
    "GroupLayout",
    "small_group_note",
    "withhold_as_decided",
    "withhold_small_groups",
]

COMPLEMENT_NOTE = "hidden so that a small group cannot be worked out"
SMALL_BASE_NOTE = "too few to compute"

SizeRule = Literal["value", "sum", "max"]


def small_group_note(min_cell: int) -> str:
    """The note of a group too small to publish ("n<10"): the placeholders' vocabulary."""
    return f"n<{min_cell}"


@dataclass(frozen=True)
class GroupLayout:
    """How the group rule reads one metric's frame.

    Attributes
    ----------
    size
        Column holding the group's size (its denominator: enrollments, completers, graded...).
    values
        Columns hidden with the group; ``{column}_ci_low`` / ``_ci_high`` follow their column.
    units
        Columns naming a group that spans several rows (curve points, histogram bins, months);
        None: every row is a group of its own; (): all rows are one group.
    size_rule
        A multi-row group's size: ``value`` (the first non-null ``size``), ``sum`` or ``max``.
    total_row
        False: nothing adds the groups up. True: within each row set they add up to a total
        shown elsewhere. An expression: marks the frame's total row(s), one per row set.
    row_sets
        Columns splitting the groups into sets with their own totals.
    total_includes_unlisted
        The total also counts units that are no row of the frame ("all" beside "filter"): that
        rest is a hidden part of the total.
    bases
        Value column -> the count it rests on: the value is hidden where that count is under
        the minimum (a median over 4 graded enrollments of a group of 40).
    individual_columns
        One student's value each (minimum, maximum grade): never shown.
    """

    size: str
    values: tuple[str, ...]
    units: tuple[str, ...] | None = None
    size_rule: SizeRule = "value"
    total_row: pl.Expr | bool = False
    row_sets: tuple[str, ...] = ()
    total_includes_unlisted: bool = False
    bases: Mapping[str, str] = field(default_factory=dict)
    individual_columns: tuple[str, ...] = ()


@dataclass
class _Unit:
    rows: list[int]
    size: int
    is_total: bool
    row_set: tuple[Any, ...]


def withhold_small_groups(
    frame: pl.DataFrame, layout: GroupLayout, *, min_cell: int
) -> pl.DataFrame:
    """``frame`` with every value of a too-small group (and of its complements) null.

    Returns
    -------
    pl.DataFrame
        The same columns (hidden values null, never 0; individual columns all null) plus
        ``suppressed`` (bool) and ``suppression_note`` ("n<10" for a group too small to publish,
        :data:`COMPLEMENT_NOTE` for a group hidden so a small one cannot be worked out,
        :data:`SMALL_BASE_NOTE` where only values resting on a small count are hidden).
    """
    if min_cell < 1:
        raise InvalidOptionError(f"min_cell must be at least 1, got {min_cell}")
    require_columns(
        frame,
        [layout.size, *layout.values, *(layout.units or ()), *layout.row_sets],
        function="withhold_small_groups",
    )
    units = _units(frame, layout)
    primary = {key for key, unit in units.items() if unit.size < min_cell}
    complement = _complements(units, primary, layout, min_cell=min_cell)
    row_primary = [False] * frame.height
    row_complement = [False] * frame.height
    for key, unit in units.items():
        for row in unit.rows:
            row_primary[row] = key in primary
            row_complement[row] = key in complement
    return _withheld(frame, layout, row_primary, row_complement, min_cell=min_cell)


def withhold_as_decided(
    frame: pl.DataFrame, layout: GroupLayout, notes: Sequence[str | None], *, min_cell: int
) -> pl.DataFrame:
    """``frame``'s rows published as ``withhold_small_groups`` publishes them in a larger table
    whose decision for these rows is ``notes`` (its ``suppression_note``, one per row, read from
    that table's sizes alone): a group too small ("n<10") or hidden as a complement shows no
    value; a value resting on a small count (``bases``) is hidden by the rows' own counts.

    So the rows of one group are published as in the breakdown over every group without that
    breakdown being computed: its decision needs only each group's size.
    """
    if min_cell < 1:
        raise InvalidOptionError(f"min_cell must be at least 1, got {min_cell}")
    if len(notes) != frame.height:
        raise InvalidOptionError(f"{len(notes)} decisions for {frame.height} rows")
    require_columns(frame, [layout.size, *layout.values], function="withhold_as_decided")
    small = small_group_note(min_cell)
    return _withheld(
        frame,
        layout,
        [note == small for note in notes],
        [note == COMPLEMENT_NOTE for note in notes],
        min_cell=min_cell,
    )


def _withheld(
    frame: pl.DataFrame,
    layout: GroupLayout,
    row_primary: list[bool],
    row_complement: list[bool],
    *,
    min_cell: int,
) -> pl.DataFrame:
    """``frame`` with the rows of small groups (``row_primary``) and of complements hidden, and
    values resting on a small count (``layout.bases``) hidden in the rows shown."""
    height = frame.height
    row_hidden = [a or b for a, b in zip(row_primary, row_complement, strict=True)]

    masks: dict[str, list[bool]] = {}
    for column in layout.values:
        masks[column] = list(row_hidden)
    base_hidden = [False] * height
    for column, base in layout.bases.items():
        require_columns(frame, (column, base), function="withhold_small_groups")
        counts = frame.get_column(base).to_list()
        small = [count is None or count < min_cell for count in counts]
        base_hidden = [
            a or (b and not c) for a, b, c in zip(base_hidden, small, row_hidden, strict=True)
        ]
        masks[column] = [a or b for a, b in zip(masks.get(column, row_hidden), small, strict=True)]
    for column in list(masks):
        for bound in (f"{column}_ci_low", f"{column}_ci_high"):
            if bound in frame.columns:
                masks[bound] = masks[column]
    suppressed = [a or b for a, b in zip(row_hidden, base_hidden, strict=True)]
    group_note = small_group_note(min_cell)
    notes = [
        group_note if p else COMPLEMENT_NOTE if c else SMALL_BASE_NOTE if b else None
        for p, c, b in zip(row_primary, row_complement, base_hidden, strict=True)
    ]
    nulled = [
        pl.when(pl.Series(mask, dtype=pl.Boolean)).then(None).otherwise(pl.col(c)).alias(c)
        for c, mask in masks.items()
        if any(mask)
    ]
    nulled += [
        pl.lit(None, dtype=frame.schema[c]).alias(c)
        for c in layout.individual_columns
        if c in frame.columns
    ]
    published = frame.with_columns(nulled) if nulled else frame
    return published.with_columns(
        pl.Series("suppressed", suppressed, dtype=pl.Boolean),
        pl.Series("suppression_note", notes, dtype=pl.String),
    )


def _total_mask(frame: pl.DataFrame, total_row: pl.Expr | bool) -> list[bool]:
    if isinstance(total_row, pl.Expr):
        mask = frame.select(total_row.fill_null(False).alias("_total")).get_column("_total")
        return [bool(value) for value in mask.to_list()]
    return [False] * frame.height


def _units(frame: pl.DataFrame, layout: GroupLayout) -> dict[tuple[Any, ...], _Unit]:
    """The groups of the frame, in order of first appearance, with their sizes."""
    is_total = _total_mask(frame, layout.total_row)
    sizes = frame.get_column(layout.size).to_list()
    sets = frame.select(layout.row_sets).rows() if layout.row_sets else [()] * frame.height
    if layout.units is None:
        keys: list[tuple[Any, ...]] = [(row,) for row in range(frame.height)]
    elif layout.units:
        keys = [("unit", *key) for key in frame.select(layout.units).rows()]
    else:
        keys = [("unit",)] * frame.height
    grouped: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for row, key in enumerate(keys):
        # A total row is a group of its own even when it shares the unit columns' values.
        grouped[("total", row) if is_total[row] else key].append(row)
    units: dict[tuple[Any, ...], _Unit] = {}
    for key, rows in grouped.items():
        values = [sizes[row] for row in rows if sizes[row] is not None]
        if not values:
            size = 0
        elif layout.size_rule == "sum":
            size = int(sum(values))
        elif layout.size_rule == "max":
            size = int(max(values))
        else:
            size = int(values[0])
        units[key] = _Unit(rows, size, is_total[rows[0]], sets[rows[0]])
    return units


def _complements(
    units: dict[tuple[Any, ...], _Unit],
    primary: set[tuple[Any, ...]],
    layout: GroupLayout,
    *,
    min_cell: int,
) -> set[tuple[Any, ...]]:
    """Groups hidden so that the hidden part of each shown total is at least ``min_cell``."""
    if layout.total_row is False:
        return set()
    hidden: set[tuple[Any, ...]] = set()
    by_set: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for key, unit in units.items():
        by_set[unit.row_set].append(key)
    for keys in by_set.values():
        listed = [key for key in keys if not units[key].is_total]
        totals = [key for key in keys if units[key].is_total]
        if layout.total_row is not True and not totals:
            continue  # no total in this set: the groups are not added up
        if totals and all(key in primary for key in totals):
            continue  # the total itself is too small: every part of it is hidden already
        rest = 0
        if layout.total_includes_unlisted and totals:
            rest = max(units[totals[0]].size - sum(units[key].size for key in listed), 0)
        unshown = rest + sum(units[key].size for key in listed if key in primary)
        candidates = sorted(
            (key for key in listed if key not in primary),
            key=lambda key: (units[key].size, units[key].rows[0]),
        )
        while 0 < unshown < min_cell:
            if not candidates:
                hidden.update(totals)
                break
            chosen = candidates.pop(0)
            hidden.add(chosen)
            unshown += units[chosen].size
    return hidden
