"""Python bindings for libk8sc, a ctypes layer over its public C API.

The library is found through the K8SC_LIBRARY environment variable (a path
to libk8sc.so), else the system's library search path.
"""

from __future__ import annotations

from ._lib import C as _C, LIBRARY_PATH, dec as _dec
from .client import Client, Watch, WatchEvent
from .codec import dump_yaml, load_yaml
from .controller import Controller, Request
from .errors import (AlreadyExists, ApiError, Conflict, Forbidden, Gone, Invalid,
                     IOFailure, K8scError, LimitExceeded, NotFound,
                     OutOfMemory, Overflow, Timeout, TooManyRequests,
                     Unauthorized, Unavailable)
from .objects import MetaMap, Object, decode_manifests
from .quantity import Quantity, pod_limits, pod_requests
from .registry import Registry, ResourceInfo, lookup
from .scheduler import Scheduler
from .selectors import FieldSelector, FieldTerm, Requirement, Selector
from .validation import (FieldError, NameRule, validate_annotations,
                         validate_dns1035_label, validate_dns1123_label,
                         validate_dns1123_subdomain, validate_label_value,
                         validate_labels, validate_object_meta,
                         validate_qualified_name)

__all__ = [
    "version", "LIBRARY_PATH",
    "K8scError", "ApiError", "OutOfMemory", "Invalid", "NotFound", "AlreadyExists",
    "Conflict", "Gone", "Timeout", "Forbidden", "Unauthorized",
    "TooManyRequests", "IOFailure", "Unavailable", "Overflow", "LimitExceeded",
    "Object", "MetaMap", "decode_manifests", "load_yaml", "dump_yaml",
    "Quantity", "pod_requests", "pod_limits",
    "Registry", "ResourceInfo", "lookup",
    "Selector", "FieldSelector", "Requirement", "FieldTerm",
    "FieldError", "NameRule", "validate_dns1123_label",
    "validate_dns1123_subdomain", "validate_dns1035_label",
    "validate_qualified_name", "validate_label_value", "validate_labels",
    "validate_annotations", "validate_object_meta",
    "Client", "Watch", "WatchEvent",
    "Controller", "Request",
    "Scheduler",
]


def version() -> str:
    """The loaded libk8sc's run-time version, e.g. "0.1.0"."""
    return _dec(_C.k8sc_version())
