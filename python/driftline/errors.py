"""Exceptions raised by driftline.

Every error driftline raises on purpose derives from :class:`DriftlineError`; errors about bad
input also derive from :class:`ValueError`, so code written for scipy keeps working.
"""

from __future__ import annotations

__all__ = [
    "DriftlineError",
    "InvalidInputError",
    "EmptyInputError",
    "LengthMismatchError",
    "InvalidCountError",
    "InvalidArgumentError",
    "InternalError",
    "OutOfMemoryError",
    "BadRecordError",
]


class DriftlineError(Exception):
    """Base class of driftline's exceptions."""


class InvalidInputError(DriftlineError, ValueError):
    """The input cannot be used as given."""


class EmptyInputError(InvalidInputError):
    """An input that needs at least one non-missing value has none."""


class LengthMismatchError(InvalidInputError):
    """Two inputs that must have the same length do not."""


class InvalidCountError(InvalidInputError):
    """A count or weight is negative, NaN or infinite."""


class InvalidArgumentError(InvalidInputError):
    """An argument has a wrong value, dtype or shape."""


class InternalError(DriftlineError, RuntimeError):
    """A bug in driftline's core (a Rust panic, caught before it reached Python)."""


class OutOfMemoryError(DriftlineError, MemoryError):
    """An allocation sized by an argument (bins, categories, ...) failed; the message names the
    argument. A ``MemoryError`` too, as numpy raises in the same place."""


# Kept beside the class that needs it (type checking only: no import of driftline.io at run time).
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from driftline.io.records import BadRecords


class BadRecordError(InvalidInputError):
    """Input records could not be read (truncated JSON, wrong field count, undecodable payload,
    bad time, wrong layout) and the caller asked to fail on them.

    Raised after the whole input was scanned, so :attr:`report` counts every bad record; the
    message names the first one's file, line and kind.
    """

    def __init__(self, report: BadRecords) -> None:
        self.report = report
        super().__init__(
            f"{report.summary()} To read the good records and report these, skip them with "
            "on_bad_record='skip' (CLI: --on-bad-record skip)."
        )
