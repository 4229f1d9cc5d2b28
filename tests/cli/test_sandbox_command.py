"""`enrollment-outcomes sandbox` as a real process: serves the demo, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from dashboard.cli.sandbox import sandbox as sandbox_command
from dokstamp_sandbox import demo

SCRIPT = Path(sys.executable).parent / "enrollment-outcomes"


def _read_until(process: subprocess.Popen[str], marker: str) -> list[str]:
    lines: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if marker in line:
            return lines
    pytest.fail(f"the sandbox exited before printing {marker!r}: {''.join(lines)}")


def test_demo_sandbox_serves_the_documented_query_and_stops_on_sigterm(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            str(SCRIPT),
            "sandbox",
            "--demo",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--db",
            str(tmp_path / "cli.db"),
            "--enrollments",
            "300",
            "--static-token",
            "cli-token:acme",
            "--max-per-page",
            "50",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        output = "".join(_read_until(process, "Press Ctrl+C"))
        url = re.search(r"on (http://127\.0\.0\.1:\d+)", output).group(1)  # type: ignore[union-attr]
        assert demo.DEMO_CLIENT_SECRET in output
        assert demo.DEMO_PASSWORD in output
        token = httpx.post(
            f"{url}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": demo.DEMO_CLIENT_ID,
                "client_secret": demo.DEMO_CLIENT_SECRET,
            },
        ).json()["access_token"]
        response = httpx.get(
            f"{url}/enrollments?where[completion_status]=completed&per_page=100",
            headers={"Authorization": f"Bearer {token}", "X-Tenant": demo.DEMO_TENANT},
        )
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"data", "links", "meta"}
        assert {"current_page", "last_page", "per_page", "total", "from", "to", "path"} <= set(
            body["meta"]
        )
        assert body["meta"]["per_page"] == 50
        assert {row["completion_status"] for row in body["data"]} == {"completed"}
        static = httpx.get(
            f"{url}/institutions", headers={"Authorization": "Bearer cli-token", "X-Tenant": "acme"}
        )
        assert static.json()["meta"]["total"] == 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert "Sandbox stopped." in (process.stdout.read() if process.stdout else "")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_bad_static_token_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        sandbox_command, ["--db", str(tmp_path / "x.db"), "--static-token", "no-colon"]
    )
    assert result.exit_code == 2
    assert "TOKEN:TENANT" in result.output


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    db_path = tmp_path / "other.db"
    connection = sqlite3.connect(db_path)
    connection.execute("CREATE TABLE precious (x)")
    connection.close()
    result = CliRunner().invoke(sandbox_command, ["--db", str(db_path), "--port", "0"])
    assert result.exit_code == 1
    assert "not a sandbox database" in result.output


def test_busy_port_is_a_clear_error(tmp_path: Path, sandbox) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    result = CliRunner().invoke(sandbox_command, ["--db", str(tmp_path / "s.db"), "--port", port])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert not (tmp_path / "s.db").exists()
