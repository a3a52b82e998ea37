"""Running policy callables: awaitables on a persistent per-thread event loop, and per-policy deadlines.

Async (reference-sdk.md §7, bug #5): the reference runs each awaitable on a throw-away loop that is never
set as current, so ``asyncio.get_event_loop()`` inside a policy fails. We keep one loop per evaluation
thread and set it as that thread's current loop.

Deadlines: a policy that hangs must not hang the RPC. ``run_tasks`` executes a batch of policy tasks on an
evaluation thread owned by the calling thread while the caller watches the current task's start time. When
a task overruns, the caller records a timeout outcome for it, poisons the stuck thread (an asynchronous
``PolicyTimeout`` is injected so a busy loop stops burning CPU; a thread blocked in C is simply abandoned)
and resumes the batch after that task on a fresh evaluation thread. Costs one queue hand-off per call.
"""

from __future__ import annotations

import _thread
import asyncio
import ctypes
import threading
import time
from collections.abc import Callable
from typing import Any

_local = threading.local()


class PolicyTimeout(BaseException):
    """Injected into an evaluation thread whose policy overran its deadline (BaseException: packs' broad
    ``except Exception`` handlers must not swallow it)."""


def thread_loop() -> asyncio.AbstractEventLoop:
    """This thread's persistent event loop, created and set as current on first use.

    Every thread that runs policies calls this first, so sync code inside a policy that uses
    ``asyncio.get_event_loop()`` (Pulumi's sync invoke helpers do) finds a loop.
    """
    loop = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _local.loop = loop
        asyncio.set_event_loop(loop)
    return loop


def run_awaitable(awaitable: Any) -> Any:
    """Run an awaitable to completion on this thread's persistent event loop."""
    return thread_loop().run_until_complete(awaitable)


class _EvalThread:
    """A daemon thread that runs batches for one caller thread; abandoned for good once poisoned.

    Hand-off uses two raw locks reused across calls (an Event/Condition per call costs ~3x more).
    """

    def __init__(self) -> None:
        self.start = _thread.allocate_lock()
        self.start.acquire()
        self.done = _thread.allocate_lock()
        self.done.acquire()
        self.commit_lock = _thread.allocate_lock()
        self.job: Callable[[], None] | None = None
        self.poisoned = False
        self.current = 0
        self.started = 0.0
        self.thread = threading.Thread(target=self._loop, name="policy-eval", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        thread_loop()
        try:
            self._serve()
        finally:
            loop = getattr(_local, "loop", None)
            if loop is not None and not loop.is_running() and not loop.is_closed():
                loop.close()

    def _serve(self) -> None:
        while True:
            self.start.acquire()
            job = self.job
            try:
                if job is not None:
                    job()
            except BaseException:  # noqa: BLE001 - PolicyTimeout injected into a poisoned thread
                pass
            if self.poisoned:
                return
            self.done.release()

    def poison(self) -> None:
        """Abandon this thread: it exits after its current job; a busy policy gets PolicyTimeout."""
        self.poisoned = True
        ident = self.thread.ident
        if ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(PolicyTimeout))


def _eval_thread() -> _EvalThread:
    t = getattr(_local, "eval_thread", None)
    if t is None or t.poisoned:
        t = _EvalThread()
        _local.eval_thread = t
    return t


# ------------------------------------------------------------------------------------------------
# Inline deadlines: a watchdog thread interrupts the evaluating thread itself
# ------------------------------------------------------------------------------------------------


class _Slot:
    """One evaluating thread's current deadline, read by the watchdog (plain attribute writes, no lock)."""

    __slots__ = ("ident", "deadline", "fired")

    def __init__(self, ident: int) -> None:
        self.ident = ident
        self.deadline: float | None = None
        self.fired = False


