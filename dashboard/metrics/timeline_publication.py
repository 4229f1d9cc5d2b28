"""Publish cohort timelines: each monthly count protected as a set of the cohort's enrollments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import polars as pl

from dashboard.metrics.disclosure import Quantity, protect
from dashboard.metrics.errors import InconsistentAggregateError, InvalidOptionError
from dashboard.metrics.inputs import as_utc
from dashboard.metrics.suppression import MIN_CELL
from dashboard.metrics.timeline import TIMELINE_COLUMNS, cohort_timeline, timeline_entries

TIMELINE_CELLS = ("new_enrollments", "completions", "active")
_STATUSES = ("completed", "dropped", "enrolled")
_NOTE = "small counts hidden"
Grain = Literal["month", "quarter", "year", "cumulative"]
GRAINS: tuple[Grain, ...] = ("month", "quarter", "year", "cumulative")


def published_cohort_timeline(
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    *,
    as_of: datetime,
    min_cell: int = MIN_CELL,
    grain: Grain = "month",
) -> pl.DataFrame:
    """``cohort_timeline`` with every count that is small, or would reveal one, hidden.

    The counts of a timeline are not independent: active at the end of a month minus active at
    the end of the month before is that month's new (entered, placeable) enrollments minus its
    completions, and the months add up to the cohort's n and completed shown by the completion
    tables. So each cohort is modelled exactly: its enrollments fall into disjoint "atoms" (same
    entry month, completion month, status, and whether the headcount counts them); each new
    enrollments, completions and active cell is a union of atoms, and so are the cohort's n and
    its completed, dropped and enrolled counts, taken as shown (they are published elsewhere;
    where one is below ``min_cell`` it must not be derivable). ``protect`` then hides every cell
    below ``min_cell`` (0 included) and the fewest others so that no small atom, small cell or
    small rest of a total can be worked out exactly from the shown cells, and hides no cell the
    shown cells still determine.

    ``grain`` counts by calendar quarter or year instead of month (``month`` is then the first
    day of the period; ``active`` the headcount at the end of its last month), or
    ``cumulative``: one row per cohort at its last month, with every enrollment and completion
    so far and the headcount now.

    Returns
    -------
    pl.DataFrame
        The columns of ``cohort_timeline`` (hidden counts null, never 0; ``drops`` is always
        null) plus ``suppressed`` (bool: a count of the row is hidden) and ``suppression_note``
        ("small counts hidden" or null).
    """
    if min_cell < 1:
        raise InvalidOptionError(f"min_cell must be at least 1, got {min_cell}")
    if grain not in GRAINS:
        raise InvalidOptionError(f"grain must be one of {', '.join(GRAINS)}, got {grain!r}")
    as_of = as_utc(as_of)
    monthly = cohort_timeline(enrollments, cohorts, as_of=as_of)
    timeline = coarsen_timeline(monthly, grain=grain)
    entries = timeline_entries(enrollments, as_of=as_of)
    if grain == "cumulative":
        last = monthly.group_by("cohort_uuid").agg(pl.col("month").max().alias("_last"))
        entries = entries.join(last, on="cohort_uuid", how="left")
    model = _Model.build(entries, min_cell=min_cell, period=_PERIODS[grain])
    cells = model.add_timeline(timeline)
    hidden = protect(model.quantities, model.atom_values, min_cell=min_cell)
    masks = {column: [False] * timeline.height for column in TIMELINE_CELLS}
    for (row, column), quantity in cells.items():
        if quantity is None or quantity in hidden:
            masks[column][row] = True
    suppressed = [any(masks[c][row] for c in TIMELINE_CELLS) for row in range(timeline.height)]
    return timeline.with_columns(
        *(
            pl.when(pl.Series(mask, dtype=pl.Boolean)).then(None).otherwise(pl.col(c)).alias(c)
            for c, mask in masks.items()
        ),
        pl.Series("suppressed", suppressed, dtype=pl.Boolean),
        pl.Series("suppression_note", [_NOTE if s else None for s in suppressed], dtype=pl.String),
    ).select(*TIMELINE_COLUMNS, "suppressed", "suppression_note")


def coarsened_cohort_timeline(
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    *,
    as_of: datetime,
    min_cell: int = MIN_CELL,
    grains: Sequence[Grain] = GRAINS,
) -> pl.DataFrame:
    """Each cohort's timeline at the finest of ``grains`` where nothing is hidden.

    A time series falls back to a coarser grain before it hides a point (metrics.md §6, public):
    per cohort, months where no count is hidden, else quarters, else years, else the cumulative
    row (published with its hidden counts when even that is not enough); ``grain`` (before
    ``suppressed``) says which. Each cohort is
    protected at its grain with its own enrollments (``published_cohort_timeline``); a cohort's
    counts are never shown at two grains, so one grain cannot be subtracted from another.
    """
    chosen: dict[str, pl.DataFrame] = {}
    order: list[str] = []
    for at, grain in enumerate(grains):
        table = published_cohort_timeline(
            enrollments, cohorts, as_of=as_of, min_cell=min_cell, grain=grain
        ).with_columns(pl.lit(grain).alias("grain"))
        table = table.select(*TIMELINE_COLUMNS, "grain", "suppressed", "suppression_note")
        last = at == len(grains) - 1
        for (cohort,), rows in table.partition_by(
            "cohort_uuid", as_dict=True, maintain_order=True
        ).items():
            key = str(cohort)
            if key not in order:
                order.append(key)
            if key in chosen:
                continue
            if last or not rows.get_column("suppressed").any():
                chosen[key] = rows
    if not chosen:  # no cohort at all: the (empty) table at the coarsest grain
        return table
    return pl.concat([chosen[key] for key in order if key in chosen])


def coarsen_timeline(monthly: pl.DataFrame, *, grain: Grain) -> pl.DataFrame:
    """A monthly ``cohort_timeline`` added up by quarter, year, or into one cumulative row."""
    if grain == "month":
        return monthly
    if grain == "cumulative":
        period = pl.col("month").max().over("cohort_uuid")
    else:
        period = pl.col("month").dt.truncate("1q" if grain == "quarter" else "1y")
    return (
        monthly.sort("cohort_uuid", "month")
        .with_columns(period.alias("_period"))
        .group_by("cohort_uuid", "_period", maintain_order=True)
        .agg(
            pl.col("cohort_code").first(),
            pl.col("new_enrollments").sum(),
            pl.col("completions").sum(),
            pl.col("drops").first(),
            pl.col("active").last(),
        )
        .rename({"_period": "month"})
        .select(TIMELINE_COLUMNS)
        .sort("cohort_code", "cohort_uuid", "month")
    )


def _month(column: pl.Expr) -> pl.Expr:
    return column.dt.month_start().cast(pl.Date)


_PERIODS: dict[Grain, Callable[[pl.Expr], pl.Expr]] = {
    "month": _month,
    "quarter": lambda column: _month(column).dt.truncate("1q"),
    "year": lambda column: _month(column).dt.truncate("1y"),
    # Every event of a cohort falls in its one cumulative period (its last month).
    "cumulative": lambda column: pl.when(column.is_not_null()).then(pl.col("_last")),
}


@dataclass(frozen=True)
class _Atom:
    """Enrollments of one cohort counted alike by every timeline cell and cohort total."""

    index: int
    entry: date | None  # month counted as new (None: not counted as new)
    completion: date | None  # month counted as a completion
    status: str | None
    placed: bool  # counted in the active headcount while entered and not completed


@dataclass
class _Model:
    """Atoms per cohort, and the quantities (unions of atoms) that cells and totals show."""

    min_cell: int
    atoms: dict[str, list[_Atom]] = field(default_factory=dict)
    atom_values: dict[int, int] = field(default_factory=dict)
    quantities: list[Quantity] = field(default_factory=list)
    _shown: dict[frozenset[int], tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        entries: pl.DataFrame,
        *,
        min_cell: int,
        period: Callable[[pl.Expr], pl.Expr] = _month,
    ) -> _Model:
        """Atoms of every cohort (entry and completion by ``period``), and the cohort totals
        published elsewhere."""
        model = cls(min_cell)
        grouped = (
            entries.group_by(
                "cohort_uuid",
                period(pl.col("_in")).alias("entry"),
                period(pl.col("_done")).alias("completion"),
                "completion_status",
                "placed",
            )
            .agg(pl.len().cast(pl.Int64).alias("count"))
            .sort("cohort_uuid", "entry", "completion", "completion_status", nulls_last=True)
        )
        by_cohort: dict[str, list[_Atom]] = defaultdict(list)
        for cohort, entry, completion, status, placed, count in grouped.iter_rows():
            atom = _Atom(len(model.atom_values), entry, completion, status, placed)
            model.atom_values[atom.index] = count
            by_cohort[cohort].append(atom)
        model.atoms = dict(by_cohort)
        for atoms in model.atoms.values():
            model._add_total(atoms)  # n
            for status in _STATUSES:
                model._add_total([a for a in atoms if a.status == status])
        return model

    def _value(self, atoms: frozenset[int]) -> int:
        return sum(self.atom_values[a] for a in atoms)

    def _add_total(self, atoms: list[_Atom]) -> None:
        """A count shown by another table: fixed if it may be shown, else never derivable."""
        indices = frozenset(a.index for a in atoms)
        if not indices:
            return
        value = self._value(indices)
        shown_elsewhere = value >= self.min_cell
        self.quantities.append(
            Quantity(indices, value, fixed=shown_elsewhere, published=shown_elsewhere)
        )

    def _cell(self, atoms: frozenset[int], value: Any, where: tuple[str, date]) -> int | None:
        """The quantity a cell shows (one per distinct set of atoms); None for an empty cell."""
        known = self._shown.get(atoms)
        if known is None:
            known = (len(self.quantities), self._value(atoms))
            if atoms:
                self._shown[atoms] = known
                self.quantities.append(Quantity(atoms, known[1]))
        if value != known[1]:
            raise InconsistentAggregateError(
                f"cohort {where[0]}, {where[1]}: the timeline shows {value} but its enrollments "
                f"add up to {known[1]}"
            )
        return known[0] if atoms else None

    def add_timeline(self, timeline: pl.DataFrame) -> dict[tuple[int, str], int | None]:
        """Quantities of every count cell of ``timeline``: (row, column) -> quantity."""
        months: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        records = timeline.select("cohort_uuid", "month", *TIMELINE_CELLS).iter_rows(named=True)
        for row, record in enumerate(records):
            months[record["cohort_uuid"]].append((row, record))
        cells: dict[tuple[int, str], int | None] = {}
        for cohort, rows in months.items():
            atoms = self.atoms.get(cohort, [])
            entering: dict[date, set[int]] = defaultdict(set)
            completing: dict[date, set[int]] = defaultdict(set)
            for atom in atoms:
                if atom.entry is not None:
                    entering[atom.entry].add(atom.index)
                if atom.completion is not None:
                    completing[atom.completion].add(atom.index)
            placed = [a for a in atoms if a.placed and a.entry is not None]
            for row, record in rows:
                month = record["month"]
                where = (cohort, month)
                # Active at the end of the month: placed, entered by then, not completed by then.
                active = frozenset(
                    a.index
                    for a in placed
                    if a.entry is not None
                    and a.entry <= month
                    and (a.completion is None or a.completion > month)
                )
                cells[(row, "new_enrollments")] = self._cell(
                    frozenset(entering.get(month, ())), record["new_enrollments"], where
                )
                cells[(row, "completions")] = self._cell(
                    frozenset(completing.get(month, ())), record["completions"], where
                )
                cells[(row, "active")] = self._cell(active, record["active"], where)
        return cells
