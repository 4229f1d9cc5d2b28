"""diskcache for a folder others may have doctored: no pickles, no paths out, bad index rebuilt.

Whoever can write a diskcache folder can edit its index (``cache.db``). Stock diskcache trusts
it: it unpickles what it finds in pickle mode (CVE-2025-69872), and it joins the stored
``filename`` to the folder and opens or deletes the result, so a row naming ``/home/me/thesis``
or ``../../x`` (or a sub-folder replaced by a symlink) makes the app read or delete that file and
its empty parent folders. ``SafeDisk`` closes both: it never pickles or unpickles, and it only
touches files by plain relative names walked one folder at a time without following symlinks
(``openat``-style, so a symlink swapped in between a check and a use is not followed either).
An entry it refuses raises ``RefusedEntryError`` (the caller drops the row; removing a refused
file is a no-op) and is logged once. ``open_cache`` opens any diskcache-based store with it and
moves an index SQLite cannot read aside (``cache.db.corrupt-<UTC time>``), then starts afresh.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os

try:
    import fcntl
except ImportError:  # Windows has no flock
    fcntl = None  # type: ignore[assignment]
import sqlite3
import stat
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import diskcache
from diskcache.core import DBNAME, MODE_BINARY, MODE_PICKLE, MODE_TEXT, UNKNOWN

__all__ = [
    "REFUSED_KEY",
    "EscapingFileError",
    "PickledEntryError",
    "RefusedEntryError",
    "SafeDisk",
    "open_cache",
]

logger = logging.getLogger("dashboard.data")

# A key stored pickled (never by us) comes back as this text, which is no store's key.
REFUSED_KEY: Final = "\x00refused-pickled-key"

# POSIX flags (0 where the system has none; there ``SafeDisk.dir_fd`` is False anyway).
_CLOEXEC: Final[int] = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW: Final[int] = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY: Final[int] = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC
_NO_LINK_DIRECTORY: Final = _DIRECTORY | _NOFOLLOW
# O_NONBLOCK: opening a FIFO planted in the folder must not hang (it is refused after fstat).
_READ_FLAGS: Final = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | _CLOEXEC
_CREATE_FLAGS: Final = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
_DIR_FD: Final = {os.open, os.mkdir, os.rmdir, os.unlink, os.stat} <= os.supports_dir_fd
# The index and SQLite's side files; a row naming one of these is refused like an outside path.
_INDEX_FILES: Final = frozenset({DBNAME, f"{DBNAME}-wal", f"{DBNAME}-shm", f"{DBNAME}-journal"})


class RefusedEntryError(Exception):
    """A cache entry was refused and not read: treat it as corrupt and drop its index row."""


class PickledEntryError(RefusedEntryError):
    """A cache entry was stored in pickle mode; it was not unpickled."""


class EscapingFileError(RefusedEntryError):
    """A cache entry's file lies outside the folder (absolute, ``..``, a symlink, not a file)."""


