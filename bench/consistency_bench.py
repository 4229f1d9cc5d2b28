"""Listings under concurrent writes: how often a delete + insert during a sync comes out a mix.

Against a sandbox on 127.0.0.1 (in-process, demo seed, latency added to every response), each run
lists the enrollments with ``DokStampClient.list_all`` while a writer thread, after a random
delay within the sync's expected duration, deletes one random enrollment and creates one (both
at once, so no page read sees the total change between them). Each run is classified against
the server's state read before and after:

- final: the result is exactly the server's state after the writes;
- initial: exactly the state before them (the writes landed after the listing's last read);
- error: ``IncompleteSyncError`` (the listing kept changing on every attempt);
- mix: anything else: rows lost or deleted rows kept, silently. This must be 0.

Usage: ``python bench/consistency_bench.py [--runs 50] [--enrollments 5000] [--latency-ms 20]``;
results go to ``bench/results_consistency.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine_info import machine  # noqa: E402
from dashboard.client import DokStampClient, IncompleteSyncError  # noqa: E402
from dashboard.settings import Settings  # noqa: E402
from dokstamp_sandbox import demo  # noqa: E402
from dokstamp_sandbox.runner import SandboxOptions, start_sandbox  # noqa: E402

RESULTS = ROOT / "bench" / "results_consistency.md"


def _settings(url: str, **overrides: object) -> Settings:
    base = Settings.from_mapping(
        {
            "DOKSTAMP_API_URL": url,
            "DOKSTAMP_TENANT": demo.DEMO_TENANT,
            "DOKSTAMP_CLIENT_ID": demo.DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": demo.DEMO_CLIENT_SECRET,
        }
    )
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


def _state(reader: DokStampClient) -> list[str]:
    while True:
        try:
            return [r["uuid"] for r in reader.list_all("enrollments")]
        except IncompleteSyncError:
            continue


def run(args: argparse.Namespace) -> Counter[str]:
    rng = random.Random(args.seed)
    outcomes: Counter[str] = Counter()
    workdir = Path(tempfile.mkdtemp(prefix="consistency-bench-"))
    options = SandboxOptions(latency_ms=args.latency_ms, max_per_page=args.per_page)
    with start_sandbox(
        workdir / "sandbox.db", seed="demo", enrollments=args.enrollments, options=options
    ) as sandbox:
        settings = _settings(sandbox.url, page_size=args.per_page, concurrency=args.concurrency)
        with DokStampClient(settings) as reader, DokStampClient(settings) as writer:
            template = writer.get_enrollment(_state(reader)[0])
            payload = {
                "student_uuid": template["student"]["uuid"],
                "course_uuid": template["course"]["uuid"],
                "cohort_uuid": None,
            }
            started = time.perf_counter()
            _state(reader)
            duration = time.perf_counter() - started
            for number in range(args.runs):
                before = _state(reader)
                doomed = rng.choice(before)
                delay = rng.uniform(0.0, duration)
                day = f"2026-{1 + number // 28 % 12:02d}-{1 + number % 28:02d}"

                def write(doomed: str = doomed, delay: float = delay, day: str = day) -> None:
                    time.sleep(delay)
                    with ThreadPoolExecutor(max_workers=2) as pool:
                        deleted = pool.submit(writer.delete_enrollment, doomed)
                        created = pool.submit(
                            writer.create_enrollment, {**payload, "enrolled_at": day}
                        )
                        deleted.result()
                        created.result()

                thread = threading.Thread(target=write)
                with DokStampClient(settings) as client:
                    thread.start()
                    try:
                        result: list[str] | None = [
                            r["uuid"] for r in client.list_all("enrollments")
                        ]
                    except IncompleteSyncError:
                        result = None
                    thread.join()
                after = _state(reader)
                if result is None:
                    outcome = "error"
                elif result == after:
                    outcome = "final"
                elif result == before:
                    outcome = "initial"
                else:
                    outcome = "mix"
                outcomes[outcome] += 1
                print(f"run {number + 1}: {outcome}", flush=True)
    return outcomes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--enrollments", type=int, default=5000)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--per-page", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--label", default="this version")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    outcomes = run(args)
    line = (
        f"| {args.label} | {args.runs} | {outcomes['final']} | {outcomes['initial']} | "
        f"{outcomes['error']} | {outcomes['mix']} |"
    )
    print(line)
    if args.output is not None:
        header = [
            "# Listings under concurrent writes (`bench/consistency_bench.py`)",
            "",
            f"Machine: {machine()}. Run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.",
            f"Sandbox in-process: {args.enrollments:,} enrollments, {args.latency_ms} ms latency, "
            f"pages of {args.per_page}, concurrency {args.concurrency}; one delete + one insert "
            "sent at once at a random moment of each sync. See the script's docstring for the "
            "outcomes.",
            "",
            "| client | runs | final | initial | error | mix |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        if args.output.exists():
            previous = [
                row
                for row in args.output.read_text("utf-8").splitlines()
                if row.startswith("| ") and not row.startswith("| client")
            ]
        else:
            previous = []
        args.output.write_text("\n".join([*header, *previous, line, ""]), "utf-8")


if __name__ == "__main__":
    main()
