"""`enrollment-outcomes app`: the streamlit command line it runs."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from click.testing import CliRunner

from dashboard.app import server
from dashboard.cli import main
from dashboard.cli.dashboard_command import ENTRY_FILE, streamlit_command


def test_entry_file_exists() -> None:
    assert ENTRY_FILE.is_file()
    assert ENTRY_FILE.parent.name == "app"
    assert ENTRY_FILE == server.ENTRY


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
