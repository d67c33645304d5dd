"""A client for a Kubernetes-compatible API server (include/k8sc/client.h).

Objects cross the boundary as JSON: calls take dicts (or ``k8sc.Object``)
and return dicts. Every C object and string received is copied into
Python and freed at once; the only C resources a caller holds are the
client itself and open watches, both freed by ``close()``, a ``with``
block, or garbage collection.

The C client is thread-safe and ctypes releases the GIL around each call,
so one ``Client`` may serve many threads. A ``Watch`` is an iterator for
one consumer; ``close()`` may come from any thread.
"""

from __future__ import annotations

import json
import os
import threading
import time
import weakref
from collections.abc import Mapping
from ctypes import byref, c_int, c_void_p
from typing import NamedTuple

from . import _lib
from ._lib import (C, ClientOptionsStruct, Closing, DeleteOptionsStruct,
                   ListOptionsStruct, WatchOptionsStruct, dec, enc, enc_opt,
                   new_options)
from .errors import K8scError, error_for_code
from .objects import Object

__all__ = ["Client", "Watch", "WatchEvent", "PATCH_TYPES"]

PATCH_TYPES = {"json": 0, "merge": 1, "strategic": 2}  # k8sc_patch_type

_ETIMEOUT = -8

# Longest single wait inside k8sc_watch_next: between waits the iterating
# thread handles signals (Ctrl-C) and lets close() from another thread in.
_WATCH_SLICE_MS = 200


def _object_json(ptr) -> str:
    return _lib.call_encode(C.k8sc_object_to_json, ptr, 0)


def _api_error(rc: int) -> K8scError:
    """The exception for a failed client call, with the server's Status."""
    msg = dec(C.k8sc_error_last()) or dec(C.k8sc_error_name(rc))
    st = C.k8sc_client_last_status()
    status = json.loads(_object_json(st)) if st else None
    # A failure that never reached the server may leave an older Status in
    # place; the current one carries the very message just reported.
    if status is not None and status.get("message") not in (None, "", msg):
        status = None
    return error_for_code(rc, msg, status)


def _check(rc: int) -> int:
    if rc < 0:
        raise _api_error(rc)
    return rc


def _take(ptr: c_void_p):
    """A returned k8sc_object as a dict (None for NULL), freeing it."""
    if not ptr.value:
        return None
    try:
        return json.loads(_object_json(ptr))
    finally:
        C.k8sc_object_free(ptr)


