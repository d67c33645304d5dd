"""Loading libk8sc and declaring the C prototypes the bindings call.

Only the public API of include/k8sc/{core,object,codec,client,controller}.h
is used, plus json-c's json_object_put: the headers hand some JSON trees to
the caller "to free with json_object_put", so that function is part of the
contract.
It is resolved through libk8sc's own handle, which makes it the very json-c
instance libk8sc allocates from.

Handles are opaque (c_void_p). The only struct layouts mirrored here are
the plain ones the headers publish for that purpose: k8sc_quantity,
k8sc_owner_ref, k8sc_field_error, k8sc_reconcile_result and the versioned
options structs of client.h and controller.h (made by new_options(): filled
by their _init() function, which checks the version, inside a zeroed
allocation larger than the mirrored layout, so that fields a newer library
appended keep the defaults it gives them).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
from ctypes import (POINTER, Structure, byref, c_bool, c_char_p, c_int,
                    c_int32, c_int64, c_long, c_size_t, c_uint, c_void_p)

from .errors import K8scError, error_for_code

_HANDLE = c_void_p
_STR = c_char_p            # borrowed C string in, or bytes out (copied by ctypes)
_OUT_STR = POINTER(c_void_p)  # char **out, freed with k8sc_free
_OUT_HANDLE = POINTER(c_void_p)


class QuantityStruct(Structure):
    """k8sc_quantity: value * 10^scale, printed in `format`."""
    _fields_ = [("value", c_int64), ("scale", c_int32), ("format", c_int32)]


class OwnerRefStruct(Structure):
    """k8sc_owner_ref (strings borrowed from the object when filled by C)."""
    _fields_ = [
        ("api_version", c_char_p),
        ("kind", c_char_p),
        ("name", c_char_p),
        ("uid", c_char_p),
        ("controller", c_bool),
        ("block_owner_deletion", c_bool),
    ]


class FieldErrorStruct(Structure):
    """k8sc_field_error (strings borrowed from the list)."""
    _fields_ = [
        ("type", c_int),
        ("field", c_char_p),
        ("bad_value", c_char_p),
        ("detail", c_char_p),
    ]


class KubeconfigOverridesStruct(Structure):
    """k8sc_kubeconfig_overrides (K8SC_KUBECONFIG_OVERRIDES_VERSION 1)."""
    VERSION = 1
    _fields_ = [
        ("version", c_uint),
        ("context", c_char_p),
        ("cluster", c_char_p),
        ("user", c_char_p),
        ("namespace_", c_char_p),
        ("server", c_char_p),
    ]


class ClientOptionsStruct(Structure):
    """k8sc_client_options (K8SC_CLIENT_OPTIONS_VERSION 2)."""
    VERSION = 2
    _fields_ = [
        ("version", c_uint),
        ("config", c_void_p),
        ("kubeconfig", c_char_p),
        ("overrides", KubeconfigOverridesStruct),
        ("user_agent", c_char_p),
        ("timeout_ms", c_long),
        ("max_retries", c_int),
        ("max_retry_wait_ms", c_long),
        ("registry", c_void_p),
        ("apiserver", c_void_p),
    ]


class ListOptionsStruct(Structure):
    """k8sc_list_options (K8SC_LIST_OPTIONS_VERSION 1)."""
    VERSION = 1
    _fields_ = [
        ("version", c_uint),
        ("label_selector", c_char_p),
        ("field_selector", c_char_p),
        ("limit", c_int64),
        ("continue_token", c_char_p),
        ("resource_version", c_char_p),
        ("all_pages", c_bool),
    ]


class DeleteOptionsStruct(Structure):
    """k8sc_delete_options (K8SC_DELETE_OPTIONS_VERSION 1)."""
    VERSION = 1
    _fields_ = [
        ("version", c_uint),
        ("propagation_policy", c_char_p),
        ("grace_period_seconds", c_int64),
        ("precondition_uid", c_char_p),
        ("precondition_resource_version", c_char_p),
    ]


class WatchOptionsStruct(Structure):
    """k8sc_watch_options (K8SC_WATCH_OPTIONS_VERSION 1)."""
    VERSION = 1
    _fields_ = [
        ("version", c_uint),
        ("label_selector", c_char_p),
        ("field_selector", c_char_p),
        ("resource_version", c_char_p),
        ("allow_watch_bookmarks", c_bool),
        ("timeout_seconds", c_int64),
    ]


class ReconcileResultStruct(Structure):
    """k8sc_reconcile_result, filled by a reconcile callback."""
    _fields_ = [("action", c_int), ("requeue_after_ns", c_int64)]


# k8sc_reconcile_action
RECONCILE_DONE = 0
RECONCILE_REQUEUE = 1
RECONCILE_REQUEUE_AFTER = 2

# int (*k8sc_reconcile_fn)(k8sc_reconcile_result *, k8sc_controller *,
#                          const char *namespace_, const char *name, void *userdata)
RECONCILE_FN = ctypes.CFUNCTYPE(c_int, POINTER(ReconcileResultStruct), c_void_p,
                                c_char_p, c_char_p, c_void_p)


# void (*k8sc_controller_map_fn)(k8sc_controller *, const k8sc_object *, void *userdata)
MAP_FN = ctypes.CFUNCTYPE(None, c_void_p, c_void_p, c_void_p)


class ControllerOptionsStruct(Structure):
    """k8sc_controller_options (K8SC_CONTROLLER_OPTIONS_VERSION 1)."""
    VERSION = 1
    _fields_ = [
        ("version", c_uint),
        ("name", c_char_p),
        ("api_version", c_char_p),
        ("kind", c_char_p),
        ("reconcile", RECONCILE_FN),
        ("userdata", c_void_p),
        ("userdata_free", c_void_p),
        ("workers", c_int),
        ("factory", c_void_p),
        ("namespace_", c_char_p),
        ("resync_ns", c_int64),
        ("clock", c_void_p),
        ("rate_limiter", c_void_p),
    ]


LOOKUP_FN = ctypes.CFUNCTYPE(c_void_p, c_char_p, c_void_p)
META_FOREACH_FN = ctypes.CFUNCTYPE(c_int, c_char_p, c_char_p, c_void_p)

_Q = POINTER(QuantityStruct)

# name: (restype, argtypes). Every entry mirrors a declaration in
# libk8sc/include/k8sc/{core,object,codec,client,controller}.h.
_PROTOTYPES = {
    # core.h
    "k8sc_version": (c_char_p, []),
    "k8sc_error_last": (c_char_p, []),
    "k8sc_error_last_code": (c_int, []),
    "k8sc_error_clear": (None, []),
    "k8sc_error_name": (c_char_p, [c_int]),
    "k8sc_free": (None, [c_void_p]),
    # object.h: objects and paths
    "k8sc_object_new": (c_int, [_OUT_HANDLE, _STR, _STR]),
    "k8sc_object_wrap": (c_int, [_OUT_HANDLE, c_void_p]),
    "k8sc_object_json": (c_void_p, [_HANDLE]),
    "k8sc_object_ref": (c_void_p, [_HANDLE]),
    "k8sc_object_dup": (c_int, [_OUT_HANDLE, _HANDLE]),
    "k8sc_object_free": (None, [_HANDLE]),
    "k8sc_object_equal": (c_bool, [_HANDLE, _HANDLE]),
    "k8sc_object_get": (c_void_p, [_HANDLE, _STR]),
    "k8sc_object_has": (c_bool, [_HANDLE, _STR]),
    "k8sc_object_get_string": (c_char_p, [_HANDLE, _STR]),
    "k8sc_object_get_int": (c_int, [_HANDLE, _STR, POINTER(c_int64)]),
    "k8sc_object_get_bool": (c_int, [_HANDLE, _STR, POINTER(c_bool)]),
    "k8sc_object_set": (c_int, [_HANDLE, _STR, c_void_p]),
    "k8sc_object_set_string": (c_int, [_HANDLE, _STR, _STR]),
    "k8sc_object_set_int": (c_int, [_HANDLE, _STR, c_int64]),
    "k8sc_object_set_bool": (c_int, [_HANDLE, _STR, c_bool]),
    "k8sc_object_remove": (c_int, [_HANDLE, _STR]),
    # object.h: metadata
    "k8sc_object_api_version": (c_char_p, [_HANDLE]),
    "k8sc_object_kind": (c_char_p, [_HANDLE]),
    "k8sc_object_name": (c_char_p, [_HANDLE]),
    "k8sc_object_generate_name": (c_char_p, [_HANDLE]),
    "k8sc_object_namespace": (c_char_p, [_HANDLE]),
    "k8sc_object_uid": (c_char_p, [_HANDLE]),
    "k8sc_object_resource_version": (c_char_p, [_HANDLE]),
    "k8sc_object_set_api_version": (c_int, [_HANDLE, _STR]),
    "k8sc_object_set_kind": (c_int, [_HANDLE, _STR]),
    "k8sc_object_set_name": (c_int, [_HANDLE, _STR]),
    "k8sc_object_set_generate_name": (c_int, [_HANDLE, _STR]),
    "k8sc_object_set_namespace": (c_int, [_HANDLE, _STR]),
    "k8sc_object_set_uid": (c_int, [_HANDLE, _STR]),
    "k8sc_object_set_resource_version": (c_int, [_HANDLE, _STR]),
    "k8sc_object_generation": (c_int64, [_HANDLE]),
    "k8sc_object_set_generation": (c_int, [_HANDLE, c_int64]),
    "k8sc_object_creation_timestamp": (c_int, [_HANDLE, POINTER(c_int64)]),
    "k8sc_object_set_creation_timestamp": (c_int, [_HANDLE, c_bool, c_int64]),
    "k8sc_object_deletion_timestamp": (c_int, [_HANDLE, POINTER(c_int64)]),
    "k8sc_object_set_deletion_timestamp": (c_int, [_HANDLE, c_bool, c_int64]),
    "k8sc_object_deletion_grace_period": (c_int, [_HANDLE, POINTER(c_int64)]),
    "k8sc_object_set_deletion_grace_period": (c_int, [_HANDLE, c_bool, c_int64]),
    "k8sc_object_meta_get": (c_char_p, [_HANDLE, c_int, _STR]),
    "k8sc_object_meta_set": (c_int, [_HANDLE, c_int, _STR, _STR]),
    "k8sc_object_meta_count": (c_size_t, [_HANDLE, c_int]),
    "k8sc_object_meta_foreach": (c_int, [_HANDLE, c_int, META_FOREACH_FN, c_void_p]),
    "k8sc_object_owner_ref_count": (c_size_t, [_HANDLE]),
    "k8sc_object_owner_ref": (c_int, [POINTER(OwnerRefStruct), _HANDLE, c_size_t]),
    "k8sc_object_controller_ref": (c_int, [POINTER(OwnerRefStruct), _HANDLE]),
    "k8sc_object_add_owner_ref": (c_int, [_HANDLE, POINTER(OwnerRefStruct)]),
    "k8sc_object_remove_owner_ref": (c_int, [_HANDLE, _STR]),
    "k8sc_object_finalizer_count": (c_size_t, [_HANDLE]),
    "k8sc_object_finalizer": (c_char_p, [_HANDLE, c_size_t]),
    "k8sc_object_has_finalizer": (c_bool, [_HANDLE, _STR]),
    "k8sc_object_add_finalizer": (c_int, [_HANDLE, _STR]),
    "k8sc_object_remove_finalizer": (c_int, [_HANDLE, _STR]),
    # object.h: quantities and resource lists
    "k8sc_quantity_parse": (c_int, [_Q, _STR]),
    "k8sc_quantity_format_to": (c_int, [c_char_p, c_size_t, _Q]),
    "k8sc_quantity_cmp": (c_int, [_Q, _Q]),
    "k8sc_quantity_add": (c_int, [_Q, _Q, _Q]),
    "k8sc_quantity_sub": (c_int, [_Q, _Q, _Q]),
    "k8sc_quantity_milli": (c_int, [_Q, POINTER(c_int64)]),
    "k8sc_quantity_int": (c_int, [_Q, POINTER(c_int64)]),
    "k8sc_quantity_from_milli": (QuantityStruct, [c_int64, c_int]),
    "k8sc_quantity_from_int": (QuantityStruct, [c_int64, c_int]),
    "k8sc_quantity_sign": (c_int, [_Q]),
    "k8sc_resources_free": (None, [_HANDLE]),
    "k8sc_resources_count": (c_size_t, [_HANDLE]),
    "k8sc_resources_at": (c_int, [_HANDLE, c_size_t, POINTER(c_char_p), _Q]),
    "k8sc_pod_requests": (c_int, [_OUT_HANDLE, _HANDLE]),
    "k8sc_pod_limits": (c_int, [_OUT_HANDLE, _HANDLE]),
    # object.h: registry
    "k8sc_registry_new": (c_int, [_OUT_HANDLE]),
    "k8sc_registry_new_empty": (c_int, [_OUT_HANDLE]),
    "k8sc_registry_default": (c_void_p, []),
    "k8sc_registry_free": (None, [_HANDLE]),
    "k8sc_registry_remove": (c_int, [_HANDLE, _STR, _STR, _STR]),
    "k8sc_registry_find_kind": (c_void_p, [_HANDLE, _STR, _STR, _STR]),
    "k8sc_registry_find_gvk": (c_void_p, [_HANDLE, _STR, _STR]),
    "k8sc_registry_find_resource": (c_void_p, [_HANDLE, _STR, _STR, _STR]),
    "k8sc_registry_lookup": (c_void_p, [_HANDLE, _STR]),
    "k8sc_registry_count": (c_size_t, [_HANDLE]),
    "k8sc_registry_at": (c_void_p, [_HANDLE, c_size_t]),
    "k8sc_resource_group": (c_char_p, [c_void_p]),
    "k8sc_resource_version": (c_char_p, [c_void_p]),
    "k8sc_resource_api_version": (c_char_p, [c_void_p]),
    "k8sc_resource_kind": (c_char_p, [c_void_p]),
    "k8sc_resource_list_kind": (c_char_p, [c_void_p]),
    "k8sc_resource_plural": (c_char_p, [c_void_p]),
    "k8sc_resource_singular": (c_char_p, [c_void_p]),
    "k8sc_resource_namespaced": (c_bool, [c_void_p]),
    "k8sc_resource_short_names": (POINTER(c_char_p), [c_void_p]),
    "k8sc_resource_subresources": (POINTER(c_char_p), [c_void_p]),
    "k8sc_resource_categories": (POINTER(c_char_p), [c_void_p]),
    "k8sc_resource_verbs": (POINTER(c_char_p), [c_void_p]),
    # object.h: label selectors
    "k8sc_selector_parse": (c_int, [_OUT_HANDLE, _STR]),
    "k8sc_selector_from_json": (c_int, [_OUT_HANDLE, c_void_p]),
    "k8sc_selector_from_map": (c_int, [_OUT_HANDLE, c_void_p]),
    "k8sc_selector_everything": (c_int, [_OUT_HANDLE]),
    "k8sc_selector_nothing": (c_int, [_OUT_HANDLE]),
    "k8sc_selector_free": (None, [_HANDLE]),
    "k8sc_selector_matches": (c_bool, [_HANDLE, LOOKUP_FN, c_void_p]),
    "k8sc_selector_matches_object": (c_bool, [_HANDLE, _HANDLE]),
    "k8sc_selector_is_everything": (c_bool, [_HANDLE]),
    "k8sc_selector_to_string": (c_int, [_OUT_STR, _HANDLE]),
    "k8sc_selector_count": (c_size_t, [_HANDLE]),
    "k8sc_selector_requirement": (c_int, [_HANDLE, c_size_t, POINTER(c_char_p),
                                          POINTER(c_int), POINTER(POINTER(c_char_p)),
                                          POINTER(c_size_t)]),
    # object.h: field selectors
    "k8sc_field_selector_parse": (c_int, [_OUT_HANDLE, _STR]),
    "k8sc_field_selector_free": (None, [_HANDLE]),
    "k8sc_field_selector_matches": (c_bool, [_HANDLE, LOOKUP_FN, c_void_p]),
    "k8sc_field_selector_is_everything": (c_bool, [_HANDLE]),
    "k8sc_field_selector_to_string": (c_int, [_OUT_STR, _HANDLE]),
    "k8sc_field_selector_count": (c_size_t, [_HANDLE]),
    "k8sc_field_selector_term": (c_int, [_HANDLE, c_size_t, POINTER(c_char_p),
                                         POINTER(c_int), POINTER(c_char_p)]),
    "k8sc_field_selector_exact": (c_char_p, [_HANDLE, _STR]),
    # object.h: validation
    "k8sc_field_errors_new": (c_int, [_OUT_HANDLE]),
    "k8sc_field_errors_free": (None, [_HANDLE]),
    "k8sc_field_errors_count": (c_size_t, [_HANDLE]),
    "k8sc_field_errors_at": (c_int, [_HANDLE, c_size_t, POINTER(FieldErrorStruct)]),
    "k8sc_field_error_to_string": (c_int, [_OUT_STR, POINTER(FieldErrorStruct)]),
    "k8sc_field_errors_to_string": (c_int, [_OUT_STR, _HANDLE]),
    "k8sc_validate_dns1123_label": (c_int, [_HANDLE, _STR, _STR]),
    "k8sc_validate_dns1123_subdomain": (c_int, [_HANDLE, _STR, _STR]),
    "k8sc_validate_dns1035_label": (c_int, [_HANDLE, _STR, _STR]),
    "k8sc_validate_qualified_name": (c_int, [_HANDLE, _STR, _STR]),
    "k8sc_validate_label_value": (c_int, [_HANDLE, _STR, _STR]),
    "k8sc_validate_labels": (c_int, [_HANDLE, _STR, c_void_p]),
    "k8sc_validate_annotations": (c_int, [_HANDLE, _STR, c_void_p]),
    "k8sc_validate_object_meta": (c_int, [_HANDLE, _HANDLE, c_bool, c_int]),
    # codec.h
    "k8sc_json_parse": (c_int, [_OUT_HANDLE, c_char_p, c_size_t]),
    "k8sc_json_encode": (c_int, [_OUT_STR, POINTER(c_size_t), c_void_p, c_uint]),
    "k8sc_yaml_parse": (c_int, [_OUT_HANDLE, c_char_p, c_size_t]),
    "k8sc_yaml_encode": (c_int, [_OUT_STR, POINTER(c_size_t), c_void_p, c_uint]),
    "k8sc_manifest_decode": (c_int, [POINTER(POINTER(c_void_p)), POINTER(c_size_t),
                                     c_char_p, c_size_t]),
    "k8sc_objects_free": (None, [POINTER(c_void_p), c_size_t]),
    "k8sc_object_from_json": (c_int, [_OUT_HANDLE, c_char_p, c_size_t]),
    "k8sc_object_to_json": (c_int, [_OUT_STR, POINTER(c_size_t), _HANDLE, c_uint]),
    "k8sc_object_to_yaml": (c_int, [_OUT_STR, POINTER(c_size_t), _HANDLE, c_uint]),
    # client.h
    "k8sc_client_config_from_url": (c_int, [_OUT_HANDLE, _STR]),
    "k8sc_client_config_free": (None, [_HANDLE]),
    "k8sc_client_options_init": (c_int, [POINTER(ClientOptionsStruct), c_uint]),
    "k8sc_client_new": (c_int, [_OUT_HANDLE, POINTER(ClientOptionsStruct)]),
    "k8sc_client_free": (None, [_HANDLE]),
    "k8sc_client_get_config": (c_void_p, [_HANDLE]),
    "k8sc_client_config_server": (c_char_p, [_HANDLE]),
    "k8sc_client_namespace": (c_char_p, [_HANDLE]),
    "k8sc_client_last_status": (c_void_p, []),
    "k8sc_client_get": (c_int, [_OUT_HANDLE, _HANDLE, _STR, _STR, _STR, _STR]),
    "k8sc_list_options_init": (c_int, [POINTER(ListOptionsStruct), c_uint]),
    "k8sc_client_list": (c_int, [_OUT_HANDLE, _HANDLE, _STR, _STR, _STR,
                                 POINTER(ListOptionsStruct)]),
    "k8sc_client_create": (c_int, [_OUT_HANDLE, _HANDLE, _HANDLE]),
    "k8sc_client_update": (c_int, [_OUT_HANDLE, _HANDLE, _HANDLE]),
    "k8sc_client_update_status": (c_int, [_OUT_HANDLE, _HANDLE, _HANDLE]),
    "k8sc_client_patch": (c_int, [_OUT_HANDLE, _HANDLE, _STR, _STR, _STR, _STR, c_int, _STR]),
    "k8sc_delete_options_init": (c_int, [POINTER(DeleteOptionsStruct), c_uint]),
    "k8sc_client_delete": (c_int, [_OUT_HANDLE, _HANDLE, _STR, _STR, _STR, _STR,
                                   POINTER(DeleteOptionsStruct)]),
    "k8sc_watch_options_init": (c_int, [POINTER(WatchOptionsStruct), c_uint]),
    "k8sc_client_watch": (c_int, [_OUT_HANDLE, _HANDLE, _STR, _STR, _STR,
                                  POINTER(WatchOptionsStruct)]),
    "k8sc_watch_next": (c_int, [POINTER(c_int), _OUT_HANDLE, _HANDLE, c_int]),
    "k8sc_watch_event_type_name": (c_char_p, [c_int]),
    "k8sc_watch_free": (None, [_HANDLE]),
    # controller.h: caches, reconcilers, finalizers, events.
    # k8sc_event_recorder_event is variadic: callers pass b"%s" and one bytes.
    "k8sc_cache_get": (c_int, [_OUT_HANDLE, _HANDLE, _STR, _STR]),
    "k8sc_cache_list": (c_int, [POINTER(POINTER(c_void_p)), POINTER(c_size_t), _HANDLE,
                                _STR, _HANDLE]),
    "k8sc_cache_items_free": (None, [POINTER(c_void_p), c_size_t]),
    "k8sc_cache_len": (c_size_t, [_HANDLE]),
    "k8sc_informer_has_synced": (c_bool, [_HANDLE]),
    "k8sc_workqueue_num_requeues": (c_uint, [_HANDLE, _STR]),
    "k8sc_workqueue_len": (c_size_t, [_HANDLE]),
    "k8sc_controller_options_init": (c_int, [POINTER(ControllerOptionsStruct), c_uint]),
    "k8sc_controller_new": (c_int, [_OUT_HANDLE, _HANDLE, POINTER(ControllerOptionsStruct)]),
    "k8sc_controller_free": (None, [_HANDLE]),
    "k8sc_controller_owns": (c_int, [_HANDLE, _STR, _STR]),
    "k8sc_controller_watches": (c_int, [_HANDLE, _STR, _STR, MAP_FN, c_void_p]),
    "k8sc_controller_enqueue": (c_int, [_HANDLE, _STR, _STR]),
    "k8sc_controller_enqueue_after": (c_int, [_HANDLE, _STR, _STR, c_int64]),
    "k8sc_controller_cache": (c_void_p, [_HANDLE, _STR, _STR]),
    "k8sc_controller_informer": (c_void_p, [_HANDLE, _STR, _STR]),
    "k8sc_controller_name": (c_char_p, [_HANDLE]),
    "k8sc_controller_queue": (c_void_p, [_HANDLE]),
    "k8sc_controller_fd": (c_int, [_HANDLE]),
    "k8sc_controller_next_timeout_ms": (c_int, [_HANDLE]),
    "k8sc_controller_process": (c_int, [_HANDLE]),
    "k8sc_finalizer_add": (c_int, [_OUT_HANDLE, _HANDLE, _HANDLE, _STR]),
    "k8sc_finalizer_remove": (c_int, [_OUT_HANDLE, _HANDLE, _HANDLE, _STR]),
    "k8sc_event_recorder_new": (c_int, [_OUT_HANDLE, _HANDLE, _STR, _STR, c_void_p]),
    "k8sc_event_recorder_event": (c_int, [_HANDLE, _HANDLE, _STR, _STR, _STR]),
    "k8sc_event_recorder_flush": (c_int, [_HANDLE, c_int]),
    "k8sc_event_recorder_free": (None, [_HANDLE]),
    # client.h calls behind Controller.update_status
    "k8sc_client_resolve": (c_int, [_HANDLE, _STR, _STR, c_char_p, c_size_t, POINTER(c_bool)]),
    "k8sc_client_request": (c_int, [_OUT_STR, POINTER(c_int), _HANDLE, _STR, _STR, _STR,
                                    c_char_p, c_size_t]),
    # json-c, for trees the caller owns (see the module comment)
    "json_object_put": (c_int, [c_void_p]),
}

# codec.h encoding flags
ENCODE_PRETTY = 1 << 0
ENCODE_K8S_ORDER = 1 << 1
ENCODE_NEWLINE = 1 << 2
ENCODE_SORT_KEYS = 1 << 3


def _load() -> ctypes.CDLL:
    path = os.environ.get("K8SC_LIBRARY")
    candidates = [path] if path else [ctypes.util.find_library("k8sc"), "libk8sc.so.0"]
    errors = []
    for name in candidates:
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError as e:
            errors.append(str(e))
    hint = "set K8SC_LIBRARY to the path of libk8sc.so"
    raise ImportError("cannot load libk8sc (%s); %s" % ("; ".join(errors) or "not found", hint))


class _Missing:
    """Stands in for a function an older libk8sc lacks, failing only when called."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, *args):
        raise K8scError("this libk8sc (%s) lacks %s" % (LIBRARY_PATH, self.name))


