"""`enrollment-outcomes export` (being built; see the issues)."""

from __future__ import annotations

import click


@click.command(name="export")
def export() -> None:
    """Not available yet in this build."""
    raise click.ClickException("'export' is not available yet in this build")
