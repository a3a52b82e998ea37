"""The deadline runner: order, commits, cut-off of busy and blocked policies, per-thread event loops."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from policy_host.evaluate._runtime import INLINE, THREAD, PolicyTimeout, run_awaitable, run_tasks


def collect(n, step, timeout, mode=THREAD):
    committed = []
    run_tasks(
        n, step, lambda i, o: committed.append((i, o)), timeout, lambda i, t: f"timeout after {t:g}", mode
    )
    return committed


def test_inline_runs_in_order_and_skips_none_outcomes():
    assert collect(4, lambda i: None if i == 2 else i * 10, None) == [(0, 0), (1, 10), (3, 30)]


@pytest.mark.parametrize("mode", [INLINE, THREAD])
def test_with_deadline_same_results_as_without(mode):
    assert collect(5, lambda i: f"r{i}", 5.0, mode) == collect(5, lambda i: f"r{i}", None)


@pytest.mark.parametrize("mode", [INLINE, THREAD])
def test_busy_and_sleeping_policies_are_cut_off_in_both_modes(mode):
    def step(i):
        if i == 0:
            while True:  # busy loop
                pass
        if i == 1:
            while True:  # a loop of short sleeps: returns to the interpreter between them
                time.sleep(0.01)
        return f"r{i}"

    start = time.monotonic()
    assert collect(3, step, 0.3, mode) == [(0, "timeout after 0.3"), (1, "timeout after 0.3"), (2, "r2")]
    assert time.monotonic() - start < 10


def test_inline_mode_leaves_no_stray_interrupt_behind():
    # Steps that finish right around the deadline must never leak a PolicyTimeout into later code.
    def step(i):
        deadline = time.monotonic() + 0.1
        while time.monotonic() < deadline:
            pass
        return i

    for _ in range(5):
        committed = collect(3, step, 0.1, INLINE)
        assert [i for i, _ in committed] == [0, 1, 2]
    time.sleep(0.2)  # a pending interrupt would surface here and fail the test


def test_policy_blocked_in_a_c_call_is_cut_off_and_the_rest_still_runs():
    # time.sleep blocks inside C: no exception can interrupt it, so only a hand-off can keep the deadline.
    def step(i):
        if i == 1:
            time.sleep(30)
        return f"r{i}"

    start = time.monotonic()
    committed = collect(4, step, 0.5, THREAD)
    assert time.monotonic() - start < 10
    assert committed == [(0, "r0"), (1, "timeout after 0.5"), (2, "r2"), (3, "r3")]


def test_busy_policy_thread_is_stopped_not_left_spinning():
    seen = {}

    def step(i):
        if i == 0:
            seen["thread"] = threading.current_thread()
            try:
                while True:
                    pass
            except PolicyTimeout:
                seen["interrupted"] = True
                raise
        return "after"

    committed = collect(2, step, 0.3, THREAD)
    assert committed == [(0, "timeout after 0.3"), (1, "after")]
    seen["thread"].join(timeout=5)
    assert seen.get("interrupted") is True
    assert not seen["thread"].is_alive()


def test_late_result_of_an_abandoned_policy_is_never_committed():
    release = threading.Event()

    def step(i):
        if i == 0:
            release.wait(5)  # blocks in C; finishes after the deadline
            return "late"
        return "ok"

    committed = collect(2, step, 0.2, THREAD)
    release.set()
    time.sleep(0.3)
    assert committed == [(0, "timeout after 0.2"), (1, "ok")]


def test_sync_code_sees_a_current_event_loop_on_evaluation_threads():
    def step(i):
        loop = asyncio.get_event_loop()  # what Pulumi's sync helpers call
        return loop.run_until_complete(asyncio.sleep(0, result=i))

    assert collect(2, step, 2.0, THREAD) == [(0, 0), (1, 1)]
    assert collect(2, step, 2.0, INLINE) == [(0, 0), (1, 1)]
    assert collect(2, step, None) == [(0, 0), (1, 1)]


def test_run_awaitable_reuses_one_loop_per_thread():
    async def current():
        return asyncio.get_running_loop()

    assert run_awaitable(current()) is run_awaitable(current())
