"""The CLI imports only what a command needs: `--help` loads no heavy module, and the group's
command list (written without importing the commands) matches the commands themselves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from dashboard.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("fastapi", "uvicorn", "polars", "httpx", "streamlit", "pyarrow", "pandas")


def _imported_modules(*args: str) -> set[str]:
    """Every module `python -X importtime -m dashboard.cli ARGS` imported (its stderr log)."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dashboard.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "Usage: enrollment-outcomes" in completed.stdout
    return {
        line.rsplit("|", 1)[1].strip()
        for line in completed.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["app", "--help"], ["sandbox", "--help"]])
def test_help_loads_no_heavy_module(args: list[str]) -> None:
    modules = _imported_modules(*args)
    assert "click" in modules  # the log is read as meant
    assert sorted(name for name in modules if name.split(".")[0] in HEAVY) == []
    assert "dokstamp_sandbox.runner" not in modules  # the sandbox's server: only when serving


def test_group_help_imports_no_command() -> None:
    ours = {name for name in _imported_modules("--help") if name.split(".")[0] == "dashboard"}
    assert ours == {"dashboard", "dashboard.cli"}  # (runpy runs __main__ without an import)


def test_the_command_list_is_the_commands() -> None:
    context = click.Context(main)
    assert main.list_commands(context) == sorted(COMMANDS)
    for name, lazy in COMMANDS.items():
        command = main.get_command(context, name)
        assert command is not None
        assert command.name == name
        assert command.get_short_help_str(limit=1000) == lazy.short_help
    assert main.get_command(context, "nope") is None


def test_group_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    commands = result.output.split("Commands:", 1)[1].split()
    assert [name for name in COMMANDS if name in commands] == sorted(COMMANDS)
    assert "Start the dashboard (Streamlit) on http://127.0.0.1:8501." in result.output


def test_an_unknown_command_is_refused() -> None:
    result = CliRunner().invoke(main, ["nope"])
    assert result.exit_code == 2
    assert "No such command 'nope'" in result.output
