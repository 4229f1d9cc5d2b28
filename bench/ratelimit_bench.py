"""Rate-limited sync: a whole sync under the sandbox's Laravel throttle, against the floor.

The sandbox (its own process, demo seed) throttles each token to ``--limit`` requests per
``--window`` seconds (a fixed window, as Laravel's). One ``DokStampClient``, as the app keeps one
per source, lists the enrollments, courses, cohorts and certificates. The floor is what the
throttle allows at best: ``requests`` sent need ``ceil(requests / limit)`` windows, all but the
last waited out in full: ``(ceil(requests / limit) - 1) * window`` seconds. Reported: wall time,
requests, 429s, seconds waited for the limit, and wall / floor (the goal: at most 1.25).

Usage: ``python bench/ratelimit_bench.py [--enrollments 10000] [--limit 60] [--window 60]``;
results go to ``bench/results_ratelimit.md`` (rows are added).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import sys
import tempfile
import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine_info import machine  # noqa: E402

RESULTS = ROOT / "bench" / "results_ratelimit.md"
RESOURCES = ("enrollments", "courses", "cohorts", "certificates")


def _serve(db_path: str, enrollments: int, limit: int, window: float, pipe: Connection) -> None:
    sys.path.insert(0, str(ROOT))
    from dokstamp_sandbox.runner import SandboxOptions, start_sandbox

    options = SandboxOptions(rate_limit_per_minute=limit, rate_limit_window_seconds=window)
    running = start_sandbox(Path(db_path), seed="demo", enrollments=enrollments, options=options)
    pipe.send(running.url)
    pipe.recv()
    running.stop()


def sync(url: str, page_size: int) -> dict[str, float]:
    import dataclasses

    from dashboard.client import DokStampClient
    from dashboard.settings import Settings
    from dokstamp_sandbox import demo

    settings = Settings.from_mapping(
        {
            "DOKSTAMP_API_URL": url,
            "DOKSTAMP_TENANT": demo.DEMO_TENANT,
            "DOKSTAMP_CLIENT_ID": demo.DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": demo.DEMO_CLIENT_SECRET,
        }
    )
    settings = dataclasses.replace(settings, page_size=page_size)
    totals = {"requests": 0.0, "throttled": 0.0, "paced": 0.0, "rows": 0.0, "waits": 0.0}
    started = time.perf_counter()
    with DokStampClient(settings) as client:
        for resource in RESOURCES:

            def heard(seconds: float, resource: str = resource) -> None:
                totals["waits"] += 1
                print(f"  {resource}: waiting for the rate limit, {seconds:.0f} s", flush=True)

            rows = client.list_all(resource, on_wait=heard)
            stats = client.last_sync_stats
            assert stats is not None
            totals["requests"] += stats.requests
            totals["throttled"] += stats.throttled
            totals["paced"] += stats.paced_seconds
            totals["rows"] += len(rows)
            print(f"  {resource}: {len(rows)} rows, {stats.requests} requests", flush=True)
    totals["seconds"] = time.perf_counter() - started
    return totals


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--enrollments", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    context = mp.get_context("spawn")
    pipe, child = context.Pipe()
    db = Path(tempfile.mkdtemp(prefix="ratelimit-bench-")) / "sandbox.db"
    process = context.Process(
        target=_serve, args=(str(db), args.enrollments, args.limit, args.window, child)
    )
    process.start()
    url = pipe.recv()
    try:
        totals = sync(url, args.page_size)
    finally:
        pipe.send("stop")
        process.join(timeout=60)
    # The token request goes to another window (Laravel throttles it by client address).
    sent = int(totals["requests"] - totals["throttled"]) - 1
    floor = (math.ceil(sent / args.limit) - 1) * args.window
    ratio = totals["seconds"] / floor if floor > 0 else float("nan")
    line = (
        f"| {datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} | {args.enrollments:,} | "
        f"{args.limit} / {args.window:g} s | {sent} | {int(totals['throttled'])} | "
        f"{totals['paced']:.1f} | {int(totals['waits'])} | {floor:.0f} | "
        f"{totals['seconds']:.1f} | {ratio:.2f} |"
    )
    print(line)
    header = [
        "# Rate-limited sync (`bench/ratelimit_bench.py`)",
        "",
        f"Machine: {machine()}. Sandbox in its own process (demo seed, Laravel-style fixed "
        "window per token); one client lists enrollments, courses, cohorts and certificates "
        "(page size 1000 asked, the sandbox caps at 100). Floor = (ceil(requests / limit) - 1) "
        "x window. *paced s*: seconds requests spent waiting for the limit, summed over threads; "
        "*told*: `on_wait` calls (waits over 1 s).",
        "",
        "Before this pacer (measured by hand on the same sandbox, 10,000 enrollments, 60 per "
        "60 s): 840 s, against a floor of about 120 s.",
        "",
        "| run (UTC) | enrollments | limit | requests | 429s | paced s | told | floor s "
        "| wall s | wall / floor |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    previous: list[str] = []
    if args.output.exists():
        previous = [
            row for row in args.output.read_text("utf-8").splitlines() if row.startswith("| 20")
        ]
    args.output.write_text("\n".join([*header, *previous, line, ""]), "utf-8")


if __name__ == "__main__":
    main()
