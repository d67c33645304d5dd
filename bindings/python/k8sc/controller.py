"""Reconcilers in Python (include/k8sc/controller.h).

A ``Controller`` reconciles the objects of one primary kind, by namespace
and name, whenever they change or an object they own changes. The C
controller does the listing, watching, caching, queueing and back-off;
Python only supplies the reconcile function.

The controller is driven from Python through libk8sc's host-loop calls
(k8sc_controller_fd, k8sc_controller_next_timeout_ms,
k8sc_controller_process) rather than started on C worker threads: the
reconcile function then runs on the thread that called ``run()``, which
holds the GIL anyway, so no C thread ever has to enter the interpreter,
Ctrl-C and ``stop()`` take effect between two reconciles, and an exception
never crosses a foreign thread.
"""

from __future__ import annotations

import datetime
import json
import logging
import math
import os
import select
import threading
import time
import weakref
from collections.abc import Mapping
from ctypes import POINTER, byref, c_bool, c_int, c_size_t, c_void_p, create_string_buffer
from urllib.parse import quote

from . import _lib
from ._lib import (C, MAP_FN, RECONCILE_DONE, RECONCILE_FN, RECONCILE_REQUEUE, Closing,
                   RECONCILE_REQUEUE_AFTER, ControllerOptionsStruct, check, dec,
                   enc, enc_opt, new_options)
from .client import Client, _api_error, _check as _api_check, _non_negative, _take
from .errors import error_for_code
from .objects import Object
from .selectors import Selector

__all__ = ["Controller", "Request"]

log = logging.getLogger("k8sc.controller")

_ENOTFOUND = -4

# While the informers have not synced, the controller's fd may stay readable
# (keys wait for them); between two such idle passes the loop sleeps this long.
_UNSYNCED_PAUSE_MS = 50


class Request:
    """What to reconcile: `namespace` ("" for a cluster-scoped kind) and
    `name`, and the `controller` reconciling it."""

    __slots__ = ("namespace", "name", "controller")

    def __init__(self, namespace: str, name: str, controller: "Controller"):
        self.namespace = namespace
        self.name = name
        self.controller = controller

    @property
    def key(self) -> str:
        """The queue key, "namespace/name" (or "name")."""
        return "%s/%s" % (self.namespace, self.name) if self.namespace else self.name

    def __eq__(self, other):
        if not isinstance(other, Request):
            return NotImplemented
        return (self.namespace, self.name) == (other.namespace, other.name)

    def __hash__(self):
        return hash((self.namespace, self.name))

    def __repr__(self) -> str:
        return "Request(namespace=%r, name=%r)" % (self.namespace, self.name)


def _result_of(value):
    """(action, delay_ns) for what a reconcile function returned."""
    if value is None or value is False:
        return RECONCILE_DONE, 0
    if value is True:
        return RECONCILE_REQUEUE, 0
    if isinstance(value, datetime.timedelta):
        value = value.total_seconds()
    if isinstance(value, (int, float)) and 0 <= value < math.inf:
        return RECONCILE_REQUEUE_AFTER, int(value * 1e9)
    raise TypeError("reconcile returned %r: expected None or False (done), True (requeue "
                    "with back-off) or a number of seconds >= 0 (requeue after)" % (value,))


def _trampoline(ref):
    """The C reconcile callback, holding the Controller only weakly (so
    that dropping the last reference to it frees it)."""
    def reconcile(result, ctl, namespace, name, _userdata):
        self = ref()
        if self is not None:
            self._reconcile_one(result.contents, ctl, dec(namespace), dec(name))
        return 0
    return RECONCILE_FN(reconcile)


def _map_trampoline(ref, fn):
    """The C map callback of a watched kind, calling fn(obj)."""
    def map_object(ctl, obj, _userdata):
        self = ref()
        if self is not None:
            self._map_one(ctl, fn, obj)
    return MAP_FN(map_object)