class SafeDisk(diskcache.Disk):  # type: ignore[misc]
    """diskcache's Disk that neither pickles nor follows a stored path out of its folder.

    ``dir_fd``: walk paths with ``openat`` (race-free; Linux, macOS). Without it (Windows)
    each path is resolved and checked to stay inside the folder before use, which a symlink
    swapped in at the same moment could still defeat.
    """

    dir_fd: bool = _DIR_FD

    def __init__(self, directory: str, **kwargs: Any) -> None:
        super().__init__(directory, **kwargs)
        self._warned: set[str] = set()
        self._warned_lock = threading.Lock()

    # -- keys and values: no pickles ------------------------------------------------------------

    def put(self, key: Any) -> tuple[Any, bool]:
        if type(key) not in (str, bytes, int, float):
            raise TypeError(f"cache keys are text here, not {type(key).__name__}")
        return super().put(key)  # type: ignore[no-any-return]

    def get(self, key: Any, raw: bool) -> Any:
        if not raw:
            return REFUSED_KEY
        return super().get(key, raw)

    def store(self, value: Any, read: bool, key: Any = UNKNOWN) -> Any:
        if not read and type(value) not in (str, bytes, int, float):
            raise TypeError(f"refusing to pickle a {type(value).__name__} into the cache")
        return super().store(value, read, key=key)

    # -- files: never outside the folder --------------------------------------------------------

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        if mode == MODE_PICKLE:
            logger.warning(
                "cache folder %s: refusing an entry stored in pickle mode", self._directory
            )
            raise PickledEntryError(f"entry stored in pickle mode (file {filename!r})")
        if mode not in (MODE_BINARY, MODE_TEXT):
            return super().fetch(mode, filename, value, read)  # raw: in the index, no file
        reader = self._open_value(filename)
        if mode == MODE_TEXT:
            with io.TextIOWrapper(reader, encoding="UTF-8") as text:
                return text.read()
        if read:
            return reader
        with reader:
            return reader.read()

    def remove(self, file_path: Any) -> None:
        """Delete a value file and its empty sub-folders; never anything outside the folder."""
        parts = self._parts(file_path)
        if parts is None:
            self._refuse(file_path, "outside the cache folder")
            return
        if not self.dir_fd:
            self._remove_by_path(file_path, parts)
            return
        # Errors are swallowed as diskcache does: two caches may delete the same file at once.
        try:
            with self._parent(parts) as parent:
                os.unlink(parts[-1], dir_fd=parent)  # a symlink is unlinked, not followed
        except OSError as error:
            if error.errno == errno.ELOOP:
                self._refuse(file_path, "reached through a symlink")
            return
        for depth in range(len(parts) - 1, 0, -1):  # the emptied sub-folders, never the folder
            try:
                with self._parent(parts[:depth]) as parent:
                    os.rmdir(parts[depth - 1], dir_fd=parent)
            except OSError:
                return

    def _write(
        self, full_path: str, iterator: Iterable[Any], mode: str, encoding: Any = None
    ) -> int:
        # diskcache's own writer follows symlinked sub-folders; ``full_path`` is ours (filename()).
        parts = self._parts(os.path.relpath(full_path, self._directory))
        if parts is None:
            raise EscapingFileError(f"refusing to write {full_path!r} outside the cache folder")
        if not self.dir_fd:
            root = os.path.realpath(self._directory)
            for depth in range(1, len(parts) + 1):
                if os.path.islink(os.path.join(root, *parts[:depth])):
                    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), full_path)
            return super()._write(full_path, iterator, mode, encoding)  # type: ignore[no-any-return]
        for attempt in range(1, 11):  # another cache may remove an emptied sub-folder meanwhile
            try:
                with self._parent(parts, create=True) as parent:
                    handle = os.open(parts[-1], _CREATE_FLAGS, 0o644, dir_fd=parent)
            except FileNotFoundError:
                if attempt == 10:
                    raise
                continue
            with open(handle, mode.replace("x", "w"), encoding=encoding) as writer:
                size = 0
                for chunk in iterator:
                    size += len(chunk)
                    writer.write(chunk)
                return size
        raise AssertionError("unreachable")

    def _parts(self, filename: Any) -> tuple[str, ...] | None:
        """``filename`` split into plain names, or None when it could leave the folder."""
        if not isinstance(filename, str) or not filename or "\x00" in filename:
            return None
        if os.path.isabs(filename) or os.path.splitdrive(filename)[0]:
            return None
        separators = {os.sep, os.altsep or os.sep, "/"}
        parts = [filename]
        for separator in separators:
            parts = [piece for part in parts for piece in part.split(separator)]
        if any(part in ("", ".", "..") for part in parts) or parts[0] in _INDEX_FILES:
            return None
        return tuple(parts)

    @contextlib.contextmanager
    def _parent(self, parts: tuple[str, ...], *, create: bool = False) -> Iterator[int]:
        """A descriptor of the folder holding ``parts[-1]``, reached without following symlinks."""
        handle = os.open(self._directory, _DIRECTORY)  # the folder itself may be a symlink
        try:
            for part in parts[:-1]:
                if create:
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(part, 0o755, dir_fd=handle)
                try:
                    child = os.open(part, _NO_LINK_DIRECTORY, dir_fd=handle)
                except NotADirectoryError:  # what Linux says for a symlink opened O_DIRECTORY
                    link = os.stat(part, dir_fd=handle, follow_symlinks=False)
                    if stat.S_ISLNK(link.st_mode):
                        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), part) from None
                    raise
                os.close(handle)
                handle = child
            yield handle
        finally:
            os.close(handle)

    def _open_value(self, filename: str | None) -> io.BufferedReader:
        parts = self._parts(filename)
        if parts is None:
            self._refuse(filename, "outside the cache folder")
            raise EscapingFileError(f"entry file {filename!r} is outside the cache folder")
        if not self.dir_fd:
            return self._open_by_path(str(filename), parts)
        try:
            with self._parent(parts) as parent:
                handle = os.open(parts[-1], _READ_FLAGS, dir_fd=parent)
        except OSError as error:
            if error.errno != errno.ELOOP:
                raise  # missing (deleted meanwhile): diskcache counts it as a miss
            self._refuse(filename, "reached through a symlink")
            raise EscapingFileError(
                f"entry file {filename!r} is reached through a symlink"
            ) from None
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            os.close(handle)
            self._refuse(filename, "not a regular file")
            raise EscapingFileError(f"entry file {filename!r} is not a regular file")
        os.set_blocking(handle, True)
        return open(handle, "rb")  # the caller reads and closes it

    # -- without openat: resolve, then check ---------------------------------------------

    def _inside(self, filename: str, parts: tuple[str, ...]) -> str | None:
        """The real path of ``filename`` when it and every folder on the way stay inside."""
        root = os.path.realpath(self._directory)
        path = os.path.join(root, *parts)
        for depth in range(1, len(parts) + 1):
            if os.path.islink(os.path.join(root, *parts[:depth])):
                self._refuse(filename, "reached through a symlink")
                return None
        if os.path.commonpath([root, os.path.realpath(path)]) != root:  # junctions and the like
            self._refuse(filename, "outside the cache folder")
            return None
        return path

    def _open_by_path(self, filename: str, parts: tuple[str, ...]) -> io.BufferedReader:
        path = self._inside(filename, parts)
        if path is None:
            raise EscapingFileError(f"entry file {filename!r} is reached through a symlink")
        if os.path.exists(path) and not os.path.isfile(path):
            self._refuse(filename, "not a regular file")
            raise EscapingFileError(f"entry file {filename!r} is not a regular file")
        return open(path, "rb")  # the caller reads and closes it

    def _remove_by_path(self, filename: str, parts: tuple[str, ...]) -> None:
        path = self._inside(filename, parts)
        if path is None:
            return
        with contextlib.suppress(OSError):
            os.remove(path)
        root = os.path.realpath(self._directory)
        for depth in range(len(parts) - 1, 0, -1):
            try:
                os.rmdir(os.path.join(root, *parts[:depth]))
            except OSError:
                return

    def _refuse(self, filename: object, why: str) -> None:
        """Log a refused entry once per file (a read and the delete that follows share one line)."""
        shown = repr(filename)
        with self._warned_lock:
            if shown in self._warned:
                return
            self._warned.add(shown)
        logger.warning(
            "cache folder %s: refusing an entry whose file %s is %s; the file is left alone and "
            "the entry is dropped as corrupt",
            self._directory,
            shown,
            why,
        )


