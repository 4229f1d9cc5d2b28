"""The client's own settings: where the API is, how to sign in, and how to page and retry.

The application's ``dashboard.settings.Settings`` extends this with what the client does not
need (cache, snapshots, editing), so the client never imports the application's settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.client._credentials import Credentials

__all__ = ["ClientSettings"]


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """What ``DokStampClient`` is built from (validated by ``Settings.from_mapping``)."""

    api_url: str
    tenant: str
    credentials: Credentials
    page_size: int = 1000
    concurrency: int = 16  # the cap of the adaptive limit
    timeout_seconds: float = 30.0
    max_attempts: int = 5
    retry_seconds: float = 60.0
