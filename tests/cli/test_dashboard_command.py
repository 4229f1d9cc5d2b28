"""`enrollment-outcomes app`: the streamlit command line it runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from dashboard.app import startup
from dashboard.cli import dashboard_command, main
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

    def fake_run(command: list[str]) -> int:
        calls.append(command)
        return 0

    monkeypatch.setattr(dashboard_command, "run_forwarding_signals", fake_run)
    result = CliRunner().invoke(main, ["app", "--port", "8600"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8600" in result.output
    assert len(calls) == 1
    assert calls[0][calls[0].index("--server.port") + 1] == "8600"
    assert calls[0][calls[0].index("--server.address") + 1] == "127.0.0.1"


def test_cli_passes_on_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard_command, "run_forwarding_signals", lambda command: 3)
    result = CliRunner().invoke(main, ["app"])
    assert result.exit_code == 3


@pytest.mark.parametrize("port", ["0", "65536", "99999"])
def test_a_port_out_of_range_is_a_usage_error(port: str) -> None:
    result = CliRunner().invoke(main, ["app", "--port", port])
    assert result.exit_code == 2
    assert "--port" in result.output


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_to_the_app_command_stops_the_server_it_started(tmp_path: Path) -> None:
    # The wrapper as a service manager sees it: SIGTERM goes to it, not to the server.
    pid_file = tmp_path / "server.pid"
    server = (
        "import os, pathlib, time; "
        f"pathlib.Path({str(pid_file)!r}).write_text(str(os.getpid())); time.sleep(600)"
    )
    wrapper = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from dashboard.cli.dashboard_command import run_forwarding_signals; "
            f"sys.exit(run_forwarding_signals([sys.executable, '-c', {server!r}]) and 0)",
        ]
    )
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the server never started"
            time.sleep(0.05)
        server_pid = int(pid_file.read_text())
        wrapper.send_signal(signal.SIGTERM)
        wrapper.wait(60)
        deadline = time.monotonic() + 60
        while _alive(server_pid):  # the server is gone, not orphaned
            assert time.monotonic() < deadline, "the server outlived the app command"
            time.sleep(0.1)
    finally:
        wrapper.kill()


ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - the address under test, never bound here


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.1.1", "localhost", "::1"])
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", [ALL_INTERFACES, "10.1.2.3", "::", "app.example.edu"])
def test_other_addresses_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


def _record_runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def fake_run(command: list[str]) -> int:
        calls.append(command)
        return 0

    monkeypatch.setattr(dashboard_command, "run_forwarding_signals", fake_run)
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
