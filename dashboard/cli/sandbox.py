"""`enrollment-outcomes sandbox` (being built; see the issues)."""

from __future__ import annotations

import click


@click.command(name="sandbox")
def sandbox() -> None:
    """Not available yet in this build."""
    raise click.ClickException("'sandbox' is not available yet in this build")
