"""`enrollment-outcomes sync` (being built; see the issues)."""

from __future__ import annotations

import click


@click.command(name="sync")
def sync() -> None:
    """Not available yet in this build."""
    raise click.ClickException("'sync' is not available yet in this build")
