"""`enrollment-outcomes app`: runs the Streamlit dashboard (loopback unless told otherwise).

Beyond loopback the dashboard is reachable by others, so it must ask them to sign in: without an
``[auth]`` table in the Streamlit secrets the command refuses a non-loopback ``--address`` unless
``--allow-anonymous`` says that is meant (a closed network, a proxy that signs users in).
"""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path
from types import FrameType

import click

LOOPBACK = "127.0.0.1"
ENTRY_FILE = Path(__file__).resolve().parent.parent / "app" / "main.py"
# Where Streamlit reads secrets by default: the project's file, then the user's.
SECRETS_FILES = (Path(".streamlit") / "secrets.toml", Path("~/.streamlit/secrets.toml"))


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


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def auth_configured(files: Iterable[Path] = SECRETS_FILES) -> bool:
    """Whether any of the secrets files Streamlit reads has a non-empty ``[auth]`` table.

    An unreadable file is an error, never "no sign-in": the caller says which file.
    """
    for path in files:
        path = path.expanduser()
        if not path.is_file():
            continue
        try:
            secrets = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise click.ClickException(f"cannot read {path}: {error}") from error
        table = secrets.get("auth")
        if isinstance(table, dict) and table:
            return True
    return False


@click.command(name="app")
@click.option(
    "--port",
    default=8501,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option(
    "--address",
    default=LOOPBACK,
    show_default=True,
    help="Address to listen on. Anything but loopback needs sign-in ([auth] in "
    ".streamlit/secrets.toml) or --allow-anonymous.",
)
@click.option(
    "--allow-anonymous",
    is_flag=True,
    help="Serve beyond loopback without sign-in (everyone who reaches the port sees everything).",
)
def app(port: int, address: str, allow_anonymous: bool) -> None:
    """Start the dashboard (Streamlit) on http://127.0.0.1:8501.

    Without DOKSTAMP_API_URL (environment or .streamlit/secrets.toml) the app starts the local
    demo sandbox itself. See `.streamlit/secrets.toml.example` for the settings, and
    docs/deployment.md for serving it to others (sign-in, roles, replicas).
    """
    if not is_loopback(address) and not allow_anonymous and not auth_configured():
        raise click.UsageError(
            f"--address {address} would let anyone who reaches this port see every figure and, "
            "with editing on, change records, but sign-in is not configured: add an [auth] table "
            "to .streamlit/secrets.toml (see docs/deployment.md), or pass --allow-anonymous if "
            "the network itself decides who gets in."
        )
    command = streamlit_command(host=address, port=port)
    click.echo(f"Dashboard on http://{address}:{port} (Ctrl+C to stop)")
    try:
        returncode = run_forwarding_signals(command)
    except KeyboardInterrupt:
        return
    if returncode not in (0, -2, 130, -signal.SIGTERM):
        raise click.exceptions.Exit(returncode)


def run_forwarding_signals(command: list[str]) -> int:
    """Run ``command`` until it exits, passing SIGTERM and SIGHUP on to it.

    A service manager or ``docker stop`` stops this process, not the server it started: without
    this the server would be left running, orphaned (Ctrl+C reaches both: one process group).
    """
    process = subprocess.Popen(command, env=os.environ.copy())

    def forward(signum: int, _frame: FrameType | None) -> None:
        process.send_signal(signum)

    forwarded = (signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.signal(signum, forward) for signum in forwarded}
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.wait()  # the server got the same Ctrl+C: let it finish stopping
        raise
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
