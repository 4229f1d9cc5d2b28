"""Single-flight: concurrent callers asking for the same key share one call and its outcome.

Streamlit reruns and sessions are threads of one process; without this, ten browser tabs opening
at once would start ten full syncs of the same extract.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["SingleFlight"]

T = TypeVar("T")


@dataclass
class _Call(Generic[T]):
    done: threading.Event = field(default_factory=threading.Event)
    result: T | None = None
    error: BaseException | None = None
    followers: int = 0


class SingleFlight(Generic[T]):
    """Run at most one call per key at a time; callers arriving meanwhile wait and share it.

    A caller that arrives after the call finished starts a new one: results are not kept.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[Hashable, _Call[T]] = {}

    def run(self, key: Hashable, call: Callable[[], T]) -> tuple[T, bool]:
        """``call()``'s result (or exception) and whether it was shared from another caller."""
        with self._lock:
            running = self._calls.get(key)
            if running is None:
                mine: _Call[T] = _Call()
                self._calls[key] = mine
            else:
                running.followers += 1
        if running is not None:
            running.done.wait()
            if running.error is not None:
                raise running.error
            return running.result, True  # type: ignore[return-value]
        try:
            mine.result = call()
        except BaseException as error:
            mine.error = error
            raise
        finally:
            with self._lock:
                del self._calls[key]
            mine.done.set()
        return mine.result, False

    def in_flight(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._calls

    def followers(self, key: Hashable) -> int:
        """Callers waiting on the running call for ``key`` (0 when none runs)."""
        with self._lock:
            running = self._calls.get(key)
            return 0 if running is None else running.followers
