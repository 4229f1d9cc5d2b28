"""`enrollment-outcomes app`: the streamlit command line it runs."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from dashboard.app import startup
from dashboard.cli import main
from dashboard.cli.dashboard_command import (
    ENTRY_FILE,
    auth_configured,
    is_loopback,
    streamlit_command,
)


def test_entry_file_exists() -> None:
    assert ENTRY_FILE.is_file()
    assert ENTRY_FILE.parent.name == "app"
    assert ENTRY_FILE == startup.ENTRY


def test_command_runs_streamlit_on_loopback_without_usage_stats() -> None:
    command = streamlit_command(host="127.0.0.1", port=8501, python="python")
    assert command[:3] == ["python", "-m", "dashboard.app.server"]  # streamlit run, warmed up
    flags = dict(zip(command[3::2], command[4::2], strict=True))
    assert flags == {
        "--server.address": "127.0.0.1",
        "--server.port": "8501",
        "--server.headless": "true",
        "--browser.gatherUsageStats": "false",
    }


def test_cli_invokes_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        calls.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    result = CliRunner().invoke(main, ["app", "--port", "8600"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8600" in result.output
    assert len(calls) == 1
    assert calls[0][calls[0].index("--server.port") + 1] == "8600"
    assert calls[0][calls[0].index("--server.address") + 1] == "127.0.0.1"


def test_cli_passes_on_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        return subprocess.CompletedProcess(command, 3)

    monkeypatch.setattr(subprocess, "run", fake_run)
    result = CliRunner().invoke(main, ["app"])
    assert result.exit_code == 3


ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - the address under test, never bound here


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.1.1", "localhost", "::1"])
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", [ALL_INTERFACES, "10.1.2.3", "::", "app.example.edu"])
def test_other_addresses_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


def _record_runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        calls.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    return calls


def test_non_loopback_without_auth_is_refused_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    calls = _record_runs(monkeypatch)
    result = CliRunner().invoke(main, ["app", "--address", ALL_INTERFACES])
    assert result.exit_code == 2
    assert "sign-in is not configured" in result.output
    assert "--allow-anonymous" in result.output
    assert calls == []


def test_non_loopback_with_allow_anonymous_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    calls = _record_runs(monkeypatch)
    result = CliRunner().invoke(main, ["app", "--address", ALL_INTERFACES, "--allow-anonymous"])
    assert result.exit_code == 0, result.output
    assert calls[0][calls[0].index("--server.address") + 1] == ALL_INTERFACES


def test_non_loopback_with_auth_starts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        '[auth]\nredirect_uri = "https://dash.example.edu/oauth2callback"\n'
    )
    calls = _record_runs(monkeypatch)
    result = CliRunner().invoke(main, ["app", "--address", "10.0.0.5"])
    assert result.exit_code == 0, result.output
    assert len(calls) == 1


def test_an_unreadable_secrets_file_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "secrets.toml"
    broken.write_text("[auth\n")
    with pytest.raises(click.ClickException, match=r"secrets\.toml"):
        auth_configured([broken])
