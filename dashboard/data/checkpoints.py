"""A sync's checkpoints: each resource's pages, kept in the store chunk by chunk as they are read.

A sync hands every page it reads (its decoded records) to the resource's ``ResourceCheckpoint``.
Pages are grouped in chunks of consecutive pages (``CHECKPOINT_ROWS`` rows or so), made into typed
frames a batch of pages at a time (``ChunkFrames``); once a chunk's pages are all in, the chunk is
written to the store as Arrow IPC bytes and leaves memory, and the
resource's *manifest* (a small JSON entry) records it. So memory holds a chunk or two of each
listing, never the whole of it, and a sync that is interrupted (cancelled, killed, failed) leaves
what it read behind: the next sync of the line, within ``resume_seconds`` of the resource's first
read, asks the API only for the pages that no saved chunk holds, provided the listing still has
the same total and page size and its last page still holds the same records (else that resource
is read again from page 1). A resource read completely is not read again at all.

Store entries of a line (``SnapshotStore.save_checkpoint`` names):
``<resource>`` the manifest; ``<resource>:<k>`` chunk ``k`` (pages ``k * per_chunk + 1`` on).
"""

from __future__ import annotations

import io
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final

import orjson
import polars as pl

from dashboard.client import HeldPages, ListingShape
from dashboard.data.chunk_frames import FRAME_BATCH_ROWS, ChunkFrames
from dashboard.data.frames import FRAME_BUILDERS
from dashboard.data.schema import RESOURCE_SCHEMAS
from dashboard.data.snapshots import (
    SnapshotLine,
    SnapshotStore,
    SnapshotUnreadableError,
    frame_buffer,
    frame_from_bytes,
)

__all__ = ["CHECKPOINT_ROWS", "ResourceCheckpoint", "StoredFrame"]

logger = logging.getLogger("dashboard.data")

# Rows per chunk (rounded to whole pages): small enough that a chunk or two in memory is little
# beside the 1M-row frame a sync no longer holds, large enough that a 1M listing is ~20 writes.
CHECKPOINT_ROWS: Final = 50_000
_FORMAT: Final = "checkpoint-pages-1"
# Store writes queued or running at once: pages keep being read while a chunk is written (on one
# writer thread, in order), and no more than this many chunks wait in memory for it.
_WRITES_IN_FLIGHT: Final = 2


@dataclass(frozen=True, slots=True)
class _Manifest:
    """What a resource's checkpoint holds: the listing's shape, the chunks saved, its anchor."""

    started_at: datetime
    total: int
    per_page: int
    pages: int
    per_chunk: int  # pages per chunk
    chunks: Mapping[int, int] = field(default_factory=dict)  # chunk -> rows, as saved
    last_page: Sequence[str] | None = None  # the last page's uuids, as first read
    complete: bool = False

    def chunk_pages(self, chunk: int) -> range:
        return range(chunk * self.per_chunk + 1, min(self.pages, (chunk + 1) * self.per_chunk) + 1)

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "format": _FORMAT,
                "started_at": self.started_at.isoformat(),
                "total": self.total,
                "per_page": self.per_page,
                "pages": self.pages,
                "per_chunk": self.per_chunk,
                "chunks": {str(k): v for k, v in self.chunks.items()},
                "last_page": None if self.last_page is None else list(self.last_page),
                "complete": self.complete,
            }
        )

    @classmethod
    def from_json(cls, data: bytes) -> _Manifest:
        body: dict[str, Any] = orjson.loads(data)
        if not isinstance(body, dict) or body.get("format") != _FORMAT:
            raise ValueError("not a checkpoint manifest of this version")
        started_at = datetime.fromisoformat(str(body["started_at"]))
        if started_at.tzinfo is None:
            raise ValueError("a checkpoint time without its zone")
        last_page = body.get("last_page")
        manifest = cls(
            started_at=started_at.astimezone(UTC),
            total=int(body["total"]),
            per_page=int(body["per_page"]),
            pages=int(body["pages"]),
            per_chunk=int(body["per_chunk"]),
            chunks={int(k): int(v) for k, v in dict(body["chunks"]).items()},
            last_page=None if last_page is None else [str(uuid) for uuid in last_page],
            complete=bool(body["complete"]),
        )
        if manifest.per_page < 1 or manifest.per_chunk < 1 or manifest.pages < 1:
            raise ValueError("a checkpoint manifest with no pages")
        return manifest


class StoredFrame:
    """A resource's frame kept in the store as its checkpoint's chunks, read one at a time.

    What a sync publishes instead of a frame in memory (``snapshots.FrameChunks``): the store
    writes the snapshot's frame from ``chunks()``, never holding more than one of them.
    """

    def __init__(
        self,
        store: SnapshotStore,
        line: SnapshotLine,
        resource: str,
        manifest: _Manifest,
    ) -> None:
        self._store = store
        self._line = line
        self.resource = resource
        self._manifest = manifest
        self.schema = RESOURCE_SCHEMAS[resource]
        self.height = sum(manifest.chunks.values())

    @property
    def started_at(self) -> datetime:
        """When the first of its pages was read (the resource's extract time)."""
        return self._manifest.started_at

    @property
    def pages(self) -> int:
        return self._manifest.pages

    def chunks(self) -> Iterator[pl.DataFrame]:
        """The frame's chunks in page order (``SnapshotUnreadableError`` if one is gone)."""
        for chunk in sorted(self._manifest.chunks):
            yield _load_chunk(self._store, self._line, self.resource, chunk, self._manifest)

    def collect(self) -> pl.DataFrame:
        """The whole frame in memory (only where every row is needed at once)."""
        return pl.concat([self.schema.to_frame(), *self.chunks()], how="vertical", rechunk=False)


