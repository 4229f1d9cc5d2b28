"""Who may use the signed-in dashboard: roles and course scopes, from the ``[access]`` table.

The table sits in ``.streamlit/secrets.toml`` beside ``[auth]``, or in its own TOML file named by
``ENROLLMENT_OUTCOMES_ACCESS`` (the file wins when both exist). Its rules are read in order and
the first that matches a signed-in user decides their role and scope; a user no rule matches has
no access. A rule matches by e-mail address, e-mail domain, or a value of a list claim of the ID
token (``groups`` unless ``groups_claim`` names another)::

    [access]
    groups_claim = "groups"          # optional; Entra app roles: "roles"
    email_claim = "email"            # optional; Entra without the email claim: "preferred_username"

    [[access.rules]]
    role = "admin"
    emails = ["dean@example.edu"]

    [[access.rules]]
    role = "viewer"
    groups = ["nursing-leads"]
    courses = ["NURS-101", "NURS-102"]   # course codes or uuids: sees these courses only

    [[access.rules]]
    role = "viewer"
    domains = ["example.edu"]

Pure: parsing and matching take mappings and return values, so the app, the CLI and the tests
share them. Problems raise ``AccessConfigError`` naming the rule and the key.
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = [
    "ACCESS_FILE_KEY",
    "ANONYMOUS",
    "Access",
    "AccessConfigError",
    "AccessRule",
    "AccessRules",
    "Role",
    "access_rules_from_config",
    "read_access_table",
]

ACCESS_FILE_KEY: Final = "ENROLLMENT_OUTCOMES_ACCESS"
_RULE_KEYS = frozenset({"role", "emails", "domains", "groups", "courses"})
_TABLE_KEYS = frozenset({"rules", "groups_claim", "email_claim"})


class AccessConfigError(ValueError):
    """The ``[access]`` table (or the file that holds it) cannot be used as written."""


class Role(enum.Enum):
    """What a signed-in user may do; each role may do what the one before it may."""

    VIEWER = "viewer"  # aggregates, under the internal disclosure policy at most
    EDITOR = "editor"  # also row-level rows and exports, and the Corrections page
    ADMIN = "admin"  # also refresh, settings and everyone's correction log

    @property
    def rank(self) -> int:
        return list(Role).index(self)


@dataclass(frozen=True)
class Access:
    """One user's access: role, the courses they are limited to (None: every course), who."""

    role: Role
    courses: frozenset[str] | None = None
    email: str | None = None
    # No sign-in configured: the deployment's own settings decide, as before sign-in existed.
    anonymous: bool = False

    @property
    def rows(self) -> bool:
        """May see row-level (student-level) rows and exports."""
        return self.role.rank >= Role.EDITOR.rank

    @property
    def edits(self) -> bool:
        """May open the Corrections page (when the deployment allows writes at all)."""
        return self.role.rank >= Role.EDITOR.rank

    @property
    def administers(self) -> bool:
        """May refresh the data, read the settings and everyone's correction log."""
        return self.role is Role.ADMIN

    @property
    def scoped(self) -> bool:
        return self.courses is not None

    def describe(self) -> str:
        """One line for the sidebar, e.g. "alice@x.edu · viewer · 2 courses"."""
        parts = [self.email or "anonymous", self.role.value]
        if self.courses is not None:
            parts.append(f"{len(self.courses)} course(s)")
        return " · ".join(parts)


# Without sign-in (local use, or --allow-anonymous) the dashboard is as it always was.
ANONYMOUS: Final = Access(role=Role.ADMIN, anonymous=True)


@dataclass(frozen=True)
class AccessRule:
    """One ``[[access.rules]]`` entry."""

    role: Role
    emails: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    courses: frozenset[str] | None = None

    def matches(self, email: str | None, groups: frozenset[str]) -> bool:
        if email is not None:
            if email in self.emails:
                return True
            if email.rpartition("@")[2] in self.domains:
                return True
        return bool(self.groups & groups)