lib = _load()
LIBRARY_PATH = lib._name


class _Functions:
    pass


C = _Functions()
for _name, (_restype, _argtypes) in _PROTOTYPES.items():
    try:
        _fn = getattr(lib, _name)
    except AttributeError:
        setattr(C, _name, _Missing(_name))
        continue
    _fn.restype = _restype
    _fn.argtypes = _argtypes
    setattr(C, _name, _fn)
del _name, _restype, _argtypes


# ---- helpers shared by the modules ---------------------------------------

# Room past a mirrored options struct for fields a newer library appended.
_OPTIONS_SLACK = 256


def new_options(struct, init_fn):
    """A `struct` (one of the *OptionsStruct above) filled by its
    k8sc_*_options_init(), with zeroed room behind it (see the module comment)."""
    buf = (ctypes.c_char * (ctypes.sizeof(struct) + _OPTIONS_SLACK))()
    opts = struct.from_buffer(buf)  # keeps `buf` alive
    check(init_fn(byref(opts), struct.VERSION))
    return opts


def enc(text, what: str = "string") -> bytes:
    """A str (or bytes) as NUL-free UTF-8 for a C string argument."""
    if isinstance(text, str):
        data = text.encode("utf-8", "surrogateescape")
    elif isinstance(text, (bytes, bytearray)):
        data = bytes(text)
    else:
        raise TypeError("%s must be str, not %s" % (what, type(text).__name__))
    if b"\0" in data:
        raise error_for_code(-3, "%s contains a NUL character" % what)
    return data


