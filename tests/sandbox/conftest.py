"""Helpers for the sandbox tests: authenticated clients for the shared and private sandboxes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from dashboard.sandbox import demo
from dashboard.sandbox.runner import RunningSandbox


def client_token(url: str, *, client_id: str, secret: str) -> str:
    """A Bearer token from POST /oauth/token (client credentials)."""
    response = httpx.post(
        f"{url}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def api_client(url: str, *, token: str, tenant: str) -> httpx.Client:
    """An httpx client sending the Bearer token, X-Tenant and Accept headers."""
    return httpx.Client(
        base_url=url,
        headers={
            "Authorization": f"Bearer {token}",
            "X-Tenant": tenant,
            "Accept": "application/json",
        },
        timeout=30.0,
    )


@pytest.fixture(scope="session")
def demo_token(sandbox: RunningSandbox) -> str:
    return client_token(sandbox.url, client_id=demo.DEMO_CLIENT_ID, secret=demo.DEMO_CLIENT_SECRET)


@pytest.fixture(scope="session")
def tiny_token(sandbox: RunningSandbox) -> str:
    return client_token(sandbox.url, client_id=demo.TINY_CLIENT_ID, secret=demo.TINY_CLIENT_SECRET)


@pytest.fixture
def api(sandbox: RunningSandbox, demo_token: str) -> Iterator[httpx.Client]:
    """A client for the shared demo sandbox, as demo-university (read only!)."""
    with api_client(sandbox.url, token=demo_token, tenant=demo.DEMO_TENANT) as client:
        yield client


@pytest.fixture
def tiny_api(sandbox: RunningSandbox, tiny_token: str) -> Iterator[httpx.Client]:
    """A client for the shared demo sandbox, as tiny-college (read only!)."""
    with api_client(sandbox.url, token=tiny_token, tenant=demo.TINY_TENANT) as client:
        yield client
