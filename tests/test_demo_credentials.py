"""The dashboard's copy of the demo credentials matches what the sandbox seeds."""

from __future__ import annotations

from dashboard import demo_credentials
from dokstamp_sandbox import demo


def test_the_dashboard_signs_in_with_what_the_sandbox_seeds() -> None:
    assert demo_credentials.__all__ == ["DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET", "DEMO_TENANT"]
    for name in demo_credentials.__all__:
        assert getattr(demo_credentials, name) == getattr(demo, name), name
