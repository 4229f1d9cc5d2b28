"""Small-cell and complementary suppression: the one gate every published aggregate passes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from dashboard.metrics.disclosure import Quantity, protect
from dashboard.metrics.errors import InconsistentAggregateError, InvalidOptionError
from dashboard.metrics.inputs import require_columns
from dashboard.metrics.rates import RATE_COUNTS, STATUS_COUNTS

MIN_CELL = 10


def suppress_small_cells(
    aggregate: pl.DataFrame,
    *,
    min_cell: int = MIN_CELL,
    n_column: str | None = "n",
    count_columns: Sequence[str] = STATUS_COUNTS,
    rate_columns: Mapping[str, str] | Sequence[str] = RATE_COUNTS,
    total_row: pl.Expr | bool = False,
    row_sets: Sequence[str] = (),
    total_includes_unlisted: bool = False,
    parents: Mapping[str, str] | None = None,
    remainder_cells: Sequence[str] = (),
    nested_over: str | None = None,
    unit_columns: Sequence[str] = (),
    extra_count_columns: Sequence[str] = (),
    statistic_columns: Mapping[str, str] | Sequence[str] = (),
    individual_columns: Sequence[str] = (),
    known_n: Sequence[int | None] | None = None,
) -> pl.DataFrame:
    """Hide small counts, and every count or rate from which one could be worked out.

    Rule (metrics.md §6; NCES 2011-603, SLDS Technical Brief 3): a count below ``min_cell`` —
    including 0, since "0 of 40 dropped" tells about each of the 40 — is not shown; a group with
    n < min_cell shows no count and no rate. Complementary suppression: further counts are hidden
    until no hidden small count, and no small remainder of a shown total (the total minus its shown
    parts), can be computed exactly from the counts shown (checked with exact linear algebra over
    the whole table, totals included). A rate (and its interval) is hidden with its count or its
    denominator. Hidden values are null, never 0.

    Parameters
    ----------
    aggregate
        One row per group (or per group and bin/month/window).
    min_cell
        Smallest count that may be shown (default 10).
    n_column
        The group size, of which the counts are parts (None: no group size, e.g. histogram bins).
    count_columns
        Counts that are disjoint parts of ``n_column`` (or of their ``parents``).
    rate_columns
        Rate column -> the count it divides by its denominator (the count's parent, else n). A plain
        sequence hides each rate whenever anything in its row is hidden. ``{rate}_ci_low`` and
        ``{rate}_ci_high`` follow their rate.
    total_row
        False: the rows are not added up anywhere. True: within each row set the rows add up to a
        total shown elsewhere (e.g. the overall n beside a chart). An expression: it marks the total
        row(s) of the frame, one per row set, whose counts are the sums of the other rows'.
    row_sets
        Columns splitting the rows into sets with their own totals (e.g. the groups of a
        histogram, or the grouping of ``filter_vs_all``).
    total_includes_unlisted
        The total row also counts units that are not rows of the frame (the "all" row beside a
        "filter" row): what it has beyond its rows is a cell of its own, protected like the rest.
    parents
        Count column -> the count column it is a part of (default ``n_column``).
    remainder_cells
        Counts whose parts do not exhaust them: the rest (e.g. graded at or above the pass mark)
        is a cell of its own that must be protected. For the other counts the rest is a known offset
        (e.g. enrollments without a status) and is not protected.
    nested_over, unit_columns
        Long frames of cumulative counts (completion within 100/150/200%): rows sharing
        ``unit_columns`` are one group whose single count column grows with ``nested_over``;
        ``n_column`` and extra counts repeat on every row. The rest (not completed) is a cell.
    extra_count_columns
        Counts outside the partition (excluded, n_ungraded...): hidden when small.
    statistic_columns
        Values describing a group (mean, quartiles...): hidden with their base count (a mapping
        column -> base count; a sequence uses ``n_column``). Entries apply in order, and a count
        may be listed too (e.g. ``n_at_risk`` hidden with ``n_events``, whose step it would
        reveal).
    individual_columns
        Values that are one student's own (min, max): always nulled in a publication.
    known_n
        Per row, ``n_column`` as another table shows it: taken as shown, or (None) hidden here too.

    Returns
    -------
    pl.DataFrame
        The same frame with hidden values null, plus ``suppressed`` (bool: something in the row was
        hidden) and ``suppression_note`` ("n<10", "small counts hidden" or null).
    """
    if min_cell < 1:
        raise InvalidOptionError(f"min_cell must be at least 1, got {min_cell}")
    layout = _Layout.build(
        aggregate,
        n_column=n_column,
        count_columns=count_columns,
        parents=parents or {},
        remainder_cells=remainder_cells,
        nested_over=nested_over,
        unit_columns=unit_columns,
        extra_count_columns=extra_count_columns,
        total_row=total_row,
        row_sets=row_sets,
        total_includes_unlisted=total_includes_unlisted,
    )
    layout.prefer_to_keep(
        _headline_counts(rate_columns, statistic_columns, n_column, parents or {})
    )
    if known_n is not None:
        layout.as_published_elsewhere(known_n)
    hidden_cells = layout.hidden_cells(min_cell=min_cell)
    return _apply(
        aggregate,
        layout,
        hidden_cells,
        min_cell=min_cell,
        rate_columns=rate_columns,
        statistic_columns=statistic_columns,
        individual_columns=individual_columns,
    )


@dataclass
class _Layout:
    """The frame's counts as quantities over atoms, and which frame cell shows which quantity."""

    frame: pl.DataFrame
    n_column: str | None
    count_columns: tuple[str, ...]
    extra_count_columns: tuple[str, ...]
    parents: dict[str, str | None]
    quantities: list[Quantity] = field(default_factory=list)
    atom_values: dict[int, int] = field(default_factory=dict)
    cells: dict[tuple[int, str], int] = field(default_factory=dict)  # (row, column) -> quantity

    @classmethod
    def build(
        cls,
        frame: pl.DataFrame,
        *,
        n_column: str | None,
        count_columns: Sequence[str],
        parents: Mapping[str, str],
        remainder_cells: Sequence[str],
        nested_over: str | None,
        unit_columns: Sequence[str],
        extra_count_columns: Sequence[str],
        total_row: pl.Expr | bool,
        row_sets: Sequence[str],
        total_includes_unlisted: bool,
    ) -> _Layout:
        columns = [*([n_column] if n_column else []), *count_columns, *extra_count_columns]
        require_columns(
            frame, [*columns, *row_sets, *unit_columns], function="suppress_small_cells"
        )
        tree: dict[str, str | None] = {c: parents.get(c, n_column) for c in count_columns}
        if n_column:
            tree[n_column] = None
        for child, parent in tree.items():
            if parent is not None and parent not in tree:
                raise InvalidOptionError(f"parent {parent!r} of {child!r} is not a count column")
        layout = cls(frame, n_column, tuple(count_columns), tuple(extra_count_columns), tree)
        values = {c: frame.get_column(c).cast(pl.Int64, strict=False).to_list() for c in columns}
        for c, column_values in values.items():
            if any(v is not None and v < 0 for v in column_values):
                raise InconsistentAggregateError(f"negative count in {c!r}")
        is_total = _total_mask(frame, total_row)
        set_keys = frame.select(row_sets).rows() if row_sets else [()] * frame.height
        if nested_over is not None:
            if total_row is not False:
                raise InvalidOptionError("totals across nested (cumulative) rows are not supported")
            layout._add_nested(values, nested_over, unit_columns)
        else:
            for row in range(frame.height):
                if not is_total[row]:
                    layout._add_row(row, values, remainder_cells)
        if total_row is not False:
            layout._add_totals(
                values,
                is_total,
                set_keys,
                external=total_row is True,
                unlisted=total_includes_unlisted,
                remainder_cells=remainder_cells,
            )
        return layout

    def _atom(self, value: int) -> int:
        atom = len(self.atom_values)
        self.atom_values[atom] = value
        return atom

    def _publish(
        self,
        atoms: frozenset[int],
        value: int,
        *,
        fixed: bool = False,
        offset: bool = False,
        published: bool = True,
    ) -> int:
        quantity = Quantity(
            atoms, value, fixed=fixed or offset, protected=not offset, published=published
        )
        self.quantities.append(quantity)
        return len(self.quantities) - 1

    def _add_row(
        self,
        row: int,
        values: dict[str, list[Any]],
        remainder_cells: Sequence[str],
        *,
        publish: bool = True,
    ) -> dict[str, frozenset[int]]:
        """Atoms of a row's counts; ``publish=False`` for a row that is not shown (the rest of
        a total beyond its listed rows)."""
        found: dict[str, frozenset[int]] = {}

        def atoms_of(column: str) -> frozenset[int] | None:
            value = values[column][row]
            if value is None:
                return None
            children = [c for c, p in self.parents.items() if p == column]
            parts = [(c, atoms_of(c)) for c in children]
            atoms: set[int] = set()
            for _, part in parts:
                atoms |= part or set()
            rest = value - sum(values[c][row] or 0 for c, _ in parts)
            if rest < 0:
                raise InconsistentAggregateError(
                    f"row {row}: the parts of {column!r} add up to more than it"
                )
            if not children:
                atoms.add(self._atom(value))
            elif column in remainder_cells:
                atoms.add(self._atom(rest))
            elif rest:
                offset = self._atom(rest)
                self._publish(frozenset([offset]), rest, offset=True)
                atoms.add(offset)
            found[column] = frozenset(atoms)
            quantity = self._publish(found[column], value, published=publish)
            if publish:
                self.cells[(row, column)] = quantity
            return found[column]

        for root in [c for c, p in self.parents.items() if p is None]:
            atoms_of(root)
        for extra in self.extra_count_columns if publish else ():
            value = values[extra][row]
            if value is not None:
                self.cells[(row, extra)] = self._publish(frozenset([self._atom(value)]), value)
        return found

    def _add_nested(
        self, values: dict[str, list[Any]], nested_over: str, unit_columns: Sequence[str]
    ) -> None:
        if len(self.count_columns) != 1 or self.n_column is None:
            raise InvalidOptionError("nested_over needs n_column and exactly one count column")
        count = self.count_columns[0]
        units: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        keys = self.frame.select(unit_columns).rows() if unit_columns else [()] * self.frame.height
        order = self.frame.get_column(nested_over).to_list()
        for row, key in enumerate(keys):
            units[key].append(row)
        for rows in units.values():
            rows.sort(key=lambda r: order[r])
            for column in (self.n_column, *self.extra_count_columns):
                if len({values[column][r] for r in rows}) > 1:
                    raise InconsistentAggregateError(f"{column!r} differs within one unit")
            n = values[self.n_column][rows[0]]
            if n is None:
                continue
            atoms: set[int] = set()
            running = 0
            for row in rows:
                value = values[count][row]
                if value is None:
                    continue
                if value < running or value > n:
                    raise InconsistentAggregateError(f"{count!r} is not cumulative within a unit")
                atoms.add(self._atom(value - running))
                running = value
                self.cells[(row, count)] = self._publish(frozenset(atoms), value)
            atoms.add(self._atom(n - running))
            whole = self._publish(frozenset(atoms), n)
            for row in rows:
                self.cells[(row, self.n_column)] = whole
            for extra in self.extra_count_columns:
                value = values[extra][rows[0]]
                if value is not None:
                    quantity = self._publish(frozenset([self._atom(value)]), value)
                    for row in rows:
                        self.cells[(row, extra)] = quantity

    def _add_totals(
        self,
        values: dict[str, list[Any]],
        is_total: list[bool],
        set_keys: list[tuple[Any, ...]],
        *,
        external: bool,
        unlisted: bool,
        remainder_cells: Sequence[str],
    ) -> None:
        members: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        totals: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for row, key in enumerate(set_keys):
            (totals if is_total[row] else members)[key].append(row)
        for key in {*members, *totals}:
            if not external and len(totals[key]) != 1:
                raise InconsistentAggregateError(
                    f"row set {key!r} has {len(totals[key])} total rows, expected 1"
                )
            rest = (
                self._unlisted_rest(values, members[key], totals[key][0], remainder_cells)
                if unlisted and not external
                else {}
            )
            for column in self.parents:
                atoms: set[int] = set()
                total = 0
                for row in members[key]:
                    quantity = self.cells.get((row, column))
                    if quantity is not None:
                        atoms |= self.quantities[quantity].atoms
                        total += self.quantities[quantity].value
                if column in rest:
                    atoms |= rest[column]
                    total += sum(self.atom_values[a] for a in rest[column])
                if external:
                    if atoms:
                        self._publish(frozenset(atoms), total, fixed=True)
                    continue
                row = totals[key][0]
                shown = values[column][row]
                if shown is None:
                    continue
                if shown != total:
                    raise InconsistentAggregateError(
                        f"total row of {key!r}: {column}={shown} but its rows add up to {total}"
                    )
                self.cells[(row, column)] = self._publish(frozenset(atoms), total)
            if not external:
                row = totals[key][0]
                for extra in self.extra_count_columns:
                    value = values[extra][row]
                    if value is not None:
                        self.cells[(row, extra)] = self._publish(
                            frozenset([self._atom(value)]), value
                        )

    def _unlisted_rest(
        self,
        values: dict[str, list[Any]],
        members: list[int],
        total_row: int,
        remainder_cells: Sequence[str],
    ) -> dict[str, frozenset[int]]:
        """Atoms of the units a total counts beyond its listed rows (e.g. "all" minus "filter")."""
        virtual = len(next(iter(values.values())))
        for column, column_values in values.items():
            shown = column_values[total_row]
            listed = sum(column_values[row] or 0 for row in members)
            if shown is not None and shown < listed:
                raise InconsistentAggregateError(
                    f"total row {total_row}: {column}={shown} is less than its rows' {listed}"
                )
            column_values.append(None if shown is None else shown - listed)
        return self._add_row(virtual, values, remainder_cells, publish=False)

    def prefer_to_keep(self, columns: set[str]) -> None:
        """Mark the quantities shown in ``columns`` as the last choice for complements."""
        for (_, column), index in self.cells.items():
            if column in columns:
                self.quantities[index] = replace(self.quantities[index], keep=True)

    def as_published_elsewhere(self, known_n: Sequence[int | None]) -> None:
        """Fix the n cells that another table shows, withhold those it hides (``known_n``)."""
        if self.n_column is None or len(known_n) != self.frame.height:
            raise InvalidOptionError("known_n needs n_column and one value per row")
        for (row, column), i in self.cells.items():
            if column == self.n_column:
                hidden = known_n[row] is None
                self.quantities[i] = replace(self.quantities[i], fixed=not hidden, withheld=hidden)

    def hidden_cells(self, *, min_cell: int) -> set[tuple[int, str]]:
        hidden = protect(self.quantities, self.atom_values, min_cell=min_cell)
        return {cell for cell, quantity in self.cells.items() if quantity in hidden}


def _headline_counts(
    rate_columns: Mapping[str, str] | Sequence[str],
    statistic_columns: Mapping[str, str] | Sequence[str],
    n_column: str | None,
    parents: Mapping[str, str],
) -> set[str]:
    """Counts that a shown rate or statistic rests on: numerators, denominators, bases. The
    group size counts when something divides by it (a grade summary's rates and statistics
    rest on n graded, so there n goes before n graded)."""
    if not isinstance(rate_columns, Mapping):
        return {n_column} if n_column else set()  # each rate rests on its whole row
    kept: set[str | None] = set(rate_columns.values())
    kept |= {parents.get(count, n_column) for count in rate_columns.values()}
    if isinstance(statistic_columns, Mapping):
        kept |= set(statistic_columns.values())
    elif statistic_columns:
        kept.add(n_column)
    return {c for c in kept if c is not None}


def _total_mask(frame: pl.DataFrame, total_row: pl.Expr | bool) -> list[bool]:
    if isinstance(total_row, pl.Expr):
        mask = frame.select(total_row.fill_null(False).alias("total")).get_column("total")
        return [bool(v) for v in mask.to_list()]
    return [False] * frame.height


def _apply(
    frame: pl.DataFrame,
    layout: _Layout,
    hidden_cells: set[tuple[int, str]],
    *,
    min_cell: int,
    rate_columns: Mapping[str, str] | Sequence[str],
    statistic_columns: Mapping[str, str] | Sequence[str],
    individual_columns: Sequence[str],
) -> pl.DataFrame:
    height = frame.height
    counts = [*([layout.n_column] if layout.n_column else []), *layout.count_columns]
    counts += list(layout.extra_count_columns)
    masks: dict[str, list[bool]] = {
        c: [(row, c) in hidden_cells for row in range(height)] for c in counts
    }
    row_hidden = [any(masks[c][row] for c in counts) for row in range(height)]

    def base_hidden(column: str | None) -> list[bool]:
        if column is None:
            return row_hidden
        if column not in masks:
            raise InvalidOptionError(f"{column!r} is not a count column of this layout")
        return masks[column]

    if isinstance(rate_columns, Mapping):
        for rate, count in rate_columns.items():
            require_columns(frame, (rate, count), function="suppress_small_cells")
            denominator = layout.parents.get(count, layout.n_column)
            masks[rate] = [
                a or b for a, b in zip(base_hidden(count), base_hidden(denominator), strict=True)
            ]
    else:
        require_columns(frame, rate_columns, function="suppress_small_cells")
        for rate in rate_columns:
            masks[rate] = list(row_hidden)
    for rate in list(rate_columns):
        for bound in (f"{rate}_ci_low", f"{rate}_ci_high"):
            if bound in frame.columns:
                masks[bound] = masks[rate]
    stats = (
        dict(statistic_columns)
        if isinstance(statistic_columns, Mapping)
        else dict.fromkeys(statistic_columns, layout.n_column)
    )
    require_columns(frame, [*stats, *individual_columns], function="suppress_small_cells")
    for stat, base in stats.items():  # in order: a later entry sees the earlier ones
        own = masks.get(stat, [False] * height)
        masks[stat] = [a or b for a, b in zip(own, base_hidden(base), strict=True)]
    suppressed = [any(mask[row] for mask in masks.values()) for row in range(height)]
    n_small = (
        [
            masks[layout.n_column][row] and (frame.get_column(layout.n_column)[row] or 0) < min_cell
            for row in range(height)
        ]
        if layout.n_column
        else [False] * height
    )
    notes = [
        f"n<{min_cell}" if small else ("small counts hidden" if hid else None)
        for small, hid in zip(n_small, suppressed, strict=True)
    ]
    nulled = [
        pl.when(pl.Series(mask, dtype=pl.Boolean)).then(None).otherwise(pl.col(c)).alias(c)
        for c, mask in masks.items()
    ]
    nulled += [pl.lit(None, dtype=frame.schema[c]).alias(c) for c in individual_columns]
    return frame.with_columns(nulled).with_columns(
        pl.Series("suppressed", suppressed, dtype=pl.Boolean),
        pl.Series("suppression_note", notes, dtype=pl.String),
    )
