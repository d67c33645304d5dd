"""Kubernetes validation rules, reporting errors in Kubernetes' own words.

Every validator returns a list of FieldError, which are str (the message
exactly as Kubernetes prints it, e.g. 'metadata.name: Invalid value:
"Bad": a lowercase RFC 1123 subdomain must ...') carrying the parts as
attributes. An empty list means valid.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from ctypes import byref, c_void_p

from . import _lib
from ._lib import C, FieldErrorStruct, check, dec, enc, last_error

__all__ = [
    "FieldError", "NameRule", "validate_dns1123_label", "validate_dns1123_subdomain",
    "validate_dns1035_label", "validate_qualified_name", "validate_label_value",
    "validate_labels", "validate_annotations", "validate_object_meta",
]

# Indexed by k8sc_field_error_type; the words are field.ErrorType's.
_TYPES = ("FieldValueNotFound", "FieldValueRequired", "FieldValueDuplicate",
          "FieldValueInvalid", "FieldValueNotSupported", "FieldValueForbidden",
          "FieldValueTooLong", "FieldValueTooMany", "InternalError",
          "FieldValueTypeInvalid")


class NameRule(enum.IntEnum):
    """Which rule metadata.name must follow (k8sc_name_rule)."""
    DNS1123_SUBDOMAIN = 0
    DNS1123_LABEL = 1
    DNS1035_LABEL = 2
    PATH_SEGMENT = 3


_RULE_NAMES = {
    "dns1123-subdomain": NameRule.DNS1123_SUBDOMAIN,
    "dns1123-label": NameRule.DNS1123_LABEL,
    "dns1035-label": NameRule.DNS1035_LABEL,
    "path-segment": NameRule.PATH_SEGMENT,
}


class FieldError(str):
    """One validation error: the full message as a str, plus `type` (a
    field.ErrorType name such as "FieldValueInvalid"), `field`, `bad_value`
    (as Kubernetes quotes it, or None) and `detail`."""

    type: str
    field: str
    bad_value: "str | None"
    detail: str


class _Errors:
    """A k8sc_field_errors list for the duration of one validation."""

    def __enter__(self):
        out = c_void_p()
        check(C.k8sc_field_errors_new(byref(out)))
        self.h = out.value
        return self

    def __exit__(self, *exc):
        C.k8sc_field_errors_free(self.h)

    def collect(self, rc: int) -> list:
        if rc < 0:
            raise last_error(rc)
        errors = []
        item = FieldErrorStruct()
        out = c_void_p()
        for i in range(C.k8sc_field_errors_count(self.h)):
            check(C.k8sc_field_errors_at(self.h, i, byref(item)))
            check(C.k8sc_field_error_to_string(byref(out), byref(item)))
            e = FieldError(_lib.take_string(out))
            e.type = _TYPES[item.type] if 0 <= item.type < len(_TYPES) else str(item.type)
            e.field = dec(item.field)
            e.bad_value = dec(item.bad_value)
            e.detail = dec(item.detail)
            errors.append(e)
        return errors


def _named(validate, name: str, doc: str):
    validate.__name__ = validate.__qualname__ = name
    validate.__doc__ = doc
    return validate


def _string_validator(name: str, fn, default_field: str, doc: str):
    def validate(value: str, field: str = default_field) -> list:
        with _Errors() as errs:
            return errs.collect(fn(errs.h, enc(field, "field"), enc(value, "value")))
    return _named(validate, name, doc)


validate_dns1123_label = _string_validator(
    "validate_dns1123_label", C.k8sc_validate_dns1123_label, "metadata.name",
    "Errors if `value` is not a DNS-1123 label (IsDNS1123Label).")
validate_dns1123_subdomain = _string_validator(
    "validate_dns1123_subdomain", C.k8sc_validate_dns1123_subdomain, "metadata.name",
    "Errors if `value` is not a DNS-1123 subdomain (IsDNS1123Subdomain).")
validate_dns1035_label = _string_validator(
    "validate_dns1035_label", C.k8sc_validate_dns1035_label, "metadata.name",
    "Errors if `value` is not a DNS-1035 label (IsDNS1035Label).")
validate_qualified_name = _string_validator(
    "validate_qualified_name", C.k8sc_validate_qualified_name, "metadata.labels",
    "Errors if `value` is not a qualified name ([prefix/]name), as label keys are.")
validate_label_value = _string_validator(
    "validate_label_value", C.k8sc_validate_label_value, "metadata.labels",
    "Errors if `value` is not a valid label value.")


def _map_validator(name: str, fn, default_field: str, doc: str):
    def validate(values: Mapping, field: str = default_field) -> list:
        if not isinstance(values, Mapping):
            raise TypeError("expected a mapping, not %s" % type(values).__name__)
        tree = _lib.json_parse_owned(dict(values))
        try:
            with _Errors() as errs:
                return errs.collect(fn(errs.h, enc(field, "field"), tree))
        finally:
            _lib.json_put(tree)
    return _named(validate, name, doc)


validate_labels = _map_validator(
    "validate_labels", C.k8sc_validate_labels, "metadata.labels",
    "Errors for a labels map: qualified-name keys, label values.")
validate_annotations = _map_validator(
    "validate_annotations", C.k8sc_validate_annotations, "metadata.annotations",
    "Errors for an annotations map: qualified-name keys (lower-cased), 256 KiB in total.")


def validate_object_meta(obj, namespaced: bool, rule="dns1123-subdomain") -> list:
    """ValidateObjectMeta for an Object: name (under `rule`, a NameRule or
    one of "dns1123-subdomain", "dns1123-label", "dns1035-label",
    "path-segment"), namespace iff `namespaced`, labels, annotations, owner
    references, finalizers and managedFields."""
    from .objects import Object
    if not isinstance(obj, Object):
        raise TypeError("expected a k8sc.Object, not %s" % type(obj).__name__)
    if isinstance(rule, str):
        try:
            rule = _RULE_NAMES[rule]
        except KeyError:
            raise _lib.error_for_code(-3, "unknown name rule %r (want one of %s)"
                                      % (rule, ", ".join(_RULE_NAMES))) from None
    rule = NameRule(rule)
    with _Errors() as errs:
        return errs.collect(C.k8sc_validate_object_meta(errs.h, obj._handle, bool(namespaced), int(rule)))
