"""The disclosure engine: exact row-space membership, and protection of sensitive atoms."""

from __future__ import annotations

import random
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.metrics.disclosure import Quantity, _RowSpace, protect


def exact_rank(vectors: list[list[int]]) -> int:
    """Rank over the rationals (Gaussian elimination with Fractions), independent of the engine."""
    rows = [[Fraction(x) for x in v] for v in vectors]
    rank = 0
    width = len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][col] != 0:
                factor = rows[r][col] / rows[rank][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def in_span(vectors: list[list[int]], target: list[int]) -> bool:
    if not vectors:
        return not any(target)
    return exact_rank([*vectors, target]) == exact_rank(vectors)


def indicator(atoms: frozenset[int], width: int) -> list[int]:
    return [1 if a in atoms else 0 for a in range(width)]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=7).flatmap(
        lambda width: st.tuples(
            st.just(width),
            st.lists(st.frozensets(st.integers(0, width - 1), min_size=1), max_size=8),
            st.frozensets(st.integers(0, width - 1), min_size=1),
        )
    )
)
def test_row_space_membership_matches_exact_rank(
    case: tuple[int, list[frozenset[int]], frozenset[int]],
) -> None:
    width, sets, target = case
    space = _RowSpace()
    for name, atoms in enumerate(sets):
        space.add(atoms, name)
    proof = space.certificate(target)
    vectors = [indicator(s, width) for s in sets]
    assert (proof is not None) == in_span(vectors, indicator(target, width))
    if proof is not None:
        assert in_span([vectors[i] for i in sorted(proof)], indicator(target, width))


def test_single_hidden_cell_in_a_shown_total_pulls_the_next_smallest() -> None:
    # cells a=3, b=12, c=40 and their total 55
    quantities = [
        Quantity(frozenset([0]), 3),
        Quantity(frozenset([1]), 12),
        Quantity(frozenset([2]), 40),
        Quantity(frozenset([0, 1, 2]), 55),
    ]
    assert protect(quantities, {0: 3, 1: 12, 2: 40}, min_cell=10) == {0, 1}


def test_fixed_total_is_never_hidden_and_parts_are() -> None:
    quantities = [
        Quantity(frozenset([0]), 3),
        Quantity(frozenset([1]), 12),
        Quantity(frozenset([0, 1]), 15, fixed=True),
    ]
    assert protect(quantities, {0: 3, 1: 12}, min_cell=10) == {0, 1}


def test_bridge_between_two_protected_blocks_is_found() -> None:
    """A 2x2 block, a second 2x2 block and one shared edge: each line has two hidden cells, but
    the edge between the blocks is still fixed by the totals. Only exact algebra sees it."""
    # Table rows r0..r3, columns k0..k3; cells (r, k) -> atom r*4+k, with row and column totals.
    values = {
        (0, 0): 3, (0, 1): 4, (0, 2): 50, (0, 3): 50,
        (1, 0): 5, (1, 1): 6, (1, 2): 2, (1, 3): 50,
        (2, 0): 50, (2, 1): 50, (2, 2): 7, (2, 3): 8,
        (3, 0): 50, (3, 1): 50, (3, 2): 9, (3, 3): 4,
    }  # fmt: skip
    atom = {cell: r * 4 + k for (r, k), cell in zip(values, values, strict=True)}
    quantities = [Quantity(frozenset([atom[c]]), v) for c, v in values.items()]
    for r in range(4):
        cells = [(r, k) for k in range(4)]
        quantities.append(
            Quantity(frozenset(atom[c] for c in cells), sum(values[c] for c in cells))
        )
    for k in range(4):
        cells = [(r, k) for r in range(4)]
        quantities.append(
            Quantity(frozenset(atom[c] for c in cells), sum(values[c] for c in cells))
        )
    atom_values = {atom[c]: v for c, v in values.items()}
    primary = [indicator(q.atoms, 16) for q in quantities if q.value >= 10]
    assert in_span(primary, indicator(frozenset([atom[(1, 2)]]), 16))  # the line rule misses it
    hidden = protect(quantities, atom_values, min_cell=10)
    shown = [indicator(q.atoms, 16) for i, q in enumerate(quantities) if i not in hidden]
    for c, v in values.items():
        if v < 10:
            assert not in_span(shown, indicator(frozenset([atom[c]]), 16)), c


def table_with_margins(values: list[list[int]]) -> list[Quantity]:
    """Cells (atom r * columns + c), row totals, column totals and the grand total. As in a rate
    table, the first column and the row totals carry headline numbers (``keep``)."""
    rows, columns = len(values), len(values[0])
    quantities = [
        Quantity(frozenset([r * columns + c]), values[r][c], keep=c == 0)
        for r in range(rows)
        for c in range(columns)
    ]
    lines = [([(r, c) for c in range(columns)], True) for r in range(rows)]
    lines += [([(r, c) for r in range(rows)], c == 0) for c in range(columns)]
    lines += [([(r, c) for r in range(rows) for c in range(columns)], True)]
    for line, keep in lines:
        atoms = frozenset(r * columns + c for r, c in line)
        quantities.append(Quantity(atoms, sum(values[r][c] for r, c in line), keep=keep))
    return quantities


@settings(max_examples=80, deadline=None)
@given(
    st.tuples(st.integers(1, 4), st.integers(2, 4)).flatmap(
        lambda shape: st.lists(
            st.lists(
                st.integers(0, 12) | st.integers(10, 60), min_size=shape[1], max_size=shape[1]
            ),
            min_size=shape[0],
            max_size=shape[0],
        )
    ),
    st.randoms(use_true_random=False),
)
def test_protect_hides_no_small_atom_and_nothing_that_stays_derivable(
    values: list[list[int]], rng: random.Random
) -> None:
    columns = len(values[0])
    width = len(values) * columns
    quantities = table_with_margins(values)
    rng.shuffle(quantities)  # the order breaks ties between complements
    atom_values = {r * columns + c: v for r, row in enumerate(values) for c, v in enumerate(row)}
    hidden = protect(quantities, atom_values, min_cell=10)
    shown = [indicator(q.atoms, width) for i, q in enumerate(quantities) if i not in hidden]
    for i, q in enumerate(quantities):
        if q.value < 10:
            assert i in hidden
        if i in hidden:  # hiding what the shown counts still determine protects nothing
            assert not in_span(shown, indicator(q.atoms, width)), q
    for atom, value in atom_values.items():
        if value < 10:
            assert not in_span(shown, indicator(frozenset([atom]), width)), atom