def enc_opt(text, what: str = "string"):
    return None if text is None else enc(text, what)


def dec(data) -> str | None:
    """A borrowed C string (already copied into bytes by ctypes) as str."""
    return None if data is None else data.decode("utf-8", "surrogateescape")


def raw(text) -> bytes:
    """Text for a (buffer, length) argument; NULs are the parser's business."""
    if isinstance(text, str):
        return text.encode("utf-8", "surrogateescape")
    if isinstance(text, (bytes, bytearray, memoryview)):
        return bytes(text)
    raise TypeError("expected str or bytes, not %s" % type(text).__name__)


def last_error(rc: int) -> K8scError:
    """The exception for a failed call; call right after the failure, in the same thread."""
    msg = dec(C.k8sc_error_last()) or dec(C.k8sc_error_name(rc))
    return error_for_code(rc, msg)


def check(rc: int) -> int:
    """Raise for a negative return code; pass other values through."""
    if rc < 0:
        raise last_error(rc)
    return rc


def take_string(ptr: c_void_p) -> str:
    """Copy a string libk8sc handed over and free it."""
    try:
        return ctypes.string_at(ptr.value).decode("utf-8", "surrogateescape")
    finally:
        C.k8sc_free(ptr)


def call_string(fn, *args) -> str:
    """Call fn(char **out, *args) and return the string it produced."""
    out = c_void_p()
    check(fn(byref(out), *args))
    return take_string(out)


