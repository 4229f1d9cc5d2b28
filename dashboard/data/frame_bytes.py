"""A snapshot frame's bytes: lz4-compressed Arrow IPC (schema included; never pickle), written
from a frame or streamed from the chunks of one, spilling to a temporary file when large."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from typing import IO, Final, Protocol, TypeAlias

import polars as pl
from polars.io.plugins import register_io_source

__all__ = [
    "FrameChunks",
    "PublishedFrame",
    "SnapshotUnreadableError",
    "frame_buffer",
    "frame_from_bytes",
    "frame_to_bytes",
]


class SnapshotUnreadableError(Exception):
    """A snapshot's frame is missing or does not decode (the store was damaged or pruned)."""


class FrameChunks(Protocol):
    """A frame that is not in memory, read one chunk at a time (a sync's checkpoint).

    A store publishes it by writing its chunks one after another into the snapshot's frame, so
    no more than one chunk is ever held; ``height`` and ``schema`` must be what they add up to.
    """

    @property
    def height(self) -> int: ...

    @property
    def schema(self) -> pl.Schema: ...

    def chunks(self) -> Iterator[pl.DataFrame]: ...


PublishedFrame: TypeAlias = pl.DataFrame | FrameChunks
"""What a store publishes for a resource: a frame, or the chunks of one."""


# A frame's bytes beyond this size go to a temporary file, not memory, on their way to a store.
_SPOOL_BYTES: Final = 8 * 2**20


def frame_to_bytes(frame: PublishedFrame) -> bytes:
    """A frame as lz4-compressed Arrow IPC bytes (schema included; no pickle anywhere)."""
    with frame_buffer(frame) as buffer:
        return buffer.read()


def frame_buffer(frame: PublishedFrame, *, head: bytes = b"") -> IO[bytes]:
    """``head`` then the frame's Arrow IPC bytes, rewound, as a file to hand to a store.

    Large frames spill to a temporary file: the compressed bytes of a 1M-row frame (~120 MB)
    then never sit in memory beside the frame itself while a store copies them in. The chunks of
    a ``FrameChunks`` are streamed into one IPC file, one chunk in memory at a time.
    """
    buffer = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - returned
    try:
        buffer.write(head)
        if isinstance(frame, pl.DataFrame):
            frame.write_ipc(buffer, compression="lz4")
        else:
            _write_chunks(frame, buffer)
        buffer.seek(0)
    except BaseException:
        buffer.close()
        raise
    return buffer


def _write_chunks(frame: FrameChunks, buffer: IO[bytes]) -> None:
    """The chunks of ``frame`` as one lz4 Arrow IPC file, through polars' streaming sink."""
    schema = frame.schema
    written = 0

    def chunks(*_: object) -> Iterator[pl.DataFrame]:
        nonlocal written
        for chunk in frame.chunks():
            if chunk.schema != schema:
                raise SnapshotUnreadableError(f"a chunk's schema {chunk.schema} is not {schema}")
            written += chunk.height
            yield chunk

    register_io_source(chunks, schema=schema).sink_ipc(buffer, compression="lz4")
    if written != frame.height:
        raise SnapshotUnreadableError(f"the chunks held {written} rows, expected {frame.height}")


def frame_from_bytes(data: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(data))
