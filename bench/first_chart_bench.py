"""First chart after a restart: does a viewer ever wait for the API?

A sandbox (its own process, ``--latency-ms`` per request, pages of up to 1,000) holds
``--enrollments`` demo enrollments. The dashboard (``streamlit run``, its own process) is started
three times on one cache folder, and each time real Chromium opens the Overview page; the clock
runs from the app's process start to the first chart drawn (``svg.marks``):

- cold: no snapshot yet, so the first view waits for a full sync (the baseline: what every
  viewer waited for after the TTL before snapshots);
- restart, fresh snapshot;
- restart, expired snapshot (TTL 0): the snapshot is shown at once and a refresh runs behind it.

Each restart is compared, in the same run, with a bare ``streamlit run`` of the entry file on
the same fresh snapshot (what the server's start-up work saves the first viewer), and with the
floor: a bare ``streamlit run`` of a page holding one small chart and nothing else
(``bench/one_chart_page.py``), its next viewer's wait (the server warm: its first run imports
the charting libraries): what the browser alone needs on this machine to load Streamlit's
frontend and draw a chart.

Usage: ``python bench/first_chart_bench.py [--enrollments 100000] [--latency-ms 20]
[--repeats 3]``; writes
``bench/results_first_chart.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, WebSocket, sync_playwright  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from bench.chromium import launch_chromium  # noqa: E402
from bench.loopback import free_port, wait_for_port  # noqa: E402
from bench.machine_info import machine  # noqa: E402
from dashboard.app.startup import ENTRY  # noqa: E402
from dashboard.cli.dashboard_command import streamlit_command  # noqa: E402
from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT  # noqa: E402

RESULTS = ROOT / "bench" / "results_first_chart.md"
ONE_CHART_PAGE = ROOT / "bench" / "one_chart_page.py"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Timing:
    """One restart: process start to port open, the first viewer's wait, the next viewer's.

    The first viewer's wait in three parts: ``shell``, opening the page to its websocket
    connecting (the browser loading Streamlit's frontend); ``run``, from there to the server's
    message that the page's run finished (the server); and the rest, the browser drawing.
    """

    listening: float
    first_view: float
    total: float
    next_view: float
    shell: float
    run: float


@dataclass(frozen=True)
class _View:
    seconds: float
    shell: float
    run: float


def _view(browser: Browser, port: int) -> _View:
    started = time.perf_counter()
    marks: dict[str, float] = {}

    def finished(payload: str | bytes) -> None:
        if (
            "run" not in marks
            and isinstance(payload, bytes)
            and ForwardMsg.FromString(payload).WhichOneof("type") == "script_finished"
        ):
            marks["run"] = time.perf_counter() - started

    def connected(socket: WebSocket) -> None:
        marks.setdefault("shell", time.perf_counter() - started)
        socket.on("framereceived", finished)

    page = browser.new_page()
    page.on("websocket", connected)
    page.goto(f"http://127.0.0.1:{port}/", timeout=600_000)
    page.wait_for_selector('[data-testid="stVegaLiteChart"] svg.marks', timeout=600_000)
    seconds = time.perf_counter() - started
    page.close()
    shell = marks.get("shell", seconds)
    return _View(seconds, shell, marks.get("run", seconds) - shell)


def _plain_command(port: int, entry: Path = ENTRY) -> list[str]:
    """``streamlit run`` of ``entry`` with nothing done before the first viewer."""
    return [
        str(BIN / "python"), "-m", "streamlit", "run", str(entry),
        "--server.address", "127.0.0.1", "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def first_chart(env: dict[str, str], log: Path, *, plain: Path | None = None) -> Timing:
    """Start the server as ``enrollment-outcomes app`` does (``plain``: a bare ``streamlit
    run`` of that entry file); a viewer opens it when it listens."""
    port = free_port()
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        started = time.perf_counter()
        with log.open("ab") as out:
            process = subprocess.Popen(
                _plain_command(port, plain)
                if plain
                else streamlit_command(host="127.0.0.1", port=port, python=str(BIN / "python")),
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_port(port, 120)
            listening = time.perf_counter() - started
            first_view = _view(browser, port)
            total = time.perf_counter() - started
            next_view = _view(browser, port)
        finally:
            process.terminate()
            process.wait(30)
            browser.close()
    return Timing(
        listening=listening,
        first_view=first_view.seconds,
        total=total,
        next_view=next_view.seconds,
        shell=first_view.shell,
        run=first_view.run,
    )


def _median(timings: list[Timing]) -> Timing:
    return Timing(
        *(statistics.median(getattr(t, field.name) for t in timings) for field in fields(Timing))
    )


def run(enrollments: int, latency_ms: int, repeats: int = 1) -> str:
    machine_at_start = machine()  # its load average is the one at the start
    with tempfile.TemporaryDirectory(prefix="first-chart-") as scratch:
        work = Path(scratch)
        sandbox_port = free_port()
        sandbox = subprocess.Popen(
            [
                str(BIN / "enrollment-outcomes"), "sandbox", "--db", str(work / "sandbox.db"),
                "--enrollments", str(enrollments), "--port", str(sandbox_port),
                "--max-per-page", "1000", "--latency-ms", str(latency_ms),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for_port(sandbox_port, 600)
            env = {
                **{
                    k: v for k, v in os.environ.items() if not k.startswith(("DOKSTAMP_", "ENROLL"))
                },
                "DOKSTAMP_API_URL": f"http://127.0.0.1:{sandbox_port}",
                "DOKSTAMP_TENANT": DEMO_TENANT,
                "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
                "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
                "ENROLLMENT_OUTCOMES_CACHE_DIR": str(work / "cache"),
            }
            log = work / "app.log"
            cold = first_chart(env, log)
            # Interleaved, so that the load of the shared machine falls on every case alike.
            runs: dict[str, list[Timing]] = {"floor": [], "plain": [], "fresh": [], "expired": []}
            for _ in range(repeats):
                runs["floor"].append(first_chart(env, log, plain=ONE_CHART_PAGE))
                runs["plain"].append(first_chart(env, log, plain=ENTRY))
                runs["fresh"].append(first_chart(env, log))
                expired_env = {**env, "ENROLLMENT_OUTCOMES_CACHE_TTL": "0"}
                runs["expired"].append(first_chart(expired_env, log))
            floor, plain, fresh, expired = (
                _median(runs[name]) for name in ("floor", "plain", "fresh", "expired")
            )
            load_at_end = os.getloadavg()
        finally:
            sandbox.terminate()
            sandbox.wait(30)
    rows = [
        ("floor: a page of one small chart, bare `streamlit run` (no data)", floor),
        ("cold: no snapshot, the first view waits for a full sync (baseline)", cold),
        ("restart, fresh snapshot, bare `streamlit run` (nothing done before the viewer)", plain),
        ("restart, fresh snapshot", fresh),
        ("restart, expired snapshot (a refresh runs behind it)", expired),
    ]
    lines = [
        "# First chart after a restart",
        "",
        f"{enrollments:,} enrollments, sandbox with {latency_ms} ms per request and pages of up to "
        "1,000. The dashboard is started as `enrollment-outcomes app` starts it (its own "
        "process, `python -m dashboard.app.server`); a viewer (real Chromium, launched before "
        "the server starts, Overview page) opens it as soon as it listens, and another viewer "
        "opens it after. Seconds: process start to listening; the first viewer's wait from "
        "opening the page to the first chart drawn, in three parts (the browser loading "
        "Streamlit's frontend until its websocket connects; the server running the page until "
        "it says the run finished; the browser drawing); process start to that chart; the next "
        "viewer's wait. The cold start runs once, first; then the floor and the three restarts "
        f"are interleaved, {repeats} time(s) each, and the table gives their medians. The floor "
        "is a bare `streamlit run` of a page of one small chart (`bench/one_chart_page.py`); "
        "the last column divides by its next viewer's wait (its server warm), what loading "
        "Streamlit and drawing one chart costs the browser on this machine. The bare "
        "`streamlit run` row is the same entry file without the server's start-up work "
        "(imports before listening with the snapshot read beside them, the default page run "
        "once right after, the collector's freeze, the expired refresh held for the first "
        "viewers, no file watcher).",
        "",
        "| case | listening | first viewer waits | of which: frontend loads | server runs "
        "the page | browser draws | start to chart | next viewer waits | first viewer vs cold | "
        "first viewer vs floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {name} | {t.listening:.2f} | {t.first_view:.2f} | {t.shell:.2f} | {t.run:.2f} | "
            f"{t.first_view - t.shell - t.run:.2f} | {t.total:.2f} | {t.next_view:.2f} | "
            f"{t.first_view / cold.first_view:.2f}x | {t.first_view / floor.next_view:.2f}x |"
            for name, t in rows
        ),
        "",
        "Goal (issue 10): first chart under 3 s after a restart at 100,000 enrollments, also "
        "when expired.",
        "",
        f"Machine: {machine_at_start}; load average at the end {load_at_end[0]:.1f}, "
        f"{load_at_end[1]:.1f}, {load_at_end[2]:.1f}. Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollments", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3, help="restarts of each kind (median)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    report = run(args.enrollments, args.latency_ms, args.repeats)
    args.out.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