@dataclass(frozen=True)
class AccessRules:
    """The whole ``[access]`` table: rules in order, and which claims to read."""

    rules: tuple[AccessRule, ...] = ()
    groups_claim: str = "groups"
    email_claim: str = "email"

    def email_of(self, claims: Mapping[str, object]) -> str | None:
        """The user's e-mail (lower case), unless the provider says it is not verified."""
        value = claims.get(self.email_claim)
        if not isinstance(value, str) or "@" not in value:
            return None
        if claims.get("email_verified") is False:
            return None  # an address the provider did not check proves nothing
        return value.strip().lower()

    def groups_of(self, claims: Mapping[str, object]) -> frozenset[str]:
        value = claims.get(self.groups_claim)
        if isinstance(value, str):
            return frozenset({value})
        if isinstance(value, Sequence):
            return frozenset(str(item) for item in value)
        return frozenset()

    def access_for(self, claims: Mapping[str, object]) -> Access | None:
        """The access of a signed-in user with these ID-token claims; None: no rule matches."""
        email = self.email_of(claims)
        groups = self.groups_of(claims)
        for rule in self.rules:
            if rule.matches(email, groups):
                return Access(role=rule.role, courses=rule.courses, email=email)
        return None


def _strings(value: object, *, where: str, key: str, lower: bool = False) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AccessConfigError(f"{where}: {key} must be a list of strings")
    items = [item.strip() for item in value]
    if any(not item for item in items):
        raise AccessConfigError(f"{where}: {key} has an empty entry")
    return frozenset(item.lower() if lower else item for item in items)


def _rule(entry: object, index: int) -> AccessRule:
    where = f"access rule {index + 1}"
    if not isinstance(entry, Mapping):
        raise AccessConfigError(f"{where} must be a table ([[access.rules]])")
    unknown = set(entry) - _RULE_KEYS
    if unknown:
        raise AccessConfigError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))} "
            f"(allowed: {', '.join(sorted(_RULE_KEYS))})"
        )
    raw_role = entry.get("role")
    try:
        role = Role(raw_role)
    except ValueError:
        allowed = ", ".join(role.value for role in Role)
        raise AccessConfigError(
            f"{where}: role must be one of {allowed}, not {raw_role!r}"
        ) from None
    emails = _strings(entry.get("emails", []), where=where, key="emails", lower=True)
    domains = _strings(entry.get("domains", []), where=where, key="domains", lower=True)
    groups = _strings(entry.get("groups", []), where=where, key="groups")
    if not (emails or domains or groups):
        raise AccessConfigError(f"{where} matches no one: give emails, domains or groups")
    if any("@" in domain for domain in domains):
        raise AccessConfigError(f"{where}: domains are written without @ (example.edu)")
    courses = None
    if "courses" in entry:
        courses = _strings(entry["courses"], where=where, key="courses")
        if not courses:
            raise AccessConfigError(f"{where}: courses is empty (leave it out for every course)")
    return AccessRule(role=role, emails=emails, domains=domains, groups=groups, courses=courses)


def access_rules_from_config(table: Mapping[str, object]) -> AccessRules:
    """The rules of an ``[access]`` table (as read from TOML)."""
    unknown = set(table) - _TABLE_KEYS
    if unknown:
        raise AccessConfigError(
            f"[access]: unknown key(s) {', '.join(sorted(unknown))} "
            f"(allowed: {', '.join(sorted(_TABLE_KEYS))})"
        )
    entries = table.get("rules", [])
    if not isinstance(entries, list):
        raise AccessConfigError("[access]: rules must be an array of tables ([[access.rules]])")
    claims = {}
    for key, default in (("groups_claim", "groups"), ("email_claim", "email")):
        value = table.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise AccessConfigError(f"[access]: {key} must be a claim name")
        claims[key] = value.strip()
    return AccessRules(
        rules=tuple(_rule(entry, index) for index, entry in enumerate(entries)),
        groups_claim=claims["groups_claim"],
        email_claim=claims["email_claim"],
    )


def read_access_table(
    config: Mapping[str, str], secrets: Mapping[str, object]
) -> Mapping[str, object]:
    """The ``[access]`` table: from the file ``ENROLLMENT_OUTCOMES_ACCESS`` names, else the
    secrets' own ``[access]`` table, else empty (no one has access)."""
    path_text = config.get(ACCESS_FILE_KEY, "").strip()
    if path_text:
        path = Path(path_text).expanduser()
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise AccessConfigError(f"{ACCESS_FILE_KEY}: cannot read {path}: {error}") from error
        table = document.get("access")
        if not isinstance(table, Mapping):
            raise AccessConfigError(f"{ACCESS_FILE_KEY}: {path} has no [access] table")
        return table
    table = secrets.get("access", {})
    if not isinstance(table, Mapping):
        raise AccessConfigError("[access] in the secrets must be a table")
    return table