class _State:
    """The C side of a Controller: freed once the Controller is closed and
    no call (run() above all) still uses it, controller first (its
    informers stop), then the event recorder (it sends what is queued),
    then the client reference."""

    __slots__ = ("handle", "client_owner", "callbacks", "recorder", "wake", "users", "lock")

    def __init__(self, handle: int, client_owner, callbacks: list):
        self.handle = handle
        self.client_owner = client_owner
        self.callbacks = callbacks  # the C controller calls them until freed
        self.recorder = None
        self.wake = os.pipe()  # stop() writes to it to end run()'s wait
        for fd in self.wake:
            os.set_blocking(fd, False)
        self.users = 1  # the Controller itself
        self.lock = threading.Lock()

    def acquire(self) -> int:
        with self.lock:
            if self.users == 0:
                raise ValueError("controller is closed")
            self.users += 1
            return self.handle

    def release(self) -> None:
        with self.lock:
            self.users -= 1
            if self.users:
                return
        C.k8sc_controller_free(self.handle)
        if self.recorder:
            C.k8sc_event_recorder_free(self.recorder)
        self.client_owner.release()
        for fd in self.wake:
            os.close(fd)
        self.handle = self.recorder = self.callbacks = None


class _Use:
    __slots__ = ("state",)

    def __init__(self, state: _State):
        self.state = state

    def __enter__(self) -> int:
        return self.state.acquire()

    def __exit__(self, *exc) -> None:
        self.state.release()


