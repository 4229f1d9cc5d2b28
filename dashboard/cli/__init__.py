"""The `enrollment-outcomes` command: one group, one module per subcommand, each module imported
only when its command runs (or shows its own help).

`enrollment-outcomes --help` therefore loads click and this file only: no FastAPI, uvicorn,
polars, httpx or Streamlit (tests/cli/test_cli.py checks it). A subcommand module imports at
its top what the command needs anyway and, inside the command, what only part of it needs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Final

import click

__all__ = ["COMMANDS", "LazyCommand", "main"]


@dataclass(frozen=True)
class LazyCommand:
    """Where a subcommand lives, and its one-line help for the group's --help (a test checks it
    matches the command's own docstring)."""

    module: str
    attribute: str
    short_help: str


COMMANDS: Final = {
    "app": LazyCommand(
        "dashboard.cli.dashboard_command",
        "app",
        "Start the dashboard (Streamlit) on http://127.0.0.1:8501.",
    ),
    "export": LazyCommand(
        "dashboard.cli.export",
        "export",
        "Write REPORT as CSV (UTF-8, ISO dates, formula-safe) to FILE, or to stdout with -o -.",
    ),
    "sandbox": LazyCommand(
        "dashboard.cli.sandbox",
        "sandbox",
        "Serve a DokStamp-compatible API over SQLite (seeded demo data) until stopped.",
    ),
    "sync": LazyCommand(
        "dashboard.cli.sync",
        "sync",
        "Read DokStamp into a new snapshot, once or on a schedule (--every).",
    ),
}


class _LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        lazy = COMMANDS.get(cmd_name)
        if lazy is None:
            return None
        command = getattr(importlib.import_module(lazy.module), lazy.attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{lazy.module}.{lazy.attribute} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # As click's own, but from COMMANDS: listing the commands imports none of them. A bare
        # Command per row shortens the help text exactly as click shortens a command's.
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [
            (name, click.Command(name, help=COMMANDS[name].short_help).get_short_help_str(limit))
            for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Enrollment Outcomes: dashboard, sync, reports and a DokStamp-compatible sandbox."""
