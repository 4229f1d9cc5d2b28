"""A doctored cache folder: index rows naming files outside it, symlinks in it, a garbage index.

Every test runs against each diskcache-based store (``diskcache_store`` in conftest.py): the
guard is ``SafeDisk``/``open_cache``, which every such store must use.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import diskcache
import pytest

from dashboard.data.safe_disk import SafeDisk, open_cache

SECRET = "keep me: not the cache's to delete"
Escape = Callable[[Path, Path], str]  # (folder, victim) -> the filename the doctored row names


@pytest.fixture(params=[True, False], ids=["openat", "resolve-and-check"])
def dir_fd(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Both ways SafeDisk walks paths: openat (POSIX) and resolve-then-check (elsewhere)."""
    monkeypatch.setattr(SafeDisk, "dir_fd", request.param)
    return bool(request.param)


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file outside the cache folder, alone in its folder (diskcache would prune that too)."""
    path = tmp_path / "outside" / "deep" / "precious.txt"
    path.parent.mkdir(parents=True)
    path.write_text(SECRET, encoding="utf-8")
    return path


def _absolute(folder: Path, victim: Path) -> str:
    return str(victim)


def _dot_dot(folder: Path, victim: Path) -> str:
    return os.path.relpath(victim, folder)


def _symlinked_folder(folder: Path, victim: Path) -> str:
    # Names that are not hex: diskcache's own sub-folders (two hex digits) never collide.
    (folder / "zz").symlink_to(victim.parent.parent, target_is_directory=True)
    return os.path.join("zz", victim.parent.name, victim.name)


def _symlinked_file(folder: Path, victim: Path) -> str:
    (folder / "yy" / "zz").mkdir(parents=True)
    (folder / "yy" / "zz" / "link.val").symlink_to(victim)
    return os.path.join("yy", "zz", "link.val")


ESCAPES = {
    "absolute": _absolute,
    "dot-dot": _dot_dot,
    "symlinked-folder": _symlinked_folder,
    "symlinked-file": _symlinked_file,
}


def _doctor(folder: Path, filename: str, **columns: Any) -> list[tuple[Any, ...]]:
    """Point every file-backed row of the index at ``filename``; the rows' (key, tag)."""
    with sqlite3.connect(folder / "cache.db") as db:
        rows = db.execute("SELECT key, tag FROM Cache WHERE filename IS NOT NULL").fetchall()
        assignments = ", ".join(f"{name} = ?" for name in ["filename", *columns])
        db.execute(
            f"UPDATE Cache SET {assignments} WHERE filename IS NOT NULL",  # noqa: S608
            (filename, *columns.values()),
        )
    assert rows, "the store wrote no value file to doctor"
    return rows


def _rows(folder: Path) -> int:
    """Rows whose value lives in a file (a store may keep small inline rows beside them)."""
    with sqlite3.connect(folder / "cache.db") as db:
        query = "SELECT COUNT(*) FROM Cache WHERE filename IS NOT NULL"
        return int(db.execute(query).fetchone()[0])


def _refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "refusing an entry" in r.getMessage()]


