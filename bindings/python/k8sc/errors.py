"""Exceptions raised by the bindings, one per libk8sc error code.

Each class also derives from the built-in exception a Python caller would
expect (``NotFound`` is a ``LookupError``, ``Invalid`` a ``ValueError``...),
so generic ``except`` clauses keep working.
"""

from __future__ import annotations

__all__ = [
    "K8scError", "OutOfMemory", "Invalid", "NotFound", "AlreadyExists",
    "Conflict", "Gone", "Timeout", "Forbidden", "Unauthorized",
    "TooManyRequests", "IOFailure", "Unavailable", "Overflow",
    "LimitExceeded", "error_for_code",
]


class K8scError(Exception):
    """A libk8sc failure: ``code`` is the negative K8SC_E* value and
    ``message`` the text of k8sc_error_last() for the failing call."""

    code = -1

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class OutOfMemory(K8scError, MemoryError):
    code = -2


class Invalid(K8scError, ValueError):
    code = -3


class NotFound(K8scError, LookupError):
    code = -4


class AlreadyExists(K8scError):
    code = -5


class Conflict(K8scError):
    code = -6


class Gone(K8scError):
    code = -7


class Timeout(K8scError, TimeoutError):
    code = -8


class Forbidden(K8scError, PermissionError):
    code = -9


class Unauthorized(K8scError, PermissionError):
    code = -10


class TooManyRequests(K8scError):
    code = -11


class IOFailure(K8scError, OSError):
    code = -12


class Unavailable(K8scError, ConnectionError):
    code = -13


class Overflow(K8scError, OverflowError):
    code = -14


class LimitExceeded(K8scError):
    """K8SC_ERANGE: a size or depth limit was exceeded."""
    code = -15


_BY_CODE = {cls.code: cls for cls in (
    OutOfMemory, Invalid, NotFound, AlreadyExists, Conflict, Gone, Timeout,
    Forbidden, Unauthorized, TooManyRequests, IOFailure, Unavailable,
    Overflow, LimitExceeded)}


def error_for_code(code: int, message: str) -> K8scError:
    """The exception for a libk8sc error code (K8scError for unknown codes)."""
    cls = _BY_CODE.get(code, K8scError)
    return cls(message, code)
