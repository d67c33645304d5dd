"""The scheduler in Python (include/k8sc/scheduler.h), with plugins
written in Python.

A ``Scheduler`` places the pending pods that name it (``name``, or the
schedulerNames of a KubeSchedulerConfiguration file given as ``config``)
with kube-scheduler's default plugins, plus a Python ``filter`` and
``score``::

    def filter(pod, node):        # dicts; return None/True: fits,
        ...                       # False or a reason string: does not fit
    def score(pod, node):         # an int from 0 to 100
        ...

    with k8sc.scheduler.Scheduler(client, filter=filter, score=score) as s:
        s.run()

As with ``Controller``, the scheduler is driven from Python through
libk8sc's host-loop calls (k8sc_scheduler_fd, _next_timeout_ms, _process)
rather than on C threads, so the plugins run on the thread that called
``run()``. An exception in a plugin is logged and the pod is tried again
after a back-off.
"""

from __future__ import annotations

import json
import logging
import math
import os
import select
import threading
import time
from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_char, c_char_p, c_int,
                    c_int64, c_size_t, c_uint, c_void_p, memmove, sizeof)

from . import _lib
from ._lib import C, Closing, check, dec, enc, enc_opt
from .client import Client, _non_negative

__all__ = ["Scheduler", "DEFAULT_NAME"]

log = logging.getLogger("k8sc.scheduler")

DEFAULT_NAME = "default-scheduler"

FILTER_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, POINTER(c_char), c_size_t, c_void_p)
SCORE_FN = CFUNCTYPE(c_int, POINTER(c_int64), c_void_p, c_void_p, c_void_p)

# While the informers have not synced, process() schedules nothing; the loop then polls this often.
_IDLE_MS = 50


class SchedulerOptionsStruct(Structure):
    """k8sc_scheduler_options (version 2)."""
    VERSION = 2
    _fields_ = [
        ("version", c_uint),
        ("factory", c_void_p),
        ("clock", c_void_p),
        ("recorder", c_void_p),
        ("scheduler_name", c_char_p),
        ("percentage_of_nodes_to_score", c_int),
        ("config_file", c_char_p),
    ]


def _fn(name, restype, argtypes):
    f = getattr(_lib.lib, name, None)
    if f is None:
        return _lib._Missing(name)
    f.restype = restype
    f.argtypes = argtypes
    return f


_options_init = _fn("k8sc_scheduler_options_init", c_int, [c_void_p, c_uint])
_new = _fn("k8sc_scheduler_new", c_int, [POINTER(c_void_p), c_void_p, c_void_p])
_free = _fn("k8sc_scheduler_free", None, [c_void_p])
_fd = _fn("k8sc_scheduler_fd", c_int, [c_void_p])
_next_timeout_ms = _fn("k8sc_scheduler_next_timeout_ms", c_int, [c_void_p])
_process = _fn("k8sc_scheduler_process", c_int, [c_void_p])
_add_filter = _fn("k8sc_scheduler_add_filter", c_int, [c_void_p, c_char_p, FILTER_FN, c_void_p])
_add_score = _fn("k8sc_scheduler_add_score", c_int, [c_void_p, c_char_p, SCORE_FN, c_int, c_void_p])
_load_config = _fn("k8sc_scheduler_load_config", c_int, [c_void_p, c_char_p])


def _as_dict(obj) -> dict:
    """A borrowed k8sc_object as a dict."""
    return json.loads(_lib.call_encode(C.k8sc_object_to_json, obj, 0))