def _non_negative(value, what: str):
    """A number of seconds or retries (None passes through)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("%s must be a number, not %s" % (what, type(value).__name__))
    if not 0 <= value < float("inf"):  # NaN fails too
        raise error_for_code(-3, "%s must be a finite number >= 0, not %r" % (what, value))
    return value


class _Owner:
    """The C client, freed once the Client is closed and no call or watch
    still uses it (so neither garbage-collection order nor a close() racing
    another thread's call can free it under them)."""

    __slots__ = ("handle", "users", "lock")

    def __init__(self, handle: int):
        self.handle = handle
        self.users = 1  # the Client itself
        self.lock = threading.Lock()

    def acquire(self) -> int:
        with self.lock:
            if not self.handle or self.users == 0:
                raise ValueError("client is closed")
            self.users += 1
            return self.handle

    def release(self) -> None:
        with self.lock:
            self.users -= 1
            handle = self.handle if self.users == 0 else None
            if handle:
                self.handle = None
        if handle:
            C.k8sc_client_free(handle)


class _Use:
    __slots__ = ("owner", "handle")

    def __init__(self, owner: _Owner):
        self.owner = owner

    def __enter__(self) -> int:
        self.handle = self.owner.acquire()
        return self.handle

    def __exit__(self, *exc) -> None:
        self.owner.release()


class WatchEvent(NamedTuple):
    """One watch event: `type` is "ADDED", "MODIFIED", "DELETED" or
    "BOOKMARK"; `object` the object (a dict)."""
    type: str
    object: dict


class Watch(Closing):
    """An open watch, iterated for its events (WatchEvent).

    Iteration ends when the server ends the stream, when `timeout` seconds
    pass without an event (None: wait for ever), or after close(). An ERROR
    event raises its ApiError (Gone for an expired resourceVersion). The
    watch is closed when iteration ends, on close(), at the end of a `with`
    block, or when garbage collected.
    """

    def __init__(self, client: "Client", owner: _Owner, handle: int, timeout):
        self._client = client  # kept alive while the watch is open
        self._owner = owner
        self._h = handle
        self._timeout = timeout
        self._lock = threading.Lock()
        self._closing = False

    def __iter__(self):
        return self

    def __next__(self) -> WatchEvent:
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        etype, obj = c_int(), c_void_p()
        while not self._closing:
            wait = _WATCH_SLICE_MS
            if deadline is not None:
                wait = min(wait, max(0, int((deadline - time.monotonic()) * 1000)))
            with self._lock:
                if not self._h:
                    break
                rc = C.k8sc_watch_next(byref(etype), byref(obj), self._h, wait)
                err = _api_error(rc) if rc < 0 and rc != _ETIMEOUT else None
            if rc == 1:
                return WatchEvent(dec(C.k8sc_watch_event_type_name(etype.value)), _take(obj))
            if rc == _ETIMEOUT and (deadline is None or time.monotonic() < deadline):
                continue
            self.close()
            if err is not None:
                raise err
            break
        raise StopIteration

    @property
    def closed(self) -> bool:
        return not self._h

    def close(self) -> None:
        """Close the connection and free the watch. Idempotent; a thread
        blocked iterating it stops within a fraction of a second."""
        self._closing = True
        with self._lock:
            h, self._h = self._h, None
        if h:
            C.k8sc_watch_free(h)
            self._owner.release()
            self._client = None



class Client(Closing):
    """A client for one API server.

    `server` alone (a URL such as "http://127.0.0.1:6443") talks to that
    server with no credentials. Otherwise the kubeconfig is loaded as
    kubectl loads it: `kubeconfig` is a path or a list of paths (None:
    $KUBECONFIG, else ~/.kube/config; in a pod with neither, the in-cluster
    configuration), `context` picks the context and `server` overrides the
    context's server URL. `timeout` is the per-request timeout in seconds
    (None: 30; a watch uses it only to connect); `max_retries` how often a
    429/5xx answer is retried (None: 5; 0: never).
    """

    def __init__(self, kubeconfig=None, context: str | None = None,
                 server: str | None = None, *, timeout=None, max_retries=None,
                 user_agent: str | None = None):
        timeout = _non_negative(timeout, "timeout")
        max_retries = _non_negative(max_retries, "max_retries")
        opts = new_options(ClientOptionsStruct, C.k8sc_client_options_init)
        if isinstance(kubeconfig, (list, tuple)):
            kubeconfig = ":".join(os.fspath(p) for p in kubeconfig)
        elif kubeconfig is not None:
            kubeconfig = os.fspath(kubeconfig)
        config = c_void_p()
        if server is not None and kubeconfig is None and context is None:
            _check(C.k8sc_client_config_from_url(byref(config), enc(server, "server")))
            opts.config = config.value
        else:
            opts.kubeconfig = enc_opt(kubeconfig, "kubeconfig")
            opts.overrides.context = enc_opt(context, "context")
            opts.overrides.server = enc_opt(server, "server")
        opts.user_agent = enc_opt(user_agent, "user_agent")
        if timeout is not None:
            opts.timeout_ms = max(1, int(timeout * 1000))
        if max_retries is not None:
            opts.max_retries = int(max_retries) if max_retries else -1
        out = c_void_p()
        try:
            _check(C.k8sc_client_new(byref(out), byref(opts)))
        finally:
            C.k8sc_client_config_free(config)  # the client holds its own reference
        self._owner = _Owner(out.value)
        self._watches = weakref.WeakSet()

    # ---- lifetime ----

    def close(self) -> None:
        """Close open watches and free the client (once no other thread's
        call still uses it). Idempotent; later calls raise ValueError."""
        owner = getattr(self, "_owner", None)
        if owner is None:
            return
        self._owner = None
        for w in list(self._watches):
            w.close()
        owner.release()

    @property
    def closed(self) -> bool:
        return getattr(self, "_owner", None) is None


    def _use(self) -> _Use:
        owner = getattr(self, "_owner", None)
        if owner is None:
            raise ValueError("client is closed")
        return _Use(owner)

    def _send(self, fn, obj) -> dict:
        """fn(k8sc_object **out, k8sc_client *, const k8sc_object *obj)."""
        if isinstance(obj, Object):
            owned = None
        elif isinstance(obj, Mapping):
            obj = owned = Object.from_dict(obj)
        else:
            raise TypeError("expected a dict or k8sc.Object, not %s" % type(obj).__name__)
        out = c_void_p()
        try:
            with self._use() as h:
                _check(fn(byref(out), h, obj._handle))
        finally:
            if owned is not None:
                owned.close()
        return _take(out)

    # ---- properties ----

    @property
    def namespace(self) -> str:
        """The default namespace (the context's, or "default"), used when a
        call passes namespace=None for a namespaced kind."""
        with self._use() as h:
            return dec(C.k8sc_client_namespace(h))

    @property
    def server(self) -> str:
        """The API server's URL."""
        with self._use() as h:
            return dec(C.k8sc_client_config_server(C.k8sc_client_get_config(h)))

    # ---- requests ----

    def create(self, obj) -> dict:
        """Create `obj` (in its namespace, else the client's); the server's copy."""
        return self._send(C.k8sc_client_create, obj)

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict:
        """One object; NotFound when there is none."""
        out = c_void_p()
        with self._use() as h:
            _check(C.k8sc_client_get(byref(out), h, enc(api_version, "api_version"),
                                     enc(kind, "kind"), enc_opt(namespace, "namespace"),
                                     enc(name, "name")))
        return _take(out)

    def list(self, api_version: str, kind: str, namespace: str | None = None,
             label_selector: str | None = None, field_selector: str | None = None) -> list:
        """The items (dicts) of every page; namespace "" lists all namespaces."""
        opts = new_options(ListOptionsStruct, C.k8sc_list_options_init)
        opts.label_selector = enc_opt(label_selector, "label_selector")
        opts.field_selector = enc_opt(field_selector, "field_selector")
        out = c_void_p()
        with self._use() as h:
            _check(C.k8sc_client_list(byref(out), h, enc(api_version, "api_version"),
                                      enc(kind, "kind"), enc_opt(namespace, "namespace"),
                                      byref(opts)))
        return (_take(out) or {}).get("items") or []

    def update(self, obj) -> dict:
        """Replace `obj` (PUT); a stale metadata.resourceVersion raises Conflict."""
        return self._send(C.k8sc_client_update, obj)

    def update_status(self, obj) -> dict:
        """Replace `obj`'s status through its /status subresource (everything
        else stays as stored); a stale resourceVersion raises Conflict, a kind
        without the subresource NotFound."""
        return self._send(C.k8sc_client_update_status, obj)

    def patch(self, api_version: str, kind: str, name: str, patch,
              namespace: str | None = None, type: str = "merge") -> dict:
        """Patch an object. `type` is "merge" (RFC 7386), "json" (RFC 6902)
        or "strategic"; `patch` a dict/list or JSON text. The patched object."""
        if type not in PATCH_TYPES:
            raise error_for_code(
                -3, 'patch type %r: must be "merge", "json" or "strategic"' % (type,))
        if not isinstance(patch, (str, bytes, bytearray)):
            _lib._check_ints(patch)
            patch = json.dumps(patch, ensure_ascii=False, allow_nan=False)
        out = c_void_p()
        with self._use() as h:
            _check(C.k8sc_client_patch(byref(out), h, enc(api_version, "api_version"),
                                       enc(kind, "kind"), enc_opt(namespace, "namespace"),
                                       enc(name, "name"), PATCH_TYPES[type], enc(patch, "patch")))
        return _take(out)

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None = None,
               propagation_policy: str | None = None):
        """Delete an object. `propagation_policy`: "Orphan", "Background",
        "Foreground" or None (the server's default). What the server answered
        (the object, or a Status), as a dict."""
        opts = new_options(DeleteOptionsStruct, C.k8sc_delete_options_init)
        opts.propagation_policy = enc_opt(propagation_policy, "propagation_policy")
        out = c_void_p()
        with self._use() as h:
            _check(C.k8sc_client_delete(byref(out), h, enc(api_version, "api_version"),
                                        enc(kind, "kind"), enc_opt(namespace, "namespace"),
                                        enc(name, "name"), byref(opts)))
        return _take(out)

    def watch(self, api_version: str, kind: str, namespace: str | None = None,
              timeout=None, resource_version: str | None = None,
              label_selector: str | None = None, field_selector: str | None = None,
              allow_bookmarks: bool = False) -> Watch:
        """Open a watch; iterate it for WatchEvents.

        Without `resource_version` the current objects come first as ADDED
        events. `timeout` (seconds) is an idle timeout kept on this side:
        iteration ends once nothing has arrived for that long; None waits
        until the server ends the stream or the watch is closed.
        """
        timeout = _non_negative(timeout, "timeout")
        opts = new_options(WatchOptionsStruct, C.k8sc_watch_options_init)
        opts.label_selector = enc_opt(label_selector, "label_selector")
        opts.field_selector = enc_opt(field_selector, "field_selector")
        opts.resource_version = enc_opt(resource_version, "resource_version")
        opts.allow_watch_bookmarks = bool(allow_bookmarks)
        out = c_void_p()
        owner = getattr(self, "_owner", None)
        if owner is None:
            raise ValueError("client is closed")
        h = owner.acquire()  # released by the Watch when it closes
        try:
            _check(C.k8sc_client_watch(byref(out), h, enc(api_version, "api_version"),
                                       enc(kind, "kind"), enc_opt(namespace, "namespace"),
                                       byref(opts)))
        except BaseException:
            owner.release()
            raise
        w = Watch(self, owner, out.value, timeout)
        self._watches.add(w)
        return w

    def __repr__(self) -> str:
        if self.closed:
            return "<k8sc.Client closed>"
        return "<k8sc.Client %s>" % self.server
