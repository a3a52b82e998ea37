"""Where policy-host spends its time: cProfile of the servicer called in-process, no gRPC.

Not a measurement of record (profiling slows everything down) but the "why" next to the numbers: the
functions with the most cumulative time for Analyze with the 50-policy pack and for AnalyzeStack over
the timed stack, the cost of the per-policy deadline (``serve`` sets ``--policy-timeout`` by default and
watches policies with a watchdog thread), and the share of cyclic garbage collection.
"""

from __future__ import annotations

import cProfile
import gc
import os
import pstats
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from policy_host.analyzer.host import build_servicer

from . import fixtures
from .packs import write_pack
from .report import progress
from .results import BenchConfig, Section, SuiteResult
from .servers import STACK

SERVE_POLICY_TIMEOUT = 60.0  # ``policy-host serve``'s default --policy-timeout
TOP = 10
_ROOT_MARKERS = ("/policy_host/", "/pulumi_policy/", "/google/protobuf/")


def _where(filename: str, line: int, func: str) -> str:
    for marker in _ROOT_MARKERS:
        if marker in filename:
            return f"{marker.strip('/')}/{filename.split(marker, 1)[1]}:{line} {func}"
    if filename.endswith("__main__.py"):
        return f"(pack) __main__.py:{line} {func}"
    return f"{filename.rsplit('/', 1)[-1]}:{line} {func}" if filename != "~" else func


def _profile(call: Callable[[], object], repeats: int) -> pstats.Stats:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeats):
        call()
    profiler.disable()
    return pstats.Stats(profiler)


def top_rows(stats: pstats.Stats, calls: int, scale: float, n: int = TOP) -> list[list[str]]:
    """The ``n`` functions of policy-host (and the SDK/pack code it calls) with most cumulative time.

    Times are per RPC, multiplied by ``scale`` (1e6 for µs, 1e3 for ms).
    """
    entries = []
    for (filename, line, func), (_cc, ncalls, _tt, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "/policy_host/" in filename or "/pulumi_policy/" in filename or filename.endswith("__main__.py"):
            entries.append((cumulative, ncalls, _where(filename, line, func)))
    entries.sort(reverse=True)
    total = max(e[0] for e in entries) if entries else 0.0
    return [
        [where, f"{ncalls / calls:,.1f}", f"{cumulative / calls * scale:,.1f}", f"{cumulative / total:.0%}"]
        for cumulative, ncalls, where in entries[:n]
    ]


def _cpu_per_call(call: Callable[[], object], repeats: int) -> float:
    started = time.process_time()
    for _ in range(repeats):
        call()
    return (time.process_time() - started) / repeats


def suite(config: BenchConfig) -> SuiteResult:
    """Profile Analyze (50 policies) and AnalyzeStack in-process and report the hot spots."""
    # Loading a pack in-process sets the PULUMI_* variables, as the engine would; keep them out of the
    # caller's environment (the benchmark's other servers and, under pytest, other tests).
    saved = dict(os.environ)
    try:
        return _run(config)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _run(config: BenchConfig) -> SuiteResult:
    result = SuiteResult("hotspots")
    calls = max(1, min(config.calls, 3000))
    with tempfile.TemporaryDirectory(prefix="bench-hotspots-") as tmp:
        resource_pack = write_pack(Path(tmp), "resource", 50)
        stack_pack = write_pack(Path(tmp), "stack", 5)
        progress("hot spots: Analyze, 50 resource policies (in-process)")
        served = build_servicer(resource_pack.path, STACK, policy_timeout=SERVE_POLICY_TIMEOUT)
        inline = build_servicer(resource_pack.path, STACK, policy_timeout=None)
        request = fixtures.analyze_request()
        for servicer in (served, inline):
            for _ in range(min(config.warmup, 200)):
                servicer.Analyze(request, None)
        with_deadline = _cpu_per_call(lambda: served.Analyze(request, None), calls)
        without_deadline = _cpu_per_call(lambda: inline.Analyze(request, None), calls)
        analyze_stats = _profile(lambda: inline.Analyze(request, None), calls)

        progress(f"hot spots: AnalyzeStack over {config.stack_resources:,} resources (in-process)")
        stack_servicer = build_servicer(stack_pack.path, STACK, policy_timeout=None)
        stack_request = fixtures.stack_request(config.stack_resources)
        stack_servicer.AnalyzeStack(fixtures.stack_request(min(200, config.stack_resources)), None)
        with_gc = _cpu_per_call(lambda: stack_servicer.AnalyzeStack(stack_request, None), 1)
        gc.disable()
        try:
            without_gc = _cpu_per_call(lambda: stack_servicer.AnalyzeStack(stack_request, None), 1)
        finally:
            gc.enable()
        stack_stats = _profile(lambda: stack_servicer.AnalyzeStack(stack_request, None), 1)

    analyze = Section(
        f"Hot spots: policy-host Analyze, {resource_pack.label} (cProfile, in-process, {calls:,} calls)",
        ["Function", "calls per RPC", "cumulative µs per RPC", "share"],
        top_rows(analyze_stats, calls, 1e6),
    )
    analyze.notes.append(
        f"CPU per Analyze in-process: {with_deadline * 1e6:,.0f} µs with the per-call policy deadline "
        f"(`serve`'s default: inline, watched by a watchdog thread), {without_deadline * 1e6:,.0f} µs "
        "without; the gRPC server adds the bare server's cost on top. Profiled without the deadline (cProfile sees "
        "only the calling thread)."
    )
    stack = Section(
        f"Hot spots: policy-host AnalyzeStack, {config.stack_resources:,} resources, {stack_pack.label}",
        ["Function", "calls per RPC", "cumulative ms per RPC", "share"],
        top_rows(stack_stats, 1, 1e3),
    )
    gc_share = 1 - without_gc / with_gc if with_gc else 0.0
    stack.notes.append(
        f"CPU per AnalyzeStack in-process: {with_gc:,.2f} s with cyclic GC, {without_gc:,.2f} s with "
        f"`gc.disable()`: garbage collection is about {gc_share:.0%} of it."
    )
    result.sections += [analyze, stack]
    result.data = {
        "analyze_cpu": (with_deadline, without_deadline),
        "stack_cpu": (with_gc, without_gc),
    }
    return result
