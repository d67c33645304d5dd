"""Exceptions raised by the bindings, one per libk8sc error code.

Each class also derives from the built-in exception a Python caller would
expect (``NotFound`` is a ``LookupError``, ``Invalid`` a ``ValueError``...),
so generic ``except`` clauses keep working.

The codes that mirror a Kubernetes API status reason (NotFound, Invalid,
Conflict...) derive from ``ApiError``. The client raises them with the
metav1.Status the server sent; local checks (a selector that does not
parse, a missing field) raise the same classes with ``status`` None.
"""

from __future__ import annotations

__all__ = [
    "K8scError", "ApiError", "OutOfMemory", "Invalid", "NotFound", "AlreadyExists",
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


class ApiError(K8scError):
    """A failure with a Kubernetes API meaning.

    ``status`` is the metav1.Status dict the server sent with the error
    (k8sc_client_last_status()), or None when there was none (a server that
    could not be reached, a local check). ``reason`` is the Status' reason,
    else the one the class stands for ("NotFound", "Invalid"...);
    ``http_status`` the Status' code; ``causes`` its details.causes (a list
    of dicts with "reason", "message" and "field"; empty when none).
    """

    default_reason = ""

    def __init__(self, message: str, code: int | None = None, status: dict | None = None):
        super().__init__(message, code)
        self.status = status

    @property
    def reason(self) -> str:
        if isinstance(self.status, dict) and self.status.get("reason"):
            return self.status["reason"]
        return self.default_reason

    @property
    def http_status(self) -> int | None:
        code = self.status.get("code") if isinstance(self.status, dict) else None
        return code if isinstance(code, int) else None

    @property
    def causes(self) -> list:
        details = self.status.get("details") if isinstance(self.status, dict) else None
        causes = details.get("causes") if isinstance(details, dict) else None
        return list(causes) if isinstance(causes, list) else []


class OutOfMemory(K8scError, MemoryError):
    code = -2


class Invalid(ApiError, ValueError):
    code = -3
    default_reason = "Invalid"


class NotFound(ApiError, LookupError):
    code = -4
    default_reason = "NotFound"


class AlreadyExists(ApiError):
    code = -5
    default_reason = "AlreadyExists"


class Conflict(ApiError):
    code = -6
    default_reason = "Conflict"


class Gone(ApiError):
    """Gone or Expired (a resourceVersion or continue token too old)."""
    code = -7
    default_reason = "Gone"


class Timeout(ApiError, TimeoutError):
    code = -8
    default_reason = "Timeout"


class Forbidden(ApiError, PermissionError):
    code = -9
    default_reason = "Forbidden"


class Unauthorized(ApiError, PermissionError):
    code = -10
    default_reason = "Unauthorized"


class TooManyRequests(ApiError):
    code = -11
    default_reason = "TooManyRequests"


class IOFailure(K8scError, OSError):
    code = -12


class Unavailable(ApiError, ConnectionError):
    code = -13
    default_reason = "ServiceUnavailable"


class Overflow(K8scError, OverflowError):
    code = -14


class LimitExceeded(K8scError):
    """K8SC_ERANGE: a size or depth limit was exceeded."""
    code = -15


_BY_CODE = {cls.code: cls for cls in (
    OutOfMemory, Invalid, NotFound, AlreadyExists, Conflict, Gone, Timeout,
    Forbidden, Unauthorized, TooManyRequests, IOFailure, Unavailable,
    Overflow, LimitExceeded)}


def error_for_code(code: int, message: str, status: dict | None = None) -> K8scError:
    """The exception for a libk8sc error code (K8scError for unknown codes).
    With a server's `status`, the class is always an ApiError (ApiError
    itself for a code that has no class of its own, e.g. InternalError)."""
    cls = _BY_CODE.get(code, K8scError)
    if status is None:
        return cls(message, code)
    if not issubclass(cls, ApiError):
        cls = ApiError
    return cls(message, code, status)
