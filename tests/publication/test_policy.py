"""The disclosure policy setting: one name, three readers (config key, --policy, keyword)."""

from __future__ import annotations

import pytest

from dashboard.publication import (
    DEFAULT_POLICY,
    POLICY_KEY,
    DisclosurePolicy,
    InvalidPolicyError,
    policy_from_config,
    policy_summary,
)


def test_config_key_defaults_to_internal() -> None:
    assert policy_from_config({}) is DisclosurePolicy.INTERNAL
    assert policy_from_config({POLICY_KEY: "  "}) is DEFAULT_POLICY
    assert policy_from_config({POLICY_KEY: " Public "}) is DisclosurePolicy.PUBLIC


@pytest.mark.parametrize(("value", "message"), [("open", "not one of"), ("none", "student-level")])
def test_config_key_refuses_what_the_dashboard_cannot_publish(value: str, message: str) -> None:
    with pytest.raises(InvalidPolicyError, match=message):
        policy_from_config({POLICY_KEY: value})


def test_each_policy_says_what_it_hides() -> None:
    assert "n<10" in policy_summary(DisclosurePolicy.INTERNAL)
    assert "<=5%" in policy_summary(DisclosurePolicy.PUBLIC)
    assert "nothing is hidden" in policy_summary(DisclosurePolicy.NONE)
    assert "n<5" in policy_summary(DisclosurePolicy.INTERNAL, min_cell=5)