@pytest.mark.parametrize("escape", ESCAPES.values(), ids=ESCAPES.keys())
def test_a_row_naming_a_file_outside_is_dropped_and_the_file_left_alone(
    diskcache_store: Any,
    dir_fd: bool,
    tmp_path: Path,
    victim: Path,
    escape: Escape,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = diskcache_store(tmp_path / "store")
    store.put("a")
    filename = escape(store.folder, victim)
    _doctor(store.folder, filename)

    with caplog.at_level(logging.WARNING, logger="dashboard.data"):
        assert store.get("a") is None  # read as corrupt: a miss

    assert victim.read_text(encoding="utf-8") == SECRET
    assert victim.parent.is_dir()
    assert _rows(store.folder) == 0  # the row is dropped
    refusals = _refusals(caplog)
    assert len(refusals) == 1, refusals  # once, though both the read and the delete refused it
    assert repr(filename) in refusals[0]
    store.put("a")  # the store works on
    assert store.get("a") is not None


def _clear(cache: diskcache.Cache, key: Any, tag: Any) -> None:
    cache.clear()


def _cull(cache: diskcache.Cache, key: Any, tag: Any) -> None:
    cache.cull()  # the doctored rows expired long ago


def _expire(cache: diskcache.Cache, key: Any, tag: Any) -> None:
    cache.expire()


def _evict(cache: diskcache.Cache, key: Any, tag: Any) -> None:
    cache.evict(tag)


def _delete(cache: diskcache.Cache, key: Any, tag: Any) -> None:
    cache.delete(key)


def _replace(cache: diskcache.Cache, key: Any, tag: Any) -> None:
    cache.set(key, b"a new value" * 1000)  # replacing a row removes its old file


def _cull_on_set(cache: diskcache.Cache, key: Any, tag: Any) -> None:
    cache.set("another key", b"another value" * 1000)  # every set culls expired rows first


# Each operation, and whether the doctored rows must have expired for it to reach them.
OPERATIONS = {
    "clear": (_clear, False),
    "cull": (_cull, True),
    "expire": (_expire, True),
    "evict": (_evict, False),
    "delete": (_delete, False),
    "replace": (_replace, False),
    "cull-on-set": (_cull_on_set, True),
}


@pytest.mark.parametrize(("operation", "expired"), OPERATIONS.values(), ids=OPERATIONS.keys())
@pytest.mark.parametrize("escape", ESCAPES.values(), ids=ESCAPES.keys())
def test_no_operation_deletes_outside_the_folder(
    diskcache_store: Any,
    dir_fd: bool,
    tmp_path: Path,
    victim: Path,
    escape: Escape,
    operation: Callable[[diskcache.Cache, Any, Any], None],
    expired: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = diskcache_store(tmp_path / "store")
    store.put("a")
    filename = escape(store.folder, victim)
    ((key, tag), *_) = _doctor(store.folder, filename, expire_time=1.0 if expired else None)
    if operation is _evict and tag is None:
        pytest.skip("this store writes no tags, so evict(tag) never reaches its rows")

    with caplog.at_level(logging.WARNING, logger="dashboard.data"), store.opened() as cache:
        operation(cache, key, tag)

    assert victim.read_text(encoding="utf-8") == SECRET
    assert victim.parent.is_dir()
    assert _rows(store.folder) <= 1  # only the new row of "replace"/"cull-on-set" may be left
    # A symlink inside the folder is itself unlinked (openat) or refused (resolve-and-check).
    expected = 0 if escape is _symlinked_file and dir_fd else 1
    assert len(_refusals(caplog)) == expected, _refusals(caplog)


def test_stock_diskcache_would_delete_it(tmp_path: Path, victim: Path) -> None:
    """The threat is real: the same doctored row makes plain diskcache delete the file."""
    folder = tmp_path / "plain"
    with diskcache.Cache(str(folder)) as plain:
        plain.set("k", b"x" * 100_000)
    _doctor(folder, str(victim))
    with diskcache.Cache(str(folder)) as plain:
        plain.delete("k")
    assert not victim.exists()
    assert not victim.parent.exists()


def test_writes_never_go_through_a_planted_symlink(
    diskcache_store: Any, dir_fd: bool, tmp_path: Path, victim: Path
) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    store = diskcache_store(folder)
    outside = victim.parent
    before = sorted(outside.iterdir())
    for number in range(256):  # every first-level sub-folder diskcache may pick
        (folder / f"{number:02x}").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OSError, match="symbolic links"):
        store.put("b")
    assert sorted(outside.iterdir()) == before


@pytest.mark.timeout(60)  # without the guard, opening the FIFO blocks for ever
def test_a_fifo_in_place_of_a_value_is_refused_not_waited_on(
    diskcache_store: Any, dir_fd: bool, tmp_path: Path
) -> None:
    store = diskcache_store(tmp_path / "store")
    store.put("a")
    (store.folder / "xx").mkdir()
    os.mkfifo(store.folder / "xx" / "pipe.val")
    _doctor(store.folder, os.path.join("xx", "pipe.val"))
    assert store.get("a") is None
    assert _rows(store.folder) == 0


def test_a_row_naming_the_index_itself_is_refused(diskcache_store: Any, tmp_path: Path) -> None:
    store = diskcache_store(tmp_path / "store")
    store.put("a")
    _doctor(store.folder, "cache.db")
    assert store.get("a") is None
    assert _rows(store.folder) == 0  # the index is still there and readable


# -- a garbage index --------------------------------------------------------------------------


def test_a_garbage_index_is_moved_aside_and_the_store_starts_afresh(
    diskcache_store: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = diskcache_store(tmp_path / "store")
    store.put("a")
    garbage = os.urandom(4096)
    (store.folder / "cache.db").write_bytes(garbage)

    with caplog.at_level(logging.WARNING, logger="dashboard.data"):
        assert store.get("a") is None
        store.put("a")
        assert store.get("a") is not None

    moved = list(store.folder.glob("cache.db.corrupt-*"))
    assert [path.read_bytes() for path in moved if path.name.count("-") == 1] == [garbage]
    warnings = [r.getMessage() for r in caplog.records if "could not be read" in r.getMessage()]
    assert len(warnings) == 1, warnings  # rebuilt once; later opens find a good index
    assert "moved it to" in warnings[0]
    assert "started an empty cache" in warnings[0]


def test_an_index_that_cannot_be_opened_is_not_moved(tmp_path: Path) -> None:
    """Not corruption (here: a folder where the index should be): raised, nothing renamed."""
    folder = tmp_path / "store"
    (folder / "cache.db").mkdir(parents=True)
    with pytest.raises(sqlite3.OperationalError):
        open_cache(folder)
    assert (folder / "cache.db").is_dir()
    assert not list(folder.glob("cache.db.corrupt-*"))


def test_a_torn_page_in_the_index_is_caught_at_open_and_rebuilt(
    diskcache_store: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A partly damaged index opens fine and would fail on later queries: it is rebuilt too."""
    store = diskcache_store(tmp_path / "store")
    for number in range(60):  # an index of several pages
        store.put(f"entry-{number}")
    index = store.folder / "cache.db"
    data = index.read_bytes()
    page = 4096
    middle = (len(data) // page // 2) * page
    index.write_bytes(data[:middle] + b"\xa5" * page + data[middle + page :])

    with caplog.at_level(logging.WARNING, logger="dashboard.data"):
        store.put("after")
        assert store.get("after") is not None

    assert [r for r in caplog.records if "was unusable" in r.getMessage()]
    assert len(list(store.folder.glob("cache.db.corrupt-*"))) >= 1


@pytest.mark.parametrize("name", ["cache.db", "cache.db-wal"])
def test_an_index_symlinked_out_of_the_folder_is_never_written_through(
    diskcache_store: Any, tmp_path: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite follows a symlinked index: another SQLite file outside would get the cache's rows."""
    outside = tmp_path / "outside.sqlite3"
    with sqlite3.connect(outside) as db:
        db.execute("CREATE TABLE mine (x)")
    before = outside.read_bytes()
    folder = tmp_path / "store"
    folder.mkdir()
    (folder / name).symlink_to(outside)

    store = diskcache_store(folder)
    with caplog.at_level(logging.WARNING, logger="dashboard.data"):
        store.put("a")
        assert store.get("a") is not None

    assert outside.read_bytes() == before
    assert not (folder / name).is_symlink()
    assert any(f"{name} is a symlink" in r.getMessage() for r in caplog.records)
