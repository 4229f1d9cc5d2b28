"""`enrollment-outcomes app` (being built; see the issues)."""

from __future__ import annotations

import click


@click.command(name="app")
def app() -> None:
    """Not available yet in this build."""
    raise click.ClickException("'app' is not available yet in this build")
