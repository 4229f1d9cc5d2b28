"""Which published counts to hide so that no small count can be worked out from the ones shown.

The model: a table's counts are sums over disjoint groups of students ("atoms"). A published
quantity is a set of atoms and its value. An atom or a quantity below ``min_cell`` is sensitive.
``protect`` returns the quantities to hide so that no sensitive atom, no hidden sensitive quantity,
and no "rest" of a shown total (the total minus its shown parts) is a linear combination of the
shown quantities; and it hides nothing that stays a linear combination of the shown ones (hiding
such a count protects nothing). Linear algebra is exact, modulo a 61-bit prime, on sparse rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_PRIME = (1 << 61) - 1


@dataclass(frozen=True)
class Quantity:
    """A published count: the atoms it adds up, its value, and whether it may be hidden."""

    atoms: frozenset[int]
    value: int
    fixed: bool = False  # shown elsewhere (an outside total, a known offset): cannot be hidden
    protected: bool = True  # False for known offsets that are not about students' outcomes
    published: bool = True  # False for a count no row shows but that must not be derivable
    # Carries a headline number (a rate's count, the base of a median): when a complement must
    # be hidden, other candidates go first, so one small cell does not blank the headline.
    keep: bool = False
    # Hidden by another publication of the same number (a group size the completion table
    # hides): hidden here too, and protected like a small count.
    withheld: bool = False


class _RowSpace:
    """Reduced row-echelon basis of the shown quantities, with the combination behind each row."""

    def __init__(self) -> None:
        self.rows: dict[int, tuple[dict[int, int], dict[int, int]]] = {}
        self.holders: dict[int, set[int]] = defaultdict(set)  # atom -> pivots whose row holds it

    @staticmethod
    def _axpy(target: dict[int, int], factor: int, source: dict[int, int]) -> list[int]:
        touched = []
        for key, value in source.items():
            new = (target.get(key, 0) - factor * value) % _PRIME
            if new:
                target[key] = new
            else:
                target.pop(key, None)
            touched.append(key)
        return touched

    def _reduce(
        self, vector: dict[int, int], tag: dict[int, int]
    ) -> tuple[dict[int, int], dict[int, int]]:
        for atom in [a for a in vector if a in self.rows]:
            factor = vector.get(atom, 0)
            if factor:
                row, row_tag = self.rows[atom]
                self._axpy(vector, factor, row)
                self._axpy(tag, factor, row_tag)
        return vector, tag

    def add(self, atoms: Iterable[int], name: int) -> None:
        vector, tag = self._reduce(dict.fromkeys(atoms, 1), {name: 1})
        if not vector:
            return
        pivot = min(vector)
        inverse = pow(vector[pivot], _PRIME - 2, _PRIME)
        vector = {a: v * inverse % _PRIME for a, v in vector.items()}
        tag = {q: v * inverse % _PRIME for q, v in tag.items()}
        # Keep the basis fully reduced: no other row may hold the new pivot.
        for other in list(self.holders.pop(pivot, ())):
            row, row_tag = self.rows[other]
            factor = row[pivot]
            before = set(row)
            self._axpy(row, factor, vector)
            self._axpy(row_tag, factor, tag)
            for atom in before - set(row):
                self.holders[atom].discard(other)
            for atom in set(row) - before:
                self.holders[atom].add(other)
        for atom in vector:
            if atom != pivot:
                self.holders[atom].add(pivot)
        self.rows[pivot] = (vector, tag)

    def certificate(self, atoms: Iterable[int]) -> set[int] | None:
        """Names of shown quantities whose combination gives the sum of ``atoms``, else None."""
        vector, tag = self._reduce(dict.fromkeys(atoms, 1), {})
        if vector:
            return None
        return set(tag)


def _components(quantities: Sequence[Quantity]) -> list[list[int]]:
    parent: dict[int, int] = {}

    def find(a: int) -> int:
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for q in quantities:
        atoms = list(q.atoms)
        for other in atoms[1:]:
            parent[find(other)] = find(atoms[0])
    groups: dict[int, list[int]] = defaultdict(list)
    for index, q in enumerate(quantities):
        if q.atoms:
            groups[find(next(iter(q.atoms)))].append(index)
    return list(groups.values())


def protect(
    quantities: Sequence[Quantity], atom_values: dict[int, int], *, min_cell: int
) -> set[int]:
    """Indices of ``quantities`` to hide (primary: value < min_cell; then complementary)."""
    hidden = {
        i
        for i, q in enumerate(quantities)
        if q.published and q.protected and not q.fixed and (q.value < min_cell or q.withheld)
    }
    protected_atoms = set(atom_values)
    for q in quantities:
        if not q.protected:
            protected_atoms -= q.atoms
    for members in _components(quantities):
        hidden |= _protect_component(
            quantities, members, hidden, atom_values, protected_atoms, min_cell=min_cell
        )
    return hidden


def _protect_component(
    quantities: Sequence[Quantity],
    members: list[int],
    hidden_start: set[int],
    atom_values: dict[int, int],
    protected_atoms: set[int],
    *,
    min_cell: int,
) -> set[int]:
    """Hide complements until nothing sensitive is derivable; then show again every hidden
    complement that the shown quantities still determine (hiding it protected nothing), and
    protect again, since a count shown again can be a total whose small rest must be protected.

    A small rest, once found, stays protected even when its total or parts are hidden later (a
    hidden part may still be derivable). Each round that hides anything shrinks the span of the
    shown quantities, so the rounds end; the last step is always a protection pass.
    """
    primary = {i for i in members if i in hidden_start}
    atoms = sorted({a for i in members for a in quantities[i].atoms})
    outside = _RowSpace()  # what outside totals alone give away is their own publication's job
    for i in members:
        if quantities[i].fixed and quantities[i].published:
            outside.add(quantities[i].atoms, i)
    passes = _Passes(
        quantities,
        members,
        atom_values,
        protected_atoms,
        {frozenset([a]) for a in atoms if a in protected_atoms and atom_values[a] < min_cell},
        outside,
        min_cell,
    )
    hidden, space = passes.hide_complements(set(primary))
    for _ in range(len(members) + 1):
        redundant = {
            i
            for i in hidden - primary
            if quantities[i].atoms and space.certificate(quantities[i].atoms) is not None
        }
        if not redundant:
            break
        hidden, space = passes.hide_complements(hidden - redundant)
    return hidden


def _shown_space(quantities: Sequence[Quantity], members: list[int], hidden: set[int]) -> _RowSpace:
    space = _RowSpace()
    for i in members:
        if i not in hidden and quantities[i].published:
            space.add(quantities[i].atoms, i)
    return space


@dataclass
class _Passes:
    """Protection passes over one component; ``suspects`` (small atoms, small rests of totals)
    grows across passes."""

    quantities: Sequence[Quantity]
    members: list[int]
    atom_values: dict[int, int]
    protected_atoms: set[int]
    suspects: set[frozenset[int]]
    outside: _RowSpace
    min_cell: int

    def hide_complements(self, hidden: set[int]) -> tuple[set[int], _RowSpace]:
        """Add complements to ``hidden`` until no suspect (sensitive atom, hidden small
        quantity, small rest of a total) is a combination of the shown quantities, unless the
        outside totals alone give it away. Returns the hidden set and the shown quantities'
        space."""
        quantities = self.quantities
        while True:
            shown = [i for i in self.members if i not in hidden and quantities[i].published]
            space = _shown_space(quantities, self.members, hidden)
            self.suspects |= set(
                _rests_of_shown_totals(
                    quantities, shown, self.atom_values, self.protected_atoms, self.min_cell
                )
            )
            small_hidden = [
                quantities[i].atoms
                for i in self.members
                if (i in hidden or not quantities[i].published)
                and quantities[i].protected
                and quantities[i].value < self.min_cell
            ]
            newly: set[int] = set()
            for atoms_of_suspect in [*sorted(self.suspects, key=sorted), *small_hidden]:
                proof = space.certificate(atoms_of_suspect)
                if proof is None or proof & newly:
                    continue
                candidates = [i for i in proof if not quantities[i].fixed]
                if not candidates or self.outside.certificate(atoms_of_suspect) is not None:
                    continue
                newly.add(
                    min(candidates, key=lambda i: (quantities[i].keep, quantities[i].value, i))
                )
            if not newly:
                return hidden, space
            hidden |= newly


def _rests_of_shown_totals(
    quantities: Sequence[Quantity],
    shown: list[int],
    atom_values: dict[int, int],
    protected_atoms: set[int],
    min_cell: int,
) -> list[frozenset[int]]:
    """For each shown total, the atoms not covered by its shown parts, if they add up to little."""
    by_atom: dict[int, list[int]] = defaultdict(list)
    for i in shown:
        for a in quantities[i].atoms:
            by_atom[a].append(i)
    rests = []
    for i in shown:
        whole = quantities[i].atoms
        if len(whole) < 2:
            continue
        covered: set[int] = set()
        for a in whole:
            if a in covered:
                continue
            for j in by_atom[a]:
                part = quantities[j].atoms
                if j != i and part < whole:
                    covered |= part
                    break
        rest = whole - covered
        if (
            rest
            and rest != whole
            and rest <= protected_atoms
            and sum(atom_values[a] for a in rest) < min_cell
        ):
            rests.append(frozenset(rest))
    return rests
