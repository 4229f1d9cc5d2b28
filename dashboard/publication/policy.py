"""The disclosure policy of an output: who reads it decides what it hides (metrics.md §6).

One setting, read in three ways: the app's config key ``ENROLLMENT_OUTCOMES_DISCLOSURE``
(``policy_from_config``), ``enrollment-outcomes export --policy`` and the ``policy=`` keyword of
every table and report builder. ``MIN_CELL`` is the one minimum cell size.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from dashboard.metrics.suppression import MIN_CELL

__all__ = [
    "APP_POLICIES",
    "DEFAULT_POLICY",
    "MIN_CELL",
    "POLICY_KEY",
    "DisclosurePolicy",
    "InvalidPolicyError",
    "policy_from_config",
    "policy_summary",
]

POLICY_KEY: Final = "ENROLLMENT_OUTCOMES_DISCLOSURE"


class InvalidPolicyError(ValueError):
    """A policy name that is not one of internal, public, none (or not allowed where it is used)."""


class DisclosurePolicy(StrEnum):
    """Who reads an output (metrics.md §6)."""

    INTERNAL = "internal"  # signed-in staff: the threshold applies to the group
    PUBLIC = "public"  # leaves the institution: no small count, nothing recoverable
    NONE = "none"  # student-level views for those who already have student-level access

    @classmethod
    def parse(cls, text: str | DisclosurePolicy) -> DisclosurePolicy:
        """The policy named ``text`` (case and surrounding spaces ignored); a clear error else."""
        if isinstance(text, DisclosurePolicy):
            return text
        name = str(text).strip().lower()
        try:
            return cls(name)
        except ValueError:
            allowed = ", ".join(policy.value for policy in cls)
            raise InvalidPolicyError(
                f"disclosure policy {text!r} is not one of {allowed}"
            ) from None


DEFAULT_POLICY: Final = DisclosurePolicy.INTERNAL
# The dashboard publishes aggregates to its readers: "none" is for student-level views only.
APP_POLICIES: Final = (DisclosurePolicy.INTERNAL, DisclosurePolicy.PUBLIC)


def policy_from_config(config: Mapping[str, str]) -> DisclosurePolicy:
    """The dashboard's policy from a config mapping (environment / ``[dokstamp]`` secrets keys).

    ``ENROLLMENT_OUTCOMES_DISCLOSURE`` = ``internal`` (default, also when empty) or ``public``.
    ``none`` is refused: the dashboard's pages are publications; its student-level views (row
    extracts, corrections) are for editors whatever the policy.

    Raises
    ------
    InvalidPolicyError
        The value is not internal or public.
    """
    text = str(config.get(POLICY_KEY, "") or "").strip()
    if not text:
        return DEFAULT_POLICY
    policy = DisclosurePolicy.parse(text)
    if policy not in APP_POLICIES:
        raise InvalidPolicyError(
            f"{POLICY_KEY}={text!r}: the dashboard publishes aggregates, so it takes internal or "
            "public; 'none' is for student-level exports (enrollment-outcomes export --policy none)"
        )
    return policy


def policy_summary(policy: DisclosurePolicy, *, min_cell: int = MIN_CELL) -> str:
    """One sentence: what ``policy`` hides (page captions, chart notes, the Definitions page)."""
    if policy is DisclosurePolicy.INTERNAL:
        return (
            f"Disclosure policy: internal (staff). A group under {min_cell} enrollments shows no "
            f"count and no rate (n<{min_cell}); a group of {min_cell} or more shows all its "
            "counts, rates and intervals. Where a total is shown, the next-smallest group is "
            "hidden too when the hidden part could otherwise be worked out from it."
        )
    if policy is DisclosurePolicy.PUBLIC:
        return (
            f"Disclosure policy: public. No count under {min_cell} (zeros included) is shown and "
            "no hidden count can be worked out by subtraction; a rate whose counts are hidden is "
            "shown as a band (e.g. <=5%, >=95%) where that is safe; a cohort timeline is shown "
            "by quarter, year or cumulatively before a point is hidden."
        )
    return (
        "Disclosure policy: none (student-level rows for those who already have student-level "
        "access): nothing is hidden."
    )