def open_cache(directory: Path, **settings: Any) -> diskcache.Cache:
    """A ``diskcache.Cache`` on ``directory`` with ``SafeDisk``; a corrupt index is rebuilt.

    When SQLite cannot read ``cache.db`` or its quick integrity check fails (garbage bytes, a
    torn page), or the index or a side file is a symlink (SQLite would write through it), the
    file (and its ``-wal``/``-shm`` side files) is renamed ``cache.db.corrupt-<UTC time>`` in
    the same folder, a warning is logged, and an empty cache is started. The old value files
    stay where they are (nothing names them any more; they can be deleted by hand). Other
    SQLite errors (a locked or unreadable file) are raised unchanged: the index may be fine.

    ``settings`` are diskcache's (``eviction_policy``, ``size_limit``, ...).
    """
    directory.mkdir(parents=True, exist_ok=True)
    problem = _linked_index(directory)
    if problem is None:
        try:
            return _open(directory, settings)
        except sqlite3.DatabaseError as error:
            if isinstance(error, sqlite3.OperationalError):
                raise
            problem = f"it could not be read ({error})"
    with _rebuild_lock(directory):
        # Another process may have rebuilt it while this one waited for the lock.
        if _linked_index(directory) is None:
            try:
                return _open(directory, settings)
            except sqlite3.DatabaseError as error:
                if isinstance(error, sqlite3.OperationalError):
                    raise
        moved = _move_aside(directory)
        logger.warning(
            "the cache index %s was unusable: %s; moved it to %s and started an empty cache",
            directory / DBNAME,
            problem,
            moved,
        )
        return _open(directory, settings)


def _linked_index(directory: Path) -> str | None:
    """Why the index cannot be trusted before it is opened: a symlink SQLite would follow."""
    for name in sorted(_INDEX_FILES):
        if (directory / name).is_symlink():
            return f"{name} is a symlink"
    return None


def _open(directory: Path, settings: dict[str, Any]) -> diskcache.Cache:
    cache = diskcache.Cache(directory=str(directory), disk=SafeDisk, **settings)
    # A torn page deep in the index opens fine and fails later, on every use: check it now
    # (about 1 ms for a few hundred entries; bench/results_cache.md) so it is rebuilt instead.
    try:
        problems = [row[0] for row in cache._sql("PRAGMA quick_check").fetchall()]
    except BaseException:
        cache.close()
        raise
    if problems != ["ok"]:
        cache.close()
        raise sqlite3.DatabaseError(f"integrity check failed: {problems[0]}")
    return cache


def _move_aside(directory: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    target = directory / f"{DBNAME}.corrupt-{stamp}"
    for suffix in ("-wal", "-shm", "-journal", ""):  # the main file last: its name is the signal
        source = directory / f"{DBNAME}{suffix}"
        if source.exists() or source.is_symlink():
            os.replace(source, f"{target}{suffix}")
    return target


@contextlib.contextmanager
def _rebuild_lock(directory: Path) -> Iterator[None]:
    """One process at a time moves a corrupt index aside (POSIX ``flock``; none elsewhere)."""
    if fcntl is None:  # Windows: a race here only costs a second rebuild
        yield
        return
    lock = directory / f"{DBNAME}.rebuild-lock"
    handle = os.open(lock, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)
