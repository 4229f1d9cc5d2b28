"""A progress bar for syncs in a terminal or a notebook (``tqdm.auto``), as a progress callback."""

from __future__ import annotations

from types import TracebackType
from typing import IO, Any

from tqdm.auto import tqdm

__all__ = ["PageProgress", "page_progress"]


class PageProgress:
    """``progress(pages_done, pages_total)`` drawn as a tqdm bar; use it as a context manager.

    The bar appears with the first call (a cache hit draws nothing) and is closed on exit.
    """

    def __init__(
        self, *, description: str, file: IO[str] | None = None, disable: bool | None = False
    ) -> None:
        self.description = description
        self._file = file
        self._disable = disable
        self._bar: Any = None

    def __call__(self, pages_done: int, pages_total: int) -> None:
        if self._bar is None:
            self._bar = tqdm(
                total=pages_total,
                desc=self.description,
                unit="page",
                file=self._file,
                disable=self._disable,
                leave=True,
            )
        elif self._bar.total != pages_total:
            self._bar.total = pages_total
        self._bar.update(pages_done - self._bar.n)

    @property
    def pages_done(self) -> int:
        return 0 if self._bar is None else int(self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> PageProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def page_progress(
    description: str = "sync", *, file: IO[str] | None = None, disable: bool | None = False
) -> PageProgress:
    """A progress callback for ``load_enrollments(progress=...)`` showing a bar of pages.

    Examples
    --------
    >>> with page_progress("enrollments") as progress:  # doctest: +SKIP
    ...     extract = load_enrollments(settings, progress=progress)
    """
    return PageProgress(description=description, file=file, disable=disable)