class _Watchdog:
    """One daemon thread for the process: every ``interval`` it looks at the armed slots and injects
    ``PolicyTimeout`` into a thread whose policy is past its deadline."""

    interval = 0.05

    def __init__(self) -> None:
        self.slots: list[_Slot] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._loop, name="policy-watchdog", daemon=True)
        self.thread.start()

    def slot(self) -> _Slot:
        s = getattr(_local, "slot", None)
        if s is None:
            s = _Slot(threading.get_ident())
            _local.slot = s
            with self.lock:
                self.slots.append(s)
        return s

    def _loop(self) -> None:
        while True:
            time.sleep(self.interval)
            now = time.monotonic()
            with self.lock:
                slots = list(self.slots)
            for s in slots:
                deadline = s.deadline
                if deadline is not None and now > deadline and not s.fired:
                    s.fired = True
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        ctypes.c_ulong(s.ident), ctypes.py_object(PolicyTimeout)
                    )


_watchdog: _Watchdog | None = None
_watchdog_lock = threading.Lock()


def _get_watchdog() -> _Watchdog:
    global _watchdog
    if _watchdog is None:
        with _watchdog_lock:
            if _watchdog is None:
                _watchdog = _Watchdog()
    return _watchdog


def _run_inline_with_deadline(
    n: int,
    step: Callable[[int], Any],
    commit: Callable[[int, Any], None],
    timeout: float,
    on_timeout: Callable[[int, float], Any],
) -> None:
    slot = _get_watchdog().slot()
    for i in range(n):
        try:
            slot.fired = False
            slot.deadline = time.monotonic() + timeout
            try:
                outcome = step(i)
            finally:
                slot.deadline = None
                if slot.fired:  # an injection may still be pending: clear it (a no-op if already raised)
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(slot.ident), None)
        except PolicyTimeout:
            outcome = on_timeout(i, timeout)
        if outcome is not None:
            commit(i, outcome)


INLINE = "inline"
THREAD = "thread"


def run_tasks(
    n: int,
    step: Callable[[int], Any],
    commit: Callable[[int, Any], None],
    timeout: float | None,
    on_timeout: Callable[[int, float], Any],
    mode: str = INLINE,
) -> None:
    """Run ``step(0) .. step(n - 1)`` in order and ``commit(i, outcome)`` every non-None outcome in order.

    With ``timeout`` (seconds) each step gets that long; an overrunning step's outcome is
    ``on_timeout(i, timeout)`` and the batch goes on with step ``i + 1``. ``commit`` is never called
    concurrently, and never for a step whose thread was abandoned.

    Modes: ``inline`` (default) runs on the calling thread and a watchdog thread interrupts an overrunning
    step with an asynchronous ``PolicyTimeout``: no hand-off cost, but a step blocked inside a C call is
    only interrupted when that call returns. ``thread`` hands the steps to an evaluation thread and the
    caller keeps the deadline itself, so even a step blocked in C is cut off (~35 µs per call).
    """
    if n == 0:
        return
    if not timeout:
        thread_loop()
        for i in range(n):
            outcome = step(i)
            if outcome is not None:
                commit(i, outcome)
        return
    if mode == INLINE:
        thread_loop()
        _run_inline_with_deadline(n, step, commit, timeout, on_timeout)
        return

    start = 0
    while start < n:
        runner = _eval_thread()

        def job(runner: _EvalThread = runner, first: int = start) -> None:
            for i in range(first, n):
                # started before current: the watcher reads current first, so it never pairs a new
                # index with an old start time.
                runner.started = time.monotonic()
                runner.current = i
                outcome = step(i)
                if outcome is not None:
                    with runner.commit_lock:
                        if runner.poisoned:
                            return
                        commit(i, outcome)

        runner.current = start
        runner.started = time.monotonic()
        runner.job = job
        runner.start.release()
        while True:
            index = runner.current
            remaining = timeout - (time.monotonic() - runner.started)
            if runner.done.acquire(timeout=max(remaining, 0.001)):
                runner.job = None
                return
            if runner.current != index or time.monotonic() - runner.started < timeout:
                continue
            with runner.commit_lock:
                if runner.done.acquire(blocking=False):  # finished just now after all
                    runner.job = None
                    return
                runner.poison()
                commit(index, on_timeout(index, timeout))
            start = index + 1
            break
