"""Label selectors (labels.Selector) and field selectors (fields.Selector)."""

from __future__ import annotations

import ctypes
from collections import namedtuple
from collections.abc import Mapping
from ctypes import POINTER, byref, c_char_p, c_int, c_size_t, c_void_p

from . import _lib
from ._lib import C, Handle, LOOKUP_FN, check, dec, enc, last_error

__all__ = ["Selector", "FieldSelector", "Requirement", "FieldTerm"]

# selection.Operator spellings, indexed by k8sc_selector_op.
_OPS = ("=", "!=", "in", "notin", "exists", "!", "gt", "lt")

Requirement = namedtuple("Requirement", "key operator values")
Requirement.__doc__ = "One requirement of a label selector; operator as selection.Operator spells it."
FieldTerm = namedtuple("FieldTerm", "field operator value")
FieldTerm.__doc__ = "One term of a field selector; operator is '=' or '!='."


def _lookup(values: Mapping):
    """A k8sc_lookup_fn over a str -> str mapping. Returns the callback and
    the buffers it points into; both must stay alive during the C call."""
    if not isinstance(values, Mapping):
        raise TypeError("expected a mapping of str to str, not %s" % type(values).__name__)
    bufs = {}
    for k, v in values.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError("selector input maps str to str, got %r: %r" % (k, v))
        bufs[enc(k, "key")] = ctypes.create_string_buffer(enc(v, "value"))

    def get(key, _userdata):
        buf = bufs.get(key)
        return None if buf is None else ctypes.addressof(buf)

    return LOOKUP_FN(get), bufs


def _from_json_tree(fn, value):
    """Call fn(out, tree) with a temporary json-c tree built from `value`."""
    tree = None if value is None else _lib.json_parse_owned(value)
    try:
        out = c_void_p()
        rc = fn(byref(out), tree)
        if rc < 0:
            raise last_error(rc)
        return out.value
    finally:
        _lib.json_put(tree)


class Selector(Handle):
    """A label selector: Selector("app=web,tier in (a,b),!canary").

    Parsing follows labels.Parse; a syntax error raises Invalid naming the
    position. str() is the canonical form (requirements sorted by key).
    """

    __slots__ = ()
    _free_fn = staticmethod(C.k8sc_selector_free)
    _what = "selector"

    def __init__(self, text: str = ""):
        out = c_void_p()
        check(C.k8sc_selector_parse(byref(out), enc(text, "selector")))
        self._h = out.value

    @classmethod
    def from_labelselector(cls, label_selector) -> "Selector":
        """Convert a metav1.LabelSelector dict ({"matchLabels": ...,
        "matchExpressions": [...]}) as LabelSelectorAsSelector does:
        None selects nothing, {} selects everything."""
        if label_selector is not None and not isinstance(label_selector, Mapping):
            raise TypeError("a LabelSelector is a mapping or None")
        return cls._adopt(_from_json_tree(C.k8sc_selector_from_json, label_selector))

    @classmethod
    def from_set(cls, labels: Mapping | None) -> "Selector":
        """An equality selector from a label map (labels.SelectorFromSet)."""
        if labels is not None and not isinstance(labels, Mapping):
            raise TypeError("a label set is a mapping or None")
        return cls._adopt(_from_json_tree(C.k8sc_selector_from_map, labels))

    @classmethod
    def everything(cls) -> "Selector":
        out = c_void_p()
        check(C.k8sc_selector_everything(byref(out)))
        return cls._adopt(out.value)

    @classmethod
    def nothing(cls) -> "Selector":
        out = c_void_p()
        check(C.k8sc_selector_nothing(byref(out)))
        return cls._adopt(out.value)

    def matches(self, labels) -> bool:
        """True if a label dict (None: no labels) or an Object's labels match."""
        from .objects import Object
        if isinstance(labels, Object):
            return bool(C.k8sc_selector_matches_object(self._handle, labels._handle))
        fn, _bufs = _lookup({} if labels is None else labels)
        return bool(C.k8sc_selector_matches(self._handle, fn, None))

    __call__ = matches

    @property
    def is_everything(self) -> bool:
        return bool(C.k8sc_selector_is_everything(self._handle))

    @property
    def requirements(self) -> list:
        """The requirements as Requirement(key, operator, values) tuples."""
        h = self._handle
        reqs = []
        key = c_char_p()
        op = c_int()
        values = POINTER(c_char_p)()
        n = c_size_t()
        for i in range(C.k8sc_selector_count(h)):
            check(C.k8sc_selector_requirement(h, i, byref(key), byref(op), byref(values), byref(n)))
            reqs.append(Requirement(dec(key.value), _OPS[op.value],
                                    tuple(dec(values[j]) for j in range(n.value))))
        return reqs

    def __str__(self) -> str:
        return _lib.call_string(C.k8sc_selector_to_string, self._handle)

    def __repr__(self) -> str:
        return "<k8sc.Selector (closed)>" if self.closed else "Selector(%r)" % str(self)


class FieldSelector(Handle):
    """A field selector: FieldSelector("metadata.name=web,status.phase!=Running").

    Parsing follows fields.ParseSelector ('\\' escapes ',', '=' and '\\' in
    values); errors raise Invalid naming the position.
    """

    __slots__ = ()
    _free_fn = staticmethod(C.k8sc_field_selector_free)
    _what = "field selector"

    def __init__(self, text: str = ""):
        out = c_void_p()
        check(C.k8sc_field_selector_parse(byref(out), enc(text, "field selector")))
        self._h = out.value

    def matches(self, fields: Mapping) -> bool:
        """True if a dict of field values ({"metadata.name": "web"}) matches;
        an absent field reads as ""."""
        fn, _bufs = _lookup(fields)
        return bool(C.k8sc_field_selector_matches(self._handle, fn, None))

    __call__ = matches

    def exact(self, field: str) -> str | None:
        """The value `field` must equal, if the selector pins it to one; else None."""
        return dec(C.k8sc_field_selector_exact(self._handle, enc(field, "field")))

    @property
    def is_everything(self) -> bool:
        return bool(C.k8sc_field_selector_is_everything(self._handle))

    @property
    def terms(self) -> list:
        """The terms as FieldTerm(field, operator, value) tuples."""
        h = self._handle
        terms = []
        field = c_char_p()
        op = c_int()
        value = c_char_p()
        for i in range(C.k8sc_field_selector_count(h)):
            check(C.k8sc_field_selector_term(h, i, byref(field), byref(op), byref(value)))
            terms.append(FieldTerm(dec(field.value), _OPS[op.value], dec(value.value)))
        return terms

    def __str__(self) -> str:
        return _lib.call_string(C.k8sc_field_selector_to_string, self._handle)

    def __repr__(self) -> str:
        return "<k8sc.FieldSelector (closed)>" if self.closed else "FieldSelector(%r)" % str(self)
