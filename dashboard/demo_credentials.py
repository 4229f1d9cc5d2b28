"""The demo tenant and its service client, as the dashboard signs in to the demo sandbox.

The sandbox (``dokstamp_sandbox.demo``) seeds the same values; the two packages share no code, so
each keeps its copy and ``tests/test_demo_credentials.py`` checks that they agree.
"""

from __future__ import annotations

from typing import Final

__all__ = ["DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET", "DEMO_TENANT"]

DEMO_TENANT: Final = "demo-university"
DEMO_CLIENT_ID: Final = "demo-client"
DEMO_CLIENT_SECRET: Final = "demo-secret"  # noqa: S105 - published demo credentials
