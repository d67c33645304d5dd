"""YAML with kubectl's typing, to and from Python values."""

from __future__ import annotations

from ctypes import byref, c_void_p

from . import _lib
from ._lib import C, check, raw

__all__ = ["load_yaml", "dump_yaml"]


def load_yaml(text):
    """Parse one YAML (or JSON) document into Python values, typed as kubectl
    types manifests (YAML 1.1 booleans such as `yes`, octal `0o17`, `1.0` as 1).
    An empty document is None; several non-empty documents are Invalid."""
    data = raw(text)
    tree = c_void_p()
    check(C.k8sc_yaml_parse(byref(tree), data, len(data)))
    try:
        return _lib.json_to_python(tree)
    finally:
        _lib.json_put(tree)


def dump_yaml(value, sort_keys: bool = False, k8s_order: bool = False) -> str:
    """Serialize a JSON-compatible value as `kubectl -o yaml` prints it."""
    flags = ((_lib.ENCODE_SORT_KEYS if sort_keys else 0) |
             (_lib.ENCODE_K8S_ORDER if k8s_order else 0))
    tree = _lib.json_parse_owned(value)
    try:
        return _lib.call_encode(C.k8sc_yaml_encode, tree, flags)
    finally:
        _lib.json_put(tree)