def call_encode(fn, handle, flags: int) -> str:
    """Call an encoder fn(char **out, size_t *len, handle, flags)."""
    out = c_void_p()
    n = c_size_t()
    check(fn(byref(out), byref(n), handle, flags))
    try:
        return ctypes.string_at(out.value, n.value).decode("utf-8", "surrogateescape")
    finally:
        C.k8sc_free(out)


def strv(ptr) -> tuple:
    """A borrowed NULL-terminated array of C strings as a tuple of str."""
    items = []
    if ptr:
        i = 0
        while ptr[i] is not None:
            items.append(dec(ptr[i]))
            i += 1
    return tuple(items)


_JSON_INT_MIN = -(1 << 63)
_JSON_INT_MAX = (1 << 64) - 1


def _check_ints(value) -> None:
    # libk8sc keeps integers as int64 or uint64; refuse what it would clamp.
    if isinstance(value, int) and not isinstance(value, bool):
        if not _JSON_INT_MIN <= value <= _JSON_INT_MAX:
            raise error_for_code(-14, "integer %d is outside the int64/uint64 range" % value)
    elif isinstance(value, dict):
        for v in value.values():
            _check_ints(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _check_ints(v)


def json_parse_owned(value) -> c_void_p:
    """A new json-c tree for a Python value; the caller must json_put() it
    (or hand it to a function that takes the reference)."""
    _check_ints(value)
    data = json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8", "surrogateescape")
    out = c_void_p()
    check(C.k8sc_json_parse(byref(out), data, len(data)))
    return out


def json_put(tree: c_void_p) -> None:
    if tree:
        C.json_object_put(tree)


def json_to_python(tree):
    """A borrowed json-c tree (pointer value or None) as a Python value."""
    if not tree:
        return None
    return json.loads(call_encode(C.k8sc_json_encode, tree, 0))


class Closing:
    """Context management and clean-up for classes with an idempotent close()."""

    __slots__ = ()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone
            pass


class Handle(Closing):
    """Owns one libk8sc handle and frees it with `_free_fn` exactly once:
    on close(), on leaving a `with` block, or when garbage collected."""

    __slots__ = ("_h", "__weakref__")
    _free_fn = None  # staticmethod(C.k8sc_<thing>_free) in subclasses
    _what = "handle"

    @classmethod
    def _adopt(cls, handle: int):
        self = cls.__new__(cls)
        self._h = handle
        return self

    @property
    def _handle(self) -> int:
        h = getattr(self, "_h", None)
        if not h:
            raise ValueError("%s is closed" % self._what)
        return h

    @property
    def closed(self) -> bool:
        return not getattr(self, "_h", None)

    def close(self) -> None:
        """Free the C side now; later use raises ValueError. Idempotent."""
        h = getattr(self, "_h", None)
        self._h = None
        if h:
            self._free_fn(h)