class ResourceCheckpoint:
    """The checkpoint of one resource of one line: the ``PageSink`` a sync reads its pages into.

    Open it with ``ResourceCheckpoint.open``; ``complete`` is the stored frame when an earlier
    sync read the whole resource (within ``resume_seconds``). Otherwise hand it to
    ``DokStampClient.read_pages``, call ``finish`` once that returns, and ``close`` in any case.
    Chunks are written on a writer thread of its own, in the order they were completed, each
    followed by the manifest that lists it: the manifest never names a chunk not yet written.
    """

    def __init__(
        self,
        store: SnapshotStore,
        line: SnapshotLine,
        resource: str,
        *,
        found: _Manifest | None,
        rows: int,
    ) -> None:
        self._store = store
        self._line = line
        self.resource = resource
        self._found = found
        self._rows = rows
        self._manifest: _Manifest | None = None
        self._pending: dict[int, ChunkFrames] = {}
        self._build = FRAME_BUILDERS[resource]
        self._began = datetime.now(UTC)
        self._writer: ThreadPoolExecutor | None = None
        self._writes: deque[Future[None]] = deque()
        self.held_pages = 0

    @classmethod
    def open(
        cls,
        store: SnapshotStore,
        line: SnapshotLine,
        resource: str,
        *,
        resume_seconds: float,
        rows: int = CHECKPOINT_ROWS,
    ) -> ResourceCheckpoint:
        """The resource's checkpoint, with what an earlier sync saved if it may be resumed."""
        if rows < 1:
            raise ValueError("a checkpoint chunk holds at least one row")
        found = _read_manifest(store, line, resource)
        if found is not None:
            age = (datetime.now(UTC) - found.started_at).total_seconds()
            if age > resume_seconds:
                logger.info("%s: the checkpoint is %.0f s old; reading it again", resource, age)
                found = None
        return cls(store, line, resource, found=found, rows=rows)

    @property
    def complete(self) -> StoredFrame | None:
        """The resource as an earlier sync read it completely, if it did."""
        if self._found is None or not self._found.complete:
            return None
        return StoredFrame(self._store, self._line, self.resource, self._found)

    # -- the PageSink ----------------------------------------------------------------------------

    def begin(self, shape: ListingShape) -> HeldPages | None:
        """A read of the listing starts: the pages saved for this shape, or none (start over)."""
        found, self._found = self._found, None  # a second begin: the listing changed, start over
        self.flush()
        self._pending.clear()
        if found is not None and _fits(found, shape):
            held = _readable_chunks(self._store, self._line, self.resource, found)
            if held and found.last_page is not None:
                self._manifest = replace(found, chunks=held)
                numbers = frozenset(n for chunk in held for n in found.chunk_pages(chunk))
                self.held_pages = len(numbers)
                logger.info(
                    "%s: resuming with %d of %d pages read %s",
                    self.resource,
                    len(numbers),
                    shape.pages,
                    found.started_at.isoformat(timespec="seconds"),
                )
                return HeldPages(
                    numbers=numbers,
                    last_page=list(found.last_page),
                    identities=self._held_identities,
                )
        self.held_pages = 0
        per_chunk = max(1, self._rows // shape.per_page)
        self._manifest = _Manifest(
            started_at=self._began,
            total=shape.total,
            per_page=shape.per_page,
            pages=shape.pages,
            per_chunk=per_chunk,
        )
        # Saved before any chunk is, so chunks left by an older read are never taken for this one.
        self._write_manifest(self._manifest)
        return None

    def add(self, number: int, records: list[dict[str, Any]]) -> None:
        """A page read and checked: its records, kept until their batch of pages is complete
        (then one typed frame), its chunk written away once complete. Raises
        ``MalformedRecordError`` for a record the frame cannot take."""
        manifest = self._manifest
        assert manifest is not None, "add before begin"
        chunk = (number - 1) // manifest.per_chunk
        pages = self._pending.get(chunk)
        if pages is None:
            per_batch = max(1, FRAME_BATCH_ROWS // manifest.per_page)
            pages = ChunkFrames(manifest.chunk_pages(chunk), per_batch=per_batch, build=self._build)
            self._pending[chunk] = pages
        pages.add(number, records)
        if number == manifest.pages and manifest.last_page is None:
            # What a resumed read checks the listing against: saved at once, as chunks may be.
            # (A page without uuids fails when its batch is built: nothing is published.)
            uuids = [str(record.get("uuid")) for record in records]
            self._manifest = manifest = replace(manifest, last_page=uuids)
            self._submit(partial(self._write_manifest, manifest))
        if pages.complete:
            del self._pending[chunk]
            in_order = pages.frames()
            rows = sum(page.height for page in in_order)
            self._manifest = manifest = replace(manifest, chunks={**manifest.chunks, chunk: rows})
            self._submit(partial(self._write_chunk, chunk, in_order, manifest))

    # -- the end of a read -----------------------------------------------------------------------

    def finish(self) -> StoredFrame:
        """The resource, read completely, as its stored frame (the manifest says so from now)."""
        self.flush()
        manifest = self._manifest
        assert manifest is not None, "finish before begin"
        expected = range(-(-manifest.pages // manifest.per_chunk))
        if self._pending or sorted(manifest.chunks) != list(expected):
            raise SnapshotUnreadableError(
                f"{self.resource}: pages missing from the checkpoint after a complete read"
            )
        rows = sum(manifest.chunks.values())
        if rows != manifest.total:  # the client's checks make this unreachable; the store's not
            raise SnapshotUnreadableError(
                f"{self.resource}: the checkpoint holds {rows} rows, the listing {manifest.total}"
            )
        self._manifest = manifest = replace(manifest, complete=True)
        self._write_manifest(manifest)
        return StoredFrame(self._store, self._line, self.resource, manifest)

    def close(self) -> None:
        """Wait for the writes under way and stop the writer (an interrupted read leaves what
        it read saved); a write that failed is logged here, ``finish`` raises it."""
        try:
            self.flush()
        except Exception as error:  # the read's own error, if any, is the one raised
            logger.warning("%s: a checkpoint write failed: %s", self.resource, error)
        finally:
            if self._writer is not None:
                self._writer.shutdown(wait=True, cancel_futures=True)
                self._writer = None

    # -- internals -------------------------------------------------------------------------------

    def _submit(self, write: Callable[[], None]) -> None:
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkpoint")
        self._writes.append(self._writer.submit(write))
        while len(self._writes) > _WRITES_IN_FLIGHT or (self._writes and self._writes[0].done()):
            self._writes.popleft().result()  # a failed write fails the read here

    def flush(self) -> None:
        """Wait until every chunk completed so far is in the store (raises a failed write)."""
        while self._writes:
            self._writes.popleft().result()

    def _write_chunk(self, chunk: int, pages: list[pl.DataFrame], manifest: _Manifest) -> None:
        frame = pl.concat(pages, how="vertical", rechunk=False) if len(pages) > 1 else pages[0]
        del pages
        with frame_buffer(frame) as buffer:
            self._store.save_checkpoint(self._line, f"{self.resource}:{chunk}", buffer)
        self._write_manifest(manifest)

    def _write_manifest(self, manifest: _Manifest) -> None:
        self._store.save_checkpoint(self._line, self.resource, io.BytesIO(manifest.to_json()))

    def _held_identities(self) -> Iterable[tuple[int, Sequence[object]]]:
        manifest = self._manifest
        assert manifest is not None
        for chunk in sorted(manifest.chunks):
            uuids = _load_chunk(self._store, self._line, self.resource, chunk, manifest)["uuid"]
            for offset, number in enumerate(manifest.chunk_pages(chunk)):
                yield number, uuids.slice(offset * manifest.per_page, manifest.per_page).to_list()


def _fits(found: _Manifest, shape: ListingShape) -> bool:
    return (found.total, found.per_page, found.pages) == (shape.total, shape.per_page, shape.pages)


def _read_manifest(store: SnapshotStore, line: SnapshotLine, resource: str) -> _Manifest | None:
    data = store.load_checkpoint(line, resource)
    if data is None:
        return None
    try:
        return _Manifest.from_json(data)
    except (ValueError, KeyError, TypeError, orjson.JSONDecodeError) as error:
        logger.warning("ignoring an unreadable checkpoint of %s: %s", resource, error)
        return None


def _load_chunk(
    store: SnapshotStore, line: SnapshotLine, resource: str, chunk: int, manifest: _Manifest
) -> pl.DataFrame:
    data = store.load_checkpoint(line, f"{resource}:{chunk}")
    if data is None:
        raise SnapshotUnreadableError(f"{resource}: checkpoint chunk {chunk} is missing")
    try:
        frame = frame_from_bytes(data)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise SnapshotUnreadableError(f"{resource}: checkpoint chunk {chunk}: {error}") from error
    if frame.height != manifest.chunks[chunk] or frame.schema != RESOURCE_SCHEMAS[resource]:
        raise SnapshotUnreadableError(
            f"{resource}: checkpoint chunk {chunk} is not what its manifest says"
        )
    return frame


def _readable_chunks(
    store: SnapshotStore, line: SnapshotLine, resource: str, manifest: _Manifest
) -> dict[int, int]:
    """The manifest's chunks that are in the store and decode as recorded (the others: reread)."""
    readable = {}
    for chunk, rows in manifest.chunks.items():
        try:
            _load_chunk(store, line, resource, chunk, manifest)
        except SnapshotUnreadableError as error:
            logger.warning("%s; its pages are read again", error)
            continue
        readable[chunk] = rows
    return readable
