"""Sync at scale: time and peak memory of a whole ``enrollment-outcomes sync`` process.

For each size, a sandbox (its own process, pages of up to 1,000, no added latency) is seeded
with that many demo enrollments, and ``/usr/bin/time -v enrollment-outcomes sync --refresh``
reads everything (enrollments, courses, cohorts, certificates, students) into a new snapshot.
Reported per size: wall seconds, the process's peak resident memory, the enrollment frame's own
size in memory (``DataFrame.estimated_size``, the floor a sync must hold), peak / frame, and the
snapshot folder's size on disk; then how time and memory grow from size to size.

Usage: ``python bench/sync_scaling_bench.py [--sizes 10000,100000,1000000]``; writes
``bench/results_sync_scaling.md``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loopback import free_port, wait_for_port  # noqa: E402
from bench.machine_info import machine  # noqa: E402
from dashboard.data.source import DataSource  # noqa: E402
from dashboard.settings import Settings  # noqa: E402
from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT  # noqa: E402

RESULTS = ROOT / "bench" / "results_sync_scaling.md"
BIN = Path(sys.executable).parent
MB = 1024 * 1024


@dataclass(frozen=True)
class Row:
    size: int
    seconds: float
    peak_mb: float
    frame_mb: float
    snapshot_mb: float


def _folder_mb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / MB


def measure(size: int, work: Path) -> Row:
    port = free_port()
    sandbox = subprocess.Popen(
        [
            str(BIN / "enrollment-outcomes"), "sandbox", "--db", str(work / f"sandbox-{size}.db"),
            "--enrollments", str(size), "--port", str(port), "--max-per-page", "1000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, 1800)
        cache = work / f"cache-{size}"
        config = {
            "DOKSTAMP_API_URL": f"http://127.0.0.1:{port}",
            "DOKSTAMP_TENANT": DEMO_TENANT,
            "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache),
            # A freshly seeded sandbox of 1M rows may hold its first answers for a while.
            "DOKSTAMP_TIMEOUT": "300",
            "DOKSTAMP_RETRY_SECONDS": "900",
        }
        ours = ("DOKSTAMP_", "ENROLLMENT_OUTCOMES_")
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(ours)}, **config}
        # One untimed sync first, so the sandbox's first-query costs (SQLite's page cache, its
        # count cache) are paid before the measured one, as on a server that has been running.
        warm = [str(BIN / "enrollment-outcomes"), "sync", "--refresh"]
        subprocess.run(warm, env=env, capture_output=True, check=False)
        command = ["/usr/bin/time", "-v", str(BIN / "enrollment-outcomes"), "sync", "--refresh"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"sync of {size:,} failed:\n{done.stdout}\n{done.stderr}")
        peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)[1])  # type: ignore[index]
        wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
        assert wall is not None
        hours, minutes, seconds = (float(part or 0) for part in wall.groups())
        with DataSource(Settings.from_mapping(config)) as source:
            latest = source.store.latest(source.line())
            assert latest is not None
            frame = source.store.read(latest, ["enrollments"])["enrollments"]
            frame_mb = frame.estimated_size() / MB
            kept = len(source.store.history(source.line()))  # the warm-up's snapshot is kept too
        return Row(
            size=size,
            seconds=hours * 3600 + minutes * 60 + seconds,
            peak_mb=peak_kb / 1024,
            frame_mb=frame_mb,
            snapshot_mb=_folder_mb(cache / "snapshots") / kept,
        )
    finally:
        sandbox.terminate()
        sandbox.wait(60)


def report(rows: list[Row]) -> str:
    lines = [
        "# Sync at scale: time and peak memory",
        "",
        "`/usr/bin/time -v enrollment-outcomes sync --refresh` of every resource (enrollments, "
        "courses, cohorts, certificates, students) from a local sandbox (its own process, pages "
        "of up to 1,000, no added latency). Frame = the enrollment frame's own size in memory "
        "(the floor a sync must hold); snapshot = one snapshot on disk (the folder's size over "
        "the snapshots it keeps).",
        "",
        "| enrollments | sync s | peak MB | frame MB | peak / frame | snapshot MB |",
        "|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {r.size:,} | {r.seconds:.1f} | {r.peak_mb:.0f} | {r.frame_mb:.0f} | "
            f"{r.peak_mb / r.frame_mb:.1f}x | {r.snapshot_mb:.0f} |"
            for r in rows
        ),
        "",
        "Growth from one size to the next (x10 rows):",
        "",
        "| from | to | time | peak memory |",
        "|---:|---:|---:|---:|",
        *(
            f"| {a.size:,} | {b.size:,} | {b.seconds / a.seconds:.1f}x | "
            f"{b.peak_mb / a.peak_mb:.1f}x |"
            for a, b in itertools.pairwise(rows)
        ),
        "",
        "Goals (issue 14): a 1,000,000-enrollment sync peaks under 700 MB, and its time grows "
        "linearly from 100,000 to 1,000,000 (x10 +/- 30%).",
        "",
        f"Machine: {machine()}. Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    sizes = [int(part) for part in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="sync-scaling-") as scratch:
        rows = [measure(size, Path(scratch)) for size in sizes]
    text = report(rows)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
