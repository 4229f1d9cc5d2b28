"""Typed errors raised by the metrics layer when its inputs cannot give an honest number."""

from __future__ import annotations

from collections.abc import Iterable


class MetricsError(Exception):
    """Base class of every error the metrics layer raises."""


class MissingColumnError(MetricsError, KeyError):
    """An input frame lacks columns a metric needs (``.columns`` lists them)."""

    def __init__(self, function: str, columns: Iterable[str], *, hint: str = "") -> None:
        self.function = function
        self.columns = tuple(columns)
        self.hint = hint
        message = f"{function} needs column(s) {', '.join(self.columns)}"
        super().__init__(f"{message}; {hint}" if hint else message)

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class InvalidCountError(MetricsError, ValueError):
    """A count pair is impossible (negative, or more successes than trials)."""


class InvalidOptionError(MetricsError, ValueError):
    """A keyword option is out of its allowed range (bin width, windows, pass mark...)."""


class InconsistentAggregateError(MetricsError, ValueError):
    """An aggregate handed to suppression does not add up (cells above their total, totals off)."""


class UnknownCheckError(MetricsError, KeyError):
    """``data_quality_rows`` was asked for a check that does not exist (``.known`` lists them)."""

    def __init__(self, check: str, known: Iterable[str]) -> None:
        self.check = check
        self.known = tuple(known)
        super().__init__(f"unknown data-quality check {check!r}; known: {', '.join(self.known)}")

    def __str__(self) -> str:
        return str(self.args[0])
