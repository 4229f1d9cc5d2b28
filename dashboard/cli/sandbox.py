"""`enrollment-outcomes sandbox`: serve a DokStamp-compatible API over SQLite until stopped."""

from __future__ import annotations

import signal
from pathlib import Path

import click

from dokstamp_sandbox.options import SandboxOptions
from dokstamp_sandbox.provision import NotASandboxDatabase, provision, read_meta
from dokstamp_sandbox.seed import seeded_tenants


def _static_token(value: str) -> tuple[str, str]:
    token, separator, tenant = value.rpartition(":")
    if not separator or not token or not tenant:
        raise click.BadParameter(f"expected TOKEN:TENANT, got {value!r}")
    return token, tenant


def _print_credentials(url: str, meta: dict[str, str]) -> None:
    click.echo(
        f"Sandbox database: seed={meta.get('seed')} enrollments={meta.get('enrollments')} "
        f"as-of={meta.get('as_of')}"
    )
    if meta.get("seed") in ("demo", "empty"):
        for tenant in seeded_tenants():
            click.echo(
                f"  tenant {tenant.domain}: X-Tenant: {tenant.domain} | "
                f"client {tenant.client_id} / {tenant.client_secret} (POST {url}/oauth/token) | "
                f"login {tenant.user_email} / {tenant.password} (POST {url}/auth/login)"
            )


@click.command(name="sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=int, help="Port (0 = any free).")
@click.option(
    "--db",
    "db_path",
    default="sandbox.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file; created and seeded only if it does not exist yet.",
)
@click.option(
    "--demo/--empty",
    default=True,
    show_default=True,
    help="Seed a new db with the demo tenants' data, or with the tenants only.",
)
@click.option(
    "--enrollments",
    default=50_000,
    show_default=True,
    type=click.IntRange(min=0),
    help="Demo size (enrollments of demo-university).",
)
@click.option(
    "--static-token",
    "static_tokens",
    multiple=True,
    metavar="TOKEN:TENANT",
    help="Accept this Bearer token for that tenant (created if needed). Repeatable.",
)
@click.option("--max-per-page", default=100, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--latency-ms",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Added per request.",
)
@click.option(
    "--rate-limit",
    default=None,
    type=click.IntRange(min=1),
    metavar="PER_MINUTE",
    help="Throttle each token to this many requests per minute (off by default).",
)
@click.option(
    "--rate-window",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0.0, max=3600.0, min_open=True),
    metavar="SECONDS",
    help="The rate limit's fixed window: --rate-limit requests per this many seconds.",
)
@click.option(
    "--fail-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0),
    help="Share of resource requests answered with an injected 500.",
)
@click.option("--grade-as-string", is_flag=True, help='Send grades as strings ("8.75").')
@click.option("--success-flag", is_flag=True, help='Add Gen B\'s "success": false to errors.')
@click.option(
    "--protected-delete-status",
    default=409,
    show_default=True,
    type=click.IntRange(400, 499),
    help="Status of a refused delete of a course/cohort/student that has enrollments.",
)
def sandbox(
    *,
    host: str,
    port: int,
    db_path: Path,
    demo: bool,
    enrollments: int,
    static_tokens: tuple[str, ...],
    max_per_page: int,
    latency_ms: int,
    rate_limit: int | None,
    rate_window: float,
    fail_rate: float,
    grade_as_string: bool,
    success_flag: bool,
    protected_delete_status: int,
) -> None:
    """Serve a DokStamp-compatible API over SQLite (seeded demo data) until stopped."""
    # The server (FastAPI, uvicorn) loads here, not at import: `sandbox --help` stays quick.
    from dokstamp_sandbox.runner import bind_socket, sandbox_server, server_url

    tokens = dict(_static_token(value) for value in static_tokens)
    options = SandboxOptions(
        max_per_page=max_per_page,
        latency_ms=latency_ms,
        rate_limit_per_minute=rate_limit,
        rate_limit_window_seconds=rate_window,
        fail_rate=fail_rate,
        grade_as_string=grade_as_string,
        success_flag=success_flag,
        protected_delete_status=protected_delete_status,
    )
    # Listen first: a busy port fails at once, not after seeding a large database.
    try:
        sock = bind_socket(host, port)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror}") from error
    try:
        created = provision(db_path, seed_kind="demo" if demo else "empty", enrollments=enrollments)
    except NotASandboxDatabase as error:
        sock.close()
        raise click.ClickException(str(error)) from error
    url = server_url(sock)
    meta = read_meta(db_path)
    state = f"created in {meta.get('seed_seconds')} s" if created else "existing"
    click.echo(f"DokStamp sandbox on {url} (db {db_path}, {state})")
    _print_credentials(url, meta)
    for token, tenant in tokens.items():
        click.echo(f"  static token for {tenant}: Authorization: Bearer {token}")
    server = sandbox_server(db_path, options=options, static_tokens=tokens)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT and then re-raises the signal to the
    # previous handler; a no-op handler makes that a clean exit (status 0) instead of a kill.
    signal.signal(signal.SIGTERM, lambda *_: None)
    signal.signal(signal.SIGINT, lambda *_: None)
    click.echo("Press Ctrl+C (or send SIGTERM) to stop.", err=False)
    server.run(sockets=[sock])
    click.echo("Sandbox stopped.")