class Scheduler(Closing):
    """A scheduler on `client`: `name` is the spec.schedulerName it serves
    (None: "default-scheduler"); `config` a KubeSchedulerConfiguration
    file, read once the plugins are added so that it may name them
    ("PythonFilter", "PythonScore" unless `filter_name` / `score_name`
    say otherwise); `score_weight` (1..100) how much the Python score
    counts. Nothing happens until run()."""

    def __init__(self, client: Client, *, filter=None, score=None, name: str | None = None,
                 config: str | os.PathLike | None = None, score_weight: int = 1,
                 percentage_of_nodes_to_score: int = 0, filter_name: str = "PythonFilter",
                 score_name: str = "PythonScore"):
        if not isinstance(client, Client):
            raise TypeError("client must be a k8sc.Client, not %s" % type(client).__name__)
        if filter is not None and not callable(filter):
            raise TypeError("filter must be callable")
        if score is not None and not callable(score):
            raise TypeError("score must be callable")
        self._filter, self._score = filter, score
        self._stopped = False
        self._running = False
        self._interrupt = None
        self._run_lock = threading.Lock()
        self._run_thread = None
        self._close_pending = False
        self._h = None
        # Room behind the struct for fields a newer library appended (as _lib.new_options).
        buf = (c_char * (sizeof(SchedulerOptionsStruct) + 256))()
        opts = SchedulerOptionsStruct.from_buffer(buf)
        check(_options_init(byref(opts), SchedulerOptionsStruct.VERSION))
        opts.scheduler_name = enc_opt(name, "name")
        opts.percentage_of_nodes_to_score = int(percentage_of_nodes_to_score)
        owner = getattr(client, "_owner", None)
        if owner is None:
            raise ValueError("client is closed")
        self._owner = owner
        handle = owner.acquire()  # released when the scheduler is freed
        out = c_void_p()
        try:
            check(_new(byref(out), handle, byref(opts)))
        except BaseException:
            owner.release()
            raise
        self._h = out.value
        self._callbacks = []
        try:
            if filter is not None:
                self._callbacks.append(FILTER_FN(self._filter_one))
                check(_add_filter(self._h, enc(filter_name, "filter_name"), self._callbacks[-1], None))
            if score is not None:
                self._callbacks.append(SCORE_FN(self._score_one))
                check(_add_score(self._h, enc(score_name, "score_name"), self._callbacks[-1],
                                 int(score_weight), None))
            if config is not None:
                check(_load_config(self._h, enc(os.fspath(config), "config")))
        except BaseException:
            self.close()
            raise

    # ---- plugins (called from C, on the thread in run()) ----

    def _failed(self, what: str, exc: BaseException) -> int:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            self._interrupt = exc
        else:
            log.error("%s plugin failed: %r", what, exc, exc_info=exc)
        return -1

    def _filter_one(self, pod, node, reason, size, _userdata) -> int:
        try:
            verdict = self._filter(_as_dict(pod), _as_dict(node))
        except BaseException as exc:  # noqa: B902 - must not cross into C
            return self._failed("filter", exc)
        if verdict is None or verdict is True:
            return 0
        text = verdict.encode("utf-8", "replace")[:size - 1] if isinstance(verdict, str) else b""
        memmove(reason, text + b"\0", len(text) + 1)
        return 1

    def _score_one(self, out, pod, node, _userdata) -> int:
        try:
            value = self._score(_as_dict(pod), _as_dict(node))
            out[0] = max(0, min(100, int(value)))
        except BaseException as exc:  # noqa: B902 - must not cross into C
            return self._failed("score", exc)
        return 0

    # ---- lifetime ----

    @property
    def closed(self) -> bool:
        return self._h is None

    def close(self) -> None:
        """Free the scheduler, once a run() in progress (even the caller's
        own, when called from a plugin) has returned. Idempotent."""
        self.stop()
        with self._run_lock:
            if self._running:
                if self._run_thread == threading.get_ident():
                    self._close_pending = True
                    return
                while self._running:
                    self._run_lock.release()
                    time.sleep(0.01)
                    self._run_lock.acquire()
            h, self._h = self._h, None
        if h:
            _free(h)
            self._owner.release()


    # ---- running ----

    def process(self) -> int:
        """One round on this thread: informer events, then every pod ready
        to be tried. Returns how many were tried."""
        if self._h is None:
            raise ValueError("scheduler is closed")
        n = check(_process(self._h))
        if self._interrupt is not None:
            exc, self._interrupt = self._interrupt, None
            raise exc
        return n

    def run(self, timeout=None) -> None:
        """Schedule on this thread until stop() or close(), `timeout`
        seconds (None: no limit), or a KeyboardInterrupt (it propagates)."""
        timeout = _non_negative(timeout, "timeout")
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._run_lock:
            if self._running:
                raise RuntimeError("run() is already running")
            if self._h is None:
                raise ValueError("scheduler is closed")
            self._running = True
            self._run_thread = threading.get_ident()
        try:
            poller = select.poll()
            poller.register(_fd(self._h), select.POLLIN)
            while not self._stopped:
                wait = _next_timeout_ms(self._h)
                wait = _IDLE_MS if wait < 0 else min(wait, _IDLE_MS)
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    wait = min(wait, math.ceil(left * 1000))
                poller.poll(wait)
                if not self._stopped:
                    self.process()
        finally:
            with self._run_lock:
                self._running = False
            if self._close_pending:
                self.close()

    def stop(self) -> None:
        """End run() after the pod in progress; a stopped scheduler stays stopped."""
        self._stopped = True

