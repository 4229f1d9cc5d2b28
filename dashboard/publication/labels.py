"""Labels every output carries: the policy in force, as a CSV column and as words on screen."""

from __future__ import annotations

from typing import Final

import polars as pl

from dashboard.publication.policy import MIN_CELL, DisclosurePolicy, policy_summary

__all__ = ["POLICY_COLUMN", "policy_caption", "with_policy_column"]

# A column rather than a "# policy" comment line: a CSV with a comment line opens in a
# spreadsheet with that line as its first row and the header shifted down.
POLICY_COLUMN: Final = "policy"


def with_policy_column(frame: pl.DataFrame, policy: DisclosurePolicy) -> pl.DataFrame:
    """``frame`` with a last column ``policy``: the disclosure policy it was published under."""
    return frame.with_columns(pl.lit(policy.value, dtype=pl.String).alias(POLICY_COLUMN))


def policy_caption(policy: DisclosurePolicy, *, min_cell: int = MIN_CELL) -> str:
    """The caption a page shows under its title: which policy is in force and what it hides."""
    return policy_summary(policy, min_cell=min_cell)
