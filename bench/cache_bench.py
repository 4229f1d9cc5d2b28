"""Cache hardening benchmark: what ``SafeDisk`` and ``open_cache`` cost over stock diskcache.

Measured in one process on a temporary folder, each the median of ``--repeats`` rounds, old and
new alternately in each round (the machine is shared, so only ratios mean much):

- open: ``open_cache`` (SafeDisk + ``PRAGMA quick_check``) vs ``diskcache.Cache`` with the stock
  Disk, on an index of ``--entries`` entries;
- read: ``cache.get(key, read=True)`` of a ``--value-mb`` value file and reading it to the end,
  SafeDisk (``openat`` walk, no symlinks) vs the stock Disk;
- write: ``cache.set(key, file, read=True)`` of the same value, SafeDisk vs the stock Disk.

Usage: ``python bench/cache_bench.py [--entries 300] [--value-mb 8] [--repeats 7] [--out FILE]``;
writes ``bench/results_cache.md`` unless ``--out`` says otherwise.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import diskcache

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.data.safe_disk import SafeDisk, open_cache  # noqa: E402

RESULTS = ROOT / "bench" / "results_cache.md"
SETTINGS = {"eviction_policy": "least-recently-stored", "size_limit": 4 * 2**30}


def _write(cache: diskcache.Cache, value: bytes) -> None:
    cache.set("w", io.BytesIO(value), read=True)  # a new stream each time: one is read to its end


def _seconds(action: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        action()
    return (time.perf_counter() - started) / count


def _fill(folder: Path, entries: int, value: bytes) -> None:
    with open_cache(folder, **SETTINGS) as cache:
        for number in range(entries):
            cache.set(f"entry-{number}", io.BytesIO(b"x" * 1000), read=True, tag="{}")
        cache.set("big", io.BytesIO(value), read=True)


def _read(cache: diskcache.Cache) -> int:
    with cache.get("big", read=True) as reader:
        return len(reader.read())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--value-mb", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    value = os.urandom(args.value_mb * 2**20)
    rounds: dict[str, list[float]] = {}

    def record(name: str, seconds: float) -> None:
        rounds.setdefault(name, []).append(seconds)

    with tempfile.TemporaryDirectory() as workdir:
        folder = Path(workdir) / "frames"
        _fill(folder, args.entries, value)
        for _ in range(args.repeats):
            record(
                "open stock", _seconds(lambda: diskcache.Cache(str(folder), **SETTINGS).close(), 20)
            )
            record("open safe", _seconds(lambda: open_cache(folder, **SETTINGS).close(), 20))
            for name, disk in (("stock", diskcache.Disk), ("safe", SafeDisk)):
                with diskcache.Cache(str(folder), disk=disk, **SETTINGS) as cache:
                    record(f"read {name}", _seconds(partial(_read, cache), 10))
                    record(f"write {name}", _seconds(partial(_write, cache, value), 5))
    median = {name: statistics.median(values) for name, values in rounds.items()}
    rows = [
        (f"open (index of {args.entries} entries)", "open"),
        (f"read a {args.value_mb} MB value", "read"),
        (f"write a {args.value_mb} MB value", "write"),
    ]
    lines = [
        "# Cache hardening benchmark",
        "",
        f"Machine: {platform.system()} {platform.release()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, diskcache {diskcache.__version__}; "
        f"load average at start {', '.join(f'{v:.1f}' for v in os.getloadavg())}.  ",
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.  ",
        f"Command: `python bench/cache_bench.py --entries {args.entries} --value-mb "
        f"{args.value_mb} --repeats {args.repeats}` (medians of {args.repeats} rounds, stock and "
        "safe alternately; a shared 2-core machine, so read the ratios, not the times).",
        "",
        "| step | stock diskcache (ms) | SafeDisk / open_cache (ms) | ratio safe / stock |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, name in rows:
        stock, safe = median[f"{name} stock"], median[f"{name} safe"]
        lines.append(f"| {label} | {stock * 1e3:.2f} | {safe * 1e3:.2f} | {safe / stock:.2f} |")
    lines += [
        "",
        "open_cache adds `PRAGMA quick_check` (a torn index page is caught at open and rebuilt);",
        "SafeDisk walks each value path with openat and no symlinks. Both are per open/per file,",
        "not per byte.",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
