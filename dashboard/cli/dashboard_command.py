"""`enrollment-outcomes app`: runs the Streamlit dashboard on the loopback address."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

LOOPBACK = "127.0.0.1"  # the dashboard is never exposed beyond this machine by this command
ENTRY_FILE = Path(__file__).resolve().parent.parent / "app" / "main.py"


def streamlit_command(*, host: str, port: int, python: str = sys.executable) -> list[str]:
    """The command line of the dashboard's server: ``streamlit run`` of the entry file, through
    ``dashboard.app.server`` so that every module and the latest snapshot are loaded before the
    first viewer opens the page."""
    return [
        python,
        "-m",
        "dashboard.app.server",
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


@click.command(name="app")
@click.option("--port", default=8501, show_default=True, type=int, help="Port to listen on.")
def app(port: int) -> None:
    """Start the dashboard (Streamlit) on http://127.0.0.1:8501.

    Without DOKSTAMP_API_URL (environment or .streamlit/secrets.toml) the app starts the local
    demo sandbox itself. See `.streamlit/secrets.toml.example` for the settings.
    """
    command = streamlit_command(host=LOOPBACK, port=port)
    click.echo(f"Dashboard on http://{LOOPBACK}:{port} (Ctrl+C to stop)")
    try:
        completed = subprocess.run(command, check=False, env=os.environ.copy())
    except KeyboardInterrupt:
        return
    if completed.returncode not in (0, -2, 130):
        raise click.exceptions.Exit(completed.returncode)
