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
