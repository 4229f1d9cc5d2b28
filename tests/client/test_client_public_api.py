"""The package's public surface: ``__all__`` as documented, private modules, no sandbox import."""

from __future__ import annotations

import ast
from pathlib import Path

import dashboard.client

CLIENT_DIR = Path(dashboard.client.__file__).parent

EXPECTED = {
    "DokStampClient",
    "DokStampError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ValidationError",
    "RateLimitedError",
    "ServerError",
    "NetworkError",
    "IncompleteSyncError",
    "ConfigurationError",
    "Credentials",
    "StaticToken",
    "ClientCredentials",
    "ClientInterrupted",
    "ClientSettings",
    "PasswordLogin",
    "Secret",
    "SyncStats",
    "ListingProgress",
    "ListingShape",
    "HeldPages",
    "PageSink",
    "parse_grade",
    "parse_timestamp",
}


def test_all_lists_exactly_the_public_names() -> None:
    assert set(dashboard.client.__all__) == EXPECTED
    assert len(dashboard.client.__all__) == len(EXPECTED)
    for name in dashboard.client.__all__:
        assert getattr(dashboard.client, name) is not None


def test_public_names_report_the_public_module() -> None:
    assert dashboard.client.DokStampClient.__module__ == "dashboard.client"
    assert dashboard.client.NotFoundError.__module__ == "dashboard.client"


def test_implementation_modules_are_private() -> None:
    modules = {p.name for p in CLIENT_DIR.glob("*.py")} - {"__init__.py"}
    assert modules
    assert all(name.startswith("_") for name in modules)


def test_the_client_never_imports_the_sandbox_or_upper_layers() -> None:
    forbidden = ("dokstamp_sandbox", "dashboard.data", "dashboard.app", "dashboard.cli")
    for path in CLIENT_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                package = ".".join(name.split(".")[:2])
                assert package not in forbidden, f"{path.name} imports {name}"


def test_secret_never_shows_its_value() -> None:
    secret = dashboard.client.Secret("hunter2")
    token = dashboard.client.StaticToken(token=secret)
    for text in (repr(secret), str(secret), f"{secret}", f"{secret:>20}", repr(token), str(token)):
        assert "hunter2" not in text
    assert secret.reveal() == "hunter2"
    assert secret == dashboard.client.Secret("hunter2")
