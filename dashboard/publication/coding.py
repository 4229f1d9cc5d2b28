"""Top and bottom coding: a hidden rate shown as a band ("<=5%", ">=95%") where that is safe.

Under the public policy a rate whose count is hidden would otherwise read "hidden" even when
its group is large and the rate extreme (0 of 40 dropped). NCES 2011-603 (SLDS Technical Brief
3, recommended reporting rules) codes such percentages by the size of the group instead: the
larger the group, the narrower the band. A band is shown only when the group's n is shown, the
rate really lies in the band, and the band still admits at least two counts (so "<=2%" of 45,
which could only be 0, is not shown: it would publish the hidden count exactly).

Source: Seastrom, M. (2010), SLDS Technical Brief 3, "Statistical Methods for Protecting
Personally Identifiable Information in Aggregate Reporting", NCES 2011-603,
https://nces.ed.gov/pubs2011/2011603.pdf (its recommended reporting rules). Not checked against
that text: on 2026-12-02 the brief itself could not be retrieved from where this project can read
(the reference search found only second-hand summaries, which quote its minimum group of 10 and
"suppress results for all reporting groups with 0 to 9 students" but not its bands). ``BANDS``
are the bands as commonly summarised from it (n 10-20: <=10%/>=90%, 21-40: <=5%/>=95%, 41-100:
<=2%/>=98%, 101-1,000: <=1%/>=99%, over 1,000: <=0.1%/>=99.9%), unverified; docs/metrics.md
says so too. Whoever holds the PDF should check them against its table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

import polars as pl

__all__ = ["BANDS", "BAND_SUFFIX", "band_for", "code_hidden_rates"]

BAND_SUFFIX: Final = "_band"
# (smallest group size, bottom band, top band): percentages at or under the bottom band and at
# or over the top band are coded, following NCES 2011-603's reporting rules by group size.
BANDS: Final = (
    (10, 0.10, 0.90),
    (21, 0.05, 0.95),
    (41, 0.02, 0.98),
    (101, 0.01, 0.99),
    (1001, 0.001, 0.999),
)


def _percent(value: float) -> str:
    return f"{value * 100:g}%"


def band_for(count: int, n: int, *, min_cell: int) -> str | None:
    """The band text for ``count`` of ``n`` ("<=5%", ">=95%"), or None where none is safe."""
    if n < min_cell or n <= 0:
        return None
    tier = None
    for smallest, bottom, top in BANDS:
        if n >= smallest:
            tier = (bottom, top)
    if tier is None:
        return None
    bottom, top = tier
    # Counts the band admits: 0..floor(bottom*n) and ceil(top*n)..n; two at least.
    low_counts = math.floor(bottom * n + 1e-9)
    high_counts = n - math.ceil(top * n - 1e-9)
    if count <= bottom * n + 1e-9:
        return f"<={_percent(bottom)}" if low_counts >= 1 else None
    if count >= top * n - 1e-9:
        return f">={_percent(top)}" if high_counts >= 1 else None
    return None


def code_hidden_rates(
    published: pl.DataFrame,
    original: pl.DataFrame,
    *,
    rates: Mapping[str, tuple[str, str]],
    min_cell: int,
) -> pl.DataFrame:
    """``published`` plus ``{rate}_band`` for each rate of ``rates`` (rate -> (count, n)).

    ``original`` is the frame before suppression (same rows, same order): the band is computed
    from the true count, and shown only where the rate is hidden but its n is shown.
    """
    added = []
    for rate, (count, n) in rates.items():
        if rate not in published.columns:
            continue
        shown_rate = published.get_column(rate).to_list()
        shown_n = published.get_column(n).to_list()
        counts = original.get_column(count).to_list()
        bands = [
            band_for(int(k), int(size), min_cell=min_cell)
            if value is None and size is not None and k is not None
            else None
            for value, size, k in zip(shown_rate, shown_n, counts, strict=True)
        ]
        added.append(pl.Series(f"{rate}{BAND_SUFFIX}", bands, dtype=pl.String))
    if not added:
        return published
    return published.with_columns(added)
