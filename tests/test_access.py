"""The [access] table: parsing, first-match rules, claims, the file named by
ENROLLMENT_OUTCOMES_ACCESS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dashboard.access import (
    ACCESS_FILE_KEY,
    ANONYMOUS,
    Access,
    AccessConfigError,
    Role,
    access_rules_from_config,
    read_access_table,
)

TABLE: dict[str, Any] = {
    "rules": [
        {"role": "admin", "emails": ["Dean@Example.edu"]},
        {"role": "viewer", "groups": ["nursing-leads"], "courses": ["NURS-101", "NURS-102"]},
        {"role": "editor", "domains": ["registry.example.edu"]},
        {"role": "viewer", "domains": ["example.edu"]},
    ]
}


def _claims(email: str | None = None, **more: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": "123", **more}
    if email is not None:
        claims["email"] = email
    return claims


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        (_claims("dean@example.edu"), Access(Role.ADMIN, None, "dean@example.edu")),
        (_claims("DEAN@example.EDU"), Access(Role.ADMIN, None, "dean@example.edu")),
        (
            _claims("ann@registry.example.edu"),
            Access(Role.EDITOR, None, "ann@registry.example.edu"),
        ),
        (_claims("bob@example.edu"), Access(Role.VIEWER, None, "bob@example.edu")),
        (
            _claims("bob@example.edu", groups=["staff", "nursing-leads"]),
            Access(Role.VIEWER, frozenset({"NURS-101", "NURS-102"}), "bob@example.edu"),
        ),
        (
            _claims(None, groups="nursing-leads"),  # a claim given as one string
            Access(Role.VIEWER, frozenset({"NURS-101", "NURS-102"}), None),
        ),
    ],
)
def test_the_first_matching_rule_decides(claims: dict[str, Any], expected: Access) -> None:
    assert access_rules_from_config(TABLE).access_for(claims) == expected


@pytest.mark.parametrize(
    "claims",
    [
        _claims("eve@elsewhere.org"),
        _claims("eve@notexample.edu"),  # a domain is matched whole, not as a suffix
        _claims("dean@example.edu", email_verified=False),  # an unchecked address proves nothing
        _claims(None),
        _claims("not-an-address"),
    ],
)
def test_no_rule_no_access(claims: dict[str, Any]) -> None:
    assert access_rules_from_config(TABLE).access_for(claims) is None


def test_other_claim_names() -> None:
    rules = access_rules_from_config(
        {
            "groups_claim": "roles",
            "email_claim": "preferred_username",
            "rules": [{"role": "editor", "groups": ["Dashboard.Editor"]}],
        }
    )
    access = rules.access_for({"preferred_username": "ann@x.edu", "roles": ["Dashboard.Editor"]})
    assert access == Access(Role.EDITOR, None, "ann@x.edu")
    assert rules.access_for({"groups": ["Dashboard.Editor"]}) is None


def test_what_each_role_may_do() -> None:
    viewer, editor, admin = (Access(role) for role in Role)
    assert (viewer.rows, viewer.edits, viewer.administers) == (False, False, False)
    assert (editor.rows, editor.edits, editor.administers) == (True, True, False)
    assert (admin.rows, admin.edits, admin.administers) == (True, True, True)
    assert ANONYMOUS.anonymous
    assert not admin.anonymous


def test_an_empty_table_lets_no_one_in() -> None:
    assert access_rules_from_config({}).access_for(_claims("dean@example.edu")) is None


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"rules": [{"role": "owner", "emails": ["a@b.c"]}]}, "role must be one of"),
        ({"rules": [{"role": "viewer"}]}, "matches no one"),
        ({"rules": [{"role": "viewer", "emails": "a@b.c"}]}, "emails must be a list"),
        ({"rules": [{"role": "viewer", "domains": ["@b.c"]}]}, "without @"),
        ({"rules": [{"role": "viewer", "emails": ["a@b.c"], "courses": []}]}, "courses is empty"),
        ({"rules": [{"role": "viewer", "email": ["a@b.c"]}]}, "unknown key"),
        ({"rule": []}, "unknown key"),
        ({"rules": {"role": "viewer"}}, "array of tables"),
        ({"groups_claim": ""}, "claim name"),
    ],
)
def test_a_bad_table_is_refused_with_the_reason(table: dict[str, Any], message: str) -> None:
    with pytest.raises(AccessConfigError, match=message):
        access_rules_from_config(table)


def test_the_access_file_wins_over_the_secrets(tmp_path: Path) -> None:
    path = tmp_path / "access.toml"
    path.write_text('[access]\n[[access.rules]]\nrole = "admin"\nemails = ["a@b.c"]\n')
    table = read_access_table({ACCESS_FILE_KEY: str(path)}, {"access": {"rules": []}})
    assert access_rules_from_config(table).access_for(_claims("a@b.c")) == Access(
        Role.ADMIN, None, "a@b.c"
    )
    assert read_access_table({}, {"access": {"rules": []}}) == {"rules": []}
    assert read_access_table({}, {}) == {}


@pytest.mark.parametrize("content", [None, "[access\n", "[other]\n"])
def test_an_unusable_access_file_is_named(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "access.toml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(AccessConfigError, match=ACCESS_FILE_KEY):
        read_access_table({ACCESS_FILE_KEY: str(path)}, {})
