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

import asyncio
import ctypes
import queue
import threading
import time
from collections.abc import Callable, Sequence
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
    """A daemon thread that runs jobs for one caller thread; abandoned for good once poisoned."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self.poisoned = False
        self.thread = threading.Thread(target=self._loop, name="policy-eval", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        thread_loop()
        while not self.poisoned:
            try:
                job = self.jobs.get()
                if job is None:
                    return
                job()
            except BaseException:  # noqa: BLE001 - a poisoned thread just ends; others keep serving
                if self.poisoned:
                    return

    def poison(self) -> None:
        self.poisoned = True
        ident = self.thread.ident
        if ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(PolicyTimeout))


def _eval_thread() -> _EvalThread:
    t = getattr(_local, "eval_thread", None)
    if t is None or t.poisoned or not t.thread.is_alive():
        t = _EvalThread()
        _local.eval_thread = t
    return t


class _Batch:
    def __init__(self, n: int) -> None:
        self.lock = threading.Lock()
        self.generation = 0
        self.current = 0
        self.started = time.monotonic()
        self.done = threading.Event()
        self.n = n


def run_tasks(
    tasks: Sequence[Callable[[], Any]],
    commit: Callable[[int, Any], None],
    timeout: float | None,
    on_timeout: Callable[[int, float], Any],
) -> None:
    """Run ``tasks`` in order; ``commit(i, outcome)`` each result in order.

    With ``timeout`` (seconds) each task gets that long; an overrunning task's outcome is
    ``on_timeout(i, timeout)`` and the batch resumes with task ``i + 1``. Without ``timeout`` the tasks run
    inline on the calling thread. ``commit`` is always called on a single thread at a time, in task order.
    """
    if not tasks:
        return
    if not timeout:
        thread_loop()
        for i, task in enumerate(tasks):
            commit(i, task())
        return

    batch = _Batch(len(tasks))

    def worker(generation: int, start: int) -> None:
        for i in range(start, batch.n):
            with batch.lock:
                if batch.generation != generation:
                    return
                batch.current = i
                batch.started = time.monotonic()
            outcome = tasks[i]()
            with batch.lock:
                if batch.generation != generation:
                    return
                commit(i, outcome)
        batch.done.set()

    runner = _eval_thread()
    runner.jobs.put(lambda: worker(0, 0))
    while True:
        with batch.lock:
            remaining = timeout - (time.monotonic() - batch.started)
        if batch.done.wait(timeout=max(remaining, 0.001)):
            return
        with batch.lock:
            if batch.done.is_set():
                return
            if time.monotonic() - batch.started < timeout:
                continue
            index = batch.current
            batch.generation += 1
            generation = batch.generation
            commit(index, on_timeout(index, timeout))
            if index + 1 >= batch.n:
                batch.done.set()
        runner.poison()
        if batch.done.is_set():
            return
        runner = _eval_thread()
        runner.jobs.put(lambda g=generation, s=index + 1: worker(g, s))
