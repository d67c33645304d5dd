"""Resource quantities (resource.Quantity) and pod resource sums."""

from __future__ import annotations

import ctypes
from ctypes import byref, c_char_p, c_int64, c_void_p

from ._lib import C, QuantityStruct, check, dec, enc
from .errors import Invalid

__all__ = ["Quantity", "pod_requests", "pod_limits"]

_FORMATS = {"DecimalSI": 0, "BinarySI": 1, "DecimalExponent": 2}
_FORMAT_NAMES = {v: k for k, v in _FORMATS.items()}
_BUFSIZE = 48  # K8SC_QUANTITY_BUFSIZE


def _format_code(fmt) -> int:
    if isinstance(fmt, int) and not isinstance(fmt, bool) and fmt in _FORMAT_NAMES:
        return fmt
    try:
        return _FORMATS[fmt]
    except (KeyError, TypeError):
        raise Invalid("unknown quantity format %r (want one of %s)"
                      % (fmt, ", ".join(_FORMATS))) from None


class Quantity:
    """An exact resource quantity such as "500m", "1.5Gi" or "2e3".

    Quantity(str) parses as resource.ParseQuantity does (Invalid names the
    problem); Quantity(int) is a DecimalSI whole number. str() gives the
    canonical form, comparisons and hashing go by value ("1Ki" == "1024"),
    and + / - keep the left operand's format.
    """

    __slots__ = ("_q",)

    def __init__(self, value="0"):
        if isinstance(value, Quantity):
            self._q = QuantityStruct(value._q.value, value._q.scale, value._q.format)
        elif isinstance(value, str):
            self._q = QuantityStruct()
            check(C.k8sc_quantity_parse(byref(self._q), enc(value, "quantity")))
        elif isinstance(value, int) and not isinstance(value, bool):
            # Through the parser, so out-of-range values behave as in Kubernetes.
            self._q = QuantityStruct()
            check(C.k8sc_quantity_parse(byref(self._q), str(value).encode()))
        else:
            raise TypeError("Quantity needs a str, int or Quantity, not %s" % type(value).__name__)

    @classmethod
    def _wrap(cls, q: QuantityStruct) -> "Quantity":
        self = cls.__new__(cls)
        self._q = q
        return self

    @classmethod
    def from_milli(cls, milli: int, format: str = "DecimalSI") -> "Quantity":
        """A quantity of `milli` thousandths, e.g. from_milli(1500) is "1500m"."""
        return cls._wrap(C.k8sc_quantity_from_milli(milli, _format_code(format)))

    @classmethod
    def from_int(cls, value: int, format: str = "DecimalSI") -> "Quantity":
        """A whole quantity, e.g. from_int(1 << 30, "BinarySI") is "1Gi"."""
        return cls._wrap(C.k8sc_quantity_from_int(value, _format_code(format)))

    @property
    def format(self) -> str:
        """"DecimalSI", "BinarySI" or "DecimalExponent"."""
        return _FORMAT_NAMES.get(self._q.format, "DecimalExponent")

    @property
    def milli(self) -> int:
        """The value in thousandths, rounded up (MilliValue). Overflow if out of int64."""
        out = c_int64()
        check(C.k8sc_quantity_milli(byref(self._q), byref(out)))
        return out.value

    @property
    def value(self) -> int:
        """The value as an integer, rounded up (Value()). Overflow if out of int64."""
        out = c_int64()
        check(C.k8sc_quantity_int(byref(self._q), byref(out)))
        return out.value

    def __int__(self) -> int:
        return self.value

    @property
    def sign(self) -> int:
        return C.k8sc_quantity_sign(byref(self._q))

    def __bool__(self) -> bool:
        return self.sign != 0

    def __str__(self) -> str:
        buf = ctypes.create_string_buffer(_BUFSIZE)
        check(C.k8sc_quantity_format_to(buf, _BUFSIZE, byref(self._q)))
        return dec(buf.value)

    def __repr__(self) -> str:
        return "Quantity(%r)" % str(self)

    @staticmethod
    def _coerce(other):
        if isinstance(other, Quantity):
            return other
        if isinstance(other, (str, int)) and not isinstance(other, bool):
            try:
                return Quantity(other)
            except Invalid:
                return None
        return None

    def _cmp(self, other):
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return C.k8sc_quantity_cmp(byref(self._q), byref(o._q))

    def __eq__(self, other):
        c = self._cmp(other)
        return c if c is NotImplemented else c == 0

    def __ne__(self, other):
        c = self._cmp(other)
        return c if c is NotImplemented else c != 0

    def __lt__(self, other):
        c = self._cmp(other)
        return c if c is NotImplemented else c < 0

    def __le__(self, other):
        c = self._cmp(other)
        return c if c is NotImplemented else c <= 0

    def __gt__(self, other):
        c = self._cmp(other)
        return c if c is NotImplemented else c > 0

    def __ge__(self, other):
        c = self._cmp(other)
        return c if c is NotImplemented else c >= 0

    def __hash__(self) -> int:
        # Equal values must hash alike whatever their scale or format.
        v, s = self._q.value, self._q.scale
        if v == 0:
            s = 0
        else:
            while v % 10 == 0:
                v //= 10
                s += 1
        return hash((v, s))

    def _arith(self, fn, a: "Quantity", b: "Quantity") -> "Quantity":
        out = QuantityStruct()
        check(fn(byref(out), byref(a._q), byref(b._q)))
        return Quantity._wrap(out)

    def __add__(self, other):
        o = self._coerce(other)
        return NotImplemented if o is None else self._arith(C.k8sc_quantity_add, self, o)

    def __radd__(self, other):
        o = self._coerce(other)
        return NotImplemented if o is None else self._arith(C.k8sc_quantity_add, o, self)

    def __sub__(self, other):
        o = self._coerce(other)
        return NotImplemented if o is None else self._arith(C.k8sc_quantity_sub, self, o)

    def __rsub__(self, other):
        o = self._coerce(other)
        return NotImplemented if o is None else self._arith(C.k8sc_quantity_sub, o, self)

    def __neg__(self) -> "Quantity":
        zero = Quantity._wrap(QuantityStruct(0, 0, self._q.format))
        return self._arith(C.k8sc_quantity_sub, zero, self)

    def __pos__(self) -> "Quantity":
        return Quantity(self)

    def __reduce__(self):
        return (Quantity, (str(self),))


def _resources(fn, obj) -> dict:
    from .objects import Object
    if not isinstance(obj, Object):
        raise TypeError("expected a k8sc.Object, not %s" % type(obj).__name__)
    res = c_void_p()
    check(fn(byref(res), obj._handle))
    try:
        out = {}
        name = c_char_p()
        for i in range(C.k8sc_resources_count(res)):
            q = QuantityStruct()
            check(C.k8sc_resources_at(res, i, byref(name), byref(q)))
            out[dec(name.value)] = Quantity._wrap(q)
        return out
    finally:
        C.k8sc_resources_free(res)


def pod_requests(pod) -> dict:
    """The pod's effective requests as the scheduler counts them (containers
    summed, raised to each init container, sidecars added, plus overhead),
    by resource name. Works for Pods and for workloads with a pod template."""
    return _resources(C.k8sc_pod_requests, pod)


def pod_limits(pod) -> dict:
    """Like pod_requests, for resources.limits."""
    return _resources(C.k8sc_pod_limits, pod)
