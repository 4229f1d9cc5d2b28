"""Demo tenants' names and credentials: the values the docs, the app and the tests rely on."""

from __future__ import annotations

from typing import Final

DEMO_TENANT: Final = "demo-university"
DEMO_INSTITUTION: Final = "Northfield University"
DEMO_USER_NAME: Final = "Northfield Registrar"
DEMO_EMAIL: Final = "registrar@northfield.test"
DEMO_PASSWORD: Final = "demo-password"  # noqa: S105 - published demo credentials
DEMO_CLIENT_ID: Final = "demo-client"
DEMO_CLIENT_SECRET: Final = "demo-secret"  # noqa: S105 - published demo credentials

TINY_TENANT: Final = "tiny-college"
TINY_INSTITUTION: Final = "Tiny College"
TINY_USER_NAME: Final = "Tiny College Admin"
TINY_EMAIL: Final = "admin@tiny.test"
TINY_PASSWORD: Final = "tiny-password"  # noqa: S105 - published demo credentials
TINY_CLIENT_ID: Final = "tiny-client"
TINY_CLIENT_SECRET: Final = "tiny-secret"  # noqa: S105 - published demo credentials

# The fixed "today" of the seed generator: every seeded date is relative to it, so the same size
# always gives the same data. Outcomes after this date are still "enrolled".
SEED_AS_OF: Final = "2026-09-01"