class Controller(Closing):
    """Reconcile every `api_version` + `kind` object through `client`.

    ``reconcile(request)`` gets a Request (namespace, name, controller)
    whenever the object, or an object it owns, is added, changed or
    deleted (the object may be gone by then: look it up with ``get()``),
    and once for each existing object at start. It returns None or False
    when done, True to be called again after the rate limiter's back-off,
    or a number of seconds (or a timedelta) to be called again after that
    long. An exception is logged with its traceback to the
    "k8sc.controller" logger and the request retried with back-off.

    `namespace` restricts the watch to one namespace (None: all). `owns` is
    a list of (api_version, kind) pairs: a change to such an object
    reconciles its controlling owner (the ownerReference with
    controller=true) of the primary kind. `watches` is a list of
    (api_version, kind, fn) triples: a change to such an object (added,
    changed, deleted; on a change, the old and the new object in turn)
    calls fn(obj), which returns the (namespace, name) pairs to reconcile
    (an exception is logged and ignored). `resync` (seconds) re-reconciles
    every object that often. `name` (default "<kind>-controller") names
    the controller in logs and the events it records.

    Nothing happens until ``run()``, which reconciles on the calling
    thread, one request at a time. ``close()`` (or a `with` block, or
    garbage collection) frees the controller; until then it keeps the C
    client alive, even if the Client is closed first.
    """

    def __init__(self, client: Client, api_version: str, kind: str, reconcile, *,
                 namespace: str | None = None, owns=(), watches=(), resync=None,
                 name: str | None = None):
        if not isinstance(client, Client):
            raise TypeError("client must be a k8sc.Client, not %s" % type(client).__name__)
        if not callable(reconcile):
            raise TypeError("reconcile must be callable")
        resync = _non_negative(resync, "resync")
        if not api_version or not kind:
            raise error_for_code(-3, "a controller needs an api_version and a kind")
        owns = [self._kind_pair(pair) for pair in owns]
        watches = [self._watch_triple(triple) for triple in watches]
        self._reconcile = reconcile
        self._client = client
        self._stopped = False
        self._running = False
        self._interrupt = None  # KeyboardInterrupt/SystemExit from reconcile or a map function
        self._run_lock = threading.Lock()
        opts = new_options(ControllerOptionsStruct, C.k8sc_controller_options_init)
        opts.name = enc_opt(name, "name")
        opts.api_version = enc(api_version, "api_version")
        opts.kind = enc(kind, "kind")
        callbacks = [_trampoline(weakref.ref(self))]
        opts.reconcile = callbacks[0]
        opts.namespace_ = enc_opt(namespace, "namespace")
        opts.resync_ns = int(resync * 1e9) if resync else 0
        owner = getattr(client, "_owner", None)
        if owner is None:
            raise ValueError("client is closed")
        out = c_void_p()
        client_handle = owner.acquire()  # released when the C controller is freed
        try:
            check(C.k8sc_controller_new(byref(out), client_handle, byref(opts)))
        except BaseException:
            owner.release()
            raise
        self._st = _State(out.value, owner, callbacks)
        self._kinds = [(api_version, kind)] + owns + [(av, k) for av, k, _ in watches]
        try:
            for av, k in owns:
                check(C.k8sc_controller_owns(out.value, enc(av, "api_version"), enc(k, "kind")))
            for av, k, fn in watches:
                callbacks.append(_map_trampoline(weakref.ref(self), fn))
                check(C.k8sc_controller_watches(out.value, enc(av, "api_version"),
                                                enc(k, "kind"), callbacks[-1], None))
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _kind_pair(pair):
        if (not isinstance(pair, (tuple, list)) or len(pair) != 2
                or not all(isinstance(s, str) for s in pair)):
            raise TypeError("owns: expected (api_version, kind) pairs, got %r" % (pair,))
        return tuple(pair)

    @staticmethod
    def _watch_triple(triple):
        if (not isinstance(triple, (tuple, list)) or len(triple) != 3
                or not all(isinstance(s, str) for s in triple[:2]) or not callable(triple[2])):
            raise TypeError("watches: expected (api_version, kind, function) triples, got %r"
                            % (triple,))
        return tuple(triple)

    # ---- lifetime ----

    def _use(self) -> _Use:
        st = getattr(self, "_st", None)
        if st is None:
            raise ValueError("controller is closed")
        return _Use(st)

    @property
    def closed(self) -> bool:
        return getattr(self, "_st", None) is None

    def close(self) -> None:
        """Stop and free the controller (once a run() in progress, even the
        caller's own, has returned). Idempotent; later calls raise
        ValueError."""
        st = getattr(self, "_st", None)
        if st is None:
            return
        self.stop()
        self._st = None
        st.release()


    # ---- running ----

    def run(self, timeout=None) -> None:
        """Reconcile on this thread until stop() or close() is called (from
        a reconcile function or another thread), `timeout` seconds have
        passed (None: no limit), or a KeyboardInterrupt arrives (it
        propagates; run() may be called again afterwards). After stop(),
        run() returns at once. Only one run() at a time."""
        timeout = _non_negative(timeout, "timeout")
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._run_lock:
            if self._running:
                raise RuntimeError("%s: run() is already running" % self.name)
            self._running = True
        try:
            st = getattr(self, "_st", None)
            if st is None:
                raise ValueError("controller is closed")
            with _Use(st) as h:
                self._loop(h, st.wake[0], deadline)
        finally:
            self._running = False

    def _loop(self, h: int, wake_fd: int, deadline) -> None:
        poller = select.poll()
        poller.register(C.k8sc_controller_fd(h), select.POLLIN)
        poller.register(wake_fd, select.POLLIN)
        pause = select.poll()  # while unsynced: the wake pipe only
        pause.register(wake_fd, select.POLLIN)
        idle = False
        while not self._stopped:
            wait = C.k8sc_controller_next_timeout_ms(h)
            if idle:
                wait = _UNSYNCED_PAUSE_MS if wait < 0 else min(wait, _UNSYNCED_PAUSE_MS)
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                left_ms = math.ceil(left * 1000)
                wait = left_ms if wait < 0 else min(wait, left_ms)
            ready = (pause if idle else poller).poll(None if wait < 0 else wait)
            if any(fd == wake_fd for fd, _ in ready):
                self._drain(wake_fd)
            if self._stopped:
                break
            n = check(C.k8sc_controller_process(h))
            if self._interrupt is not None:
                exc, self._interrupt = self._interrupt, None
                raise exc
            idle = n == 0 and not self._synced(h)

    @staticmethod
    def _drain(fd: int) -> None:
        try:
            while os.read(fd, 64):
                pass
        except BlockingIOError:
            pass

    def _synced(self, h: int) -> bool:
        for av, kind in self._kinds:
            inf = C.k8sc_controller_informer(h, enc(av), enc(kind))
            if not inf or not C.k8sc_informer_has_synced(inf):
                return False
        return True

    def stop(self) -> None:
        """End run() after the reconcile in progress, if any, from any
        thread or from within reconcile. A stopped controller stays
        stopped: a later run() returns at once. Idempotent."""
        self._stopped = True
        st = getattr(self, "_st", None)
        if st is None:
            return
        try:
            with _Use(st):
                os.write(st.wake[1], b"x")
        except (ValueError, BlockingIOError):
            pass  # closed meanwhile, or a wake-up is pending anyway

    @property
    def stopped(self) -> bool:
        return self._stopped

    def _reconcile_one(self, result, ctl: int, namespace: str, name: str) -> None:
        if self._stopped or self._interrupt is not None:
            # Not now: kept in the queue (due at once) for a later run().
            result.action, result.requeue_after_ns = RECONCILE_REQUEUE_AFTER, 1
            return
        request = Request(namespace, name, self)
        try:
            result.action, result.requeue_after_ns = _result_of(self._reconcile(request))
        except Exception:
            # `ctl`, not self._st: close() may have been called meanwhile.
            retry = C.k8sc_workqueue_num_requeues(C.k8sc_controller_queue(ctl),
                                                  enc(request.key)) + 1
            log.error("%s: reconciling %s failed (retry %d)", dec(C.k8sc_controller_name(ctl)),
                      request.key, retry, exc_info=True)
            result.action = RECONCILE_REQUEUE
        except BaseException as e:  # KeyboardInterrupt, SystemExit: run() re-raises it
            self._interrupt = e
            result.action, result.requeue_after_ns = RECONCILE_REQUEUE_AFTER, 1

    def _map_one(self, ctl: int, fn, obj: int) -> None:
        if self._interrupt is not None:
            return
        try:
            for namespace, name in fn(json.loads(_lib.call_encode(C.k8sc_object_to_json,
                                                                  obj, 0))) or ():
                check(C.k8sc_controller_enqueue(ctl, enc_opt(namespace, "namespace"),
                                                enc(name, "name")))
        except Exception:
            log.error("%s: mapping %s/%s to requests failed",
                      dec(C.k8sc_controller_name(ctl)), dec(C.k8sc_object_api_version(obj)),
                      dec(C.k8sc_object_kind(obj)), exc_info=True)
        except BaseException as e:  # KeyboardInterrupt, SystemExit: run() re-raises it
            self._interrupt = e

    # ---- properties ----

    @property
    def name(self) -> str:
        """The controller's name, as given or "<kind in lower case>-controller"."""
        with self._use() as h:
            return dec(C.k8sc_controller_name(h))

    @property
    def client(self) -> Client:
        """The client the controller was made with (for writes)."""
        return self._client

    # ---- the queue ----

    def enqueue(self, namespace: str | None, name: str, after=None) -> None:
        """Reconcile `namespace`/`name` (namespace None or "" for a
        cluster-scoped kind) now, or after `after` seconds."""
        after = _non_negative(after, "after")
        with self._use() as h:
            check(C.k8sc_controller_enqueue_after(h, enc_opt(namespace, "namespace"),
                                                  enc(name, "name"),
                                                  int(after * 1e9) if after else 0))

    # ---- the informer caches ----

    def _cache(self, h: int, api_version: str, kind: str) -> int:
        cache = C.k8sc_controller_cache(h, enc(api_version, "api_version"), enc(kind, "kind"))
        if not cache:
            raise _lib.last_error(C.k8sc_error_last_code() or -1)
        return cache

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None):
        """The cached object (a dict), or None when the cache has none.
        `namespace` None or "" for a cluster-scoped kind: pass
        request.namespace. Kinds other than the primary, owned and watched
        ones get an informer on first use, filled by run() from then on."""
        out = c_void_p()
        with self._use() as h:
            rc = C.k8sc_cache_get(byref(out), self._cache(h, api_version, kind),
                                  enc_opt(namespace, "namespace"), enc(name, "name"))
        if rc == _ENOTFOUND:
            return None
        check(rc)
        return _take(out)

    def list(self, api_version: str, kind: str, namespace: str | None = None,
             label_selector: str | None = None) -> list:
        """The cached objects (dicts, in no particular order) in `namespace`
        (None or "": all) whose labels match `label_selector`."""
        selector = Selector(label_selector) if label_selector is not None else None
        items, count = POINTER(c_void_p)(), c_size_t()
        try:
            with self._use() as h:
                check(C.k8sc_cache_list(byref(items), byref(count),
                                        self._cache(h, api_version, kind),
                                        enc_opt(namespace, "namespace"),
                                        selector._handle if selector else None))
        finally:
            if selector is not None:
                selector.close()
        try:
            return [json.loads(_lib.call_encode(C.k8sc_object_to_json, items[i], 0))
                    for i in range(count.value)]
        finally:
            C.k8sc_cache_items_free(items, count)

    # ---- writes that controllers need ----

    def _with_object(self, obj, fn):
        if isinstance(obj, Object):
            return fn(obj._handle)
        if not isinstance(obj, Mapping):
            raise TypeError("expected a dict or k8sc.Object, not %s" % type(obj).__name__)
        with Object.from_dict(obj) as o:
            return fn(o._handle)

    def _finalizer(self, fn, obj, finalizer: str) -> dict:
        out = c_void_p()
        with self._use(), self._client._use() as client_h:
            self._with_object(obj, lambda o: _api_check(
                fn(byref(out), client_h, o, enc(finalizer, "finalizer"))))
        return _take(out)

    def add_finalizer(self, obj, finalizer: str) -> dict:
        """Add `finalizer` to `obj` (a dict or Object) on the server, guarded
        by its resourceVersion (Conflict if it changed); the server's copy,
        or `obj` as a dict when it had the finalizer already."""
        return self._finalizer(C.k8sc_finalizer_add, obj, finalizer)

    def remove_finalizer(self, obj, finalizer: str) -> dict:
        """Remove `finalizer` from `obj`, as add_finalizer()."""
        return self._finalizer(C.k8sc_finalizer_remove, obj, finalizer)

    def update_status(self, obj) -> dict:
        """Write the status of `obj` (a dict or Object) through its status
        subresource (PUT .../status: the server keeps everything but the
        status), guarded by its resourceVersion (Conflict if it changed).
        The server's copy."""
        if isinstance(obj, Object):
            obj = obj.to_dict()
        elif not isinstance(obj, Mapping):
            raise TypeError("expected a dict or k8sc.Object, not %s" % type(obj).__name__)
        meta = obj.get("metadata") or {}
        api_version, kind, name = obj.get("apiVersion"), obj.get("kind"), meta.get("name")
        if not (isinstance(api_version, str) and isinstance(kind, str) and isinstance(name, str)
                and api_version and kind and name):
            raise error_for_code(-3, "update_status: the object needs apiVersion, kind and name")
        _lib._check_ints(obj)
        body = json.dumps(obj, ensure_ascii=False, allow_nan=False).encode("utf-8",
                                                                           "surrogateescape")
        plural, namespaced = create_string_buffer(256), c_bool()
        out, http_status = c_void_p(), c_int()
        with self._use(), self._client._use() as client_h:
            _api_check(C.k8sc_client_resolve(client_h, enc(api_version, "apiVersion"),
                                             enc(kind, "kind"), plural, len(plural),
                                             byref(namespaced)))
            path = "/api/" + api_version if "/" not in api_version else "/apis/" + api_version
            if namespaced.value:
                namespace = meta.get("namespace") or dec(C.k8sc_client_namespace(client_h))
                path += "/namespaces/" + quote(namespace, safe="")
            path += "/%s/%s/status" % (dec(plural.value), quote(name, safe=""))
            rc = C.k8sc_client_request(byref(out), byref(http_status), client_h, b"PUT",
                                       enc(path), b"application/json", body, len(body))
            err = _api_error(rc) if rc < 0 else None
            reply = _lib.take_string(out) if out.value else None
        if err is not None:
            raise err
        return json.loads(reply)

    def event(self, obj, type: str, reason: str, message: str) -> None:
        """Record a core/v1 Event about `obj` (a dict or Object with kind and
        name): `type` "Normal" or "Warning", a CamelCase `reason`. Events are
        sent in the background, as component <controller name>; repeats
        within 10 minutes raise the count of the first."""
        args = (enc(type, "type"), enc(reason, "reason"), b"%s", enc(message, "message"))
        with self._use():
            rec = self._recorder()
            self._with_object(obj, lambda o: check(C.k8sc_event_recorder_event(rec, o, *args)))

    def flush_events(self, timeout=5.0) -> None:
        """Wait until the events recorded so far were sent, at most
        `timeout` seconds (Timeout then)."""
        timeout = _non_negative(timeout, "timeout")
        with self._use():
            rec = self._st.recorder
            if rec:
                check(C.k8sc_event_recorder_flush(rec, int(timeout * 1000)))

    def _recorder(self) -> int:
        st = self._st
        with st.lock:
            if not st.recorder:
                out = c_void_p()
                check(C.k8sc_event_recorder_new(byref(out), st.client_owner.handle,
                                                C.k8sc_controller_name(st.handle), None, None))
                st.recorder = out.value
            return st.recorder

    def __repr__(self) -> str:
        if self.closed:
            return "<k8sc.Controller closed>"
        return "<k8sc.Controller %s>" % self.name
