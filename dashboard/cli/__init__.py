"""The `enrollment-outcomes` command: one group, one module per subcommand."""

from __future__ import annotations

import click

from dashboard.cli.app import app
from dashboard.cli.export import export
from dashboard.cli.sandbox import sandbox
from dashboard.cli.sync import sync


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Enrollment Outcomes: dashboard, sync, reports and a DokStamp-compatible sandbox."""


main.add_command(sandbox)
main.add_command(sync)
main.add_command(export)
main.add_command(app)
