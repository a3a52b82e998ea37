"""The analyzer suite: policy-host vs pulumi_policy's server vs a bare gRPC server, side by side.

Servers run one at a time (never two measured at once on this 2-core machine), each freshly started on
a generated pack, driven through the engine's startup RPCs, warmed up, then measured: wall time seen by
the client and the *server process's* CPU time (``/proc/<pid>/stat``, all threads) per call. The first
response of every server is kept so the report can say whether policy-host and the reference agreed.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format

from . import fixtures, procstat
from .packs import BenchPack, write_packs
from .report import progress
from .results import BenchConfig, Section, SuiteResult, Target
from .servers import (
    BARE,
    OURS,
    REFERENCE,
    SERVERS,
    ImportTimes,
    interpreter_start_seconds,
    pack_import_times,
    running,
)

CALL_TIMEOUT = 120.0  # seconds; one Analyze or a 10k AnalyzeStack is far below this
BIG_CALL_TIMEOUT = 600.0  # seconds; policy-host and the bare server on the peak-memory AnalyzeStack


@dataclass
class Measurement:
    """One server on one workload."""

    server: str
    calls: int
    wall: float  # seconds, whole loop
    cpu: float  # server CPU seconds, whole loop
    response: dict[str, Any] = field(default_factory=dict)  # the first measured response
    peak_mib: float | None = None  # server VmHWM after the loop

    @property
    def wall_per_call(self) -> float:
        return self.wall / self.calls

    @property
    def cpu_per_call(self) -> float:
        return self.cpu / self.calls


def _as_dict(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _measure(server: Any, call: Any, request: Any, calls: int) -> Measurement:
    """Run ``calls`` calls of ``call(request)`` and charge them to the server process.

    The first response is kept (converted after the loop, so the conversion is not timed).
    """
    cpu_before = procstat.cpu_seconds(server.pid)
    started = time.perf_counter()
    first = call(request, timeout=CALL_TIMEOUT)
    for _ in range(calls - 1):
        call(request, timeout=CALL_TIMEOUT)
    wall = time.perf_counter() - started
    cpu = procstat.cpu_seconds(server.pid) - cpu_before
    peak = procstat.peak_rss_mib(server.pid)
    return Measurement(server.server, calls, wall, cpu, _as_dict(first), peak)


# ---------------------------------------------------------------------------------------------
# Workloads
# ---------------------------------------------------------------------------------------------


ROUNDS = 6  # Analyze calls are measured in rounds that rotate between the servers


def analyze_workload(
    pack: BenchPack, config: BenchConfig, port_times: dict[str, list[float]]
) -> list[Measurement]:
    """``config.calls`` Analyze calls on the S3 bucket, for each server.

    All servers run at once and are measured in interleaved rounds (ours, reference, bare, ours, ...),
    so load from other processes on a shared machine falls on all of them alike; each server's
    numbers are the sums over its rounds.
    """
    request = fixtures.analyze_request()
    rounds = max(1, min(ROUNDS, config.calls))
    per_round = [config.calls // rounds + (1 if i < config.calls % rounds else 0) for i in range(rounds)]
    with ExitStack() as stack:
        servers = {}
        for name in SERVERS:
            server = stack.enter_context(running(name, pack.path))
            port_times[name].append(server.port_seconds)
            for _ in range(config.warmup):
                server.stub.Analyze(request, timeout=CALL_TIMEOUT)
            servers[name] = server
        totals: dict[str, Measurement] = {}
        for i, calls in enumerate(per_round):
            for name in SERVERS:
                progress(f"Analyze {pack.label}: round {i + 1}/{rounds}, {name}")
                m = _measure(servers[name], servers[name].stub.Analyze, request, calls)
                prev = totals.get(name)
                if prev is not None:
                    m = Measurement(
                        m.server,
                        prev.calls + m.calls,
                        prev.wall + m.wall,
                        prev.cpu + m.cpu,
                        prev.response,
                        m.peak_mib,
                    )
                totals[name] = m
    return [totals[name] for name in SERVERS]


def stack_workload(
    pack: BenchPack, config: BenchConfig, port_times: dict[str, list[float]]
) -> list[Measurement]:
    """``config.stack_repeats`` AnalyzeStack calls over ``config.stack_resources`` resources, for each
    server (after a small warm-up); the numbers are per call."""
    warm = fixtures.stack_request(min(200, config.stack_resources))
    request = fixtures.stack_request(config.stack_resources)
    results = []
    for name in SERVERS:
        progress(f"AnalyzeStack over {config.stack_resources:,} resources: {name}")
        with running(name, pack.path) as server:
            port_times[name].append(server.port_seconds)
            server.stub.AnalyzeStack(warm, timeout=CALL_TIMEOUT)
            results.append(_measure(server, server.stub.AnalyzeStack, request, config.stack_repeats))
    return results


@dataclass
class MemoryRun:
    """Peak memory of one server answering one big AnalyzeStack."""

    server: str
    start_mib: float | None = None
    peak_mib: float | None = None
    wall: float | None = None
    note: str = ""


def memory_workload(
    pack: BenchPack, config: BenchConfig, reference_stack_wall: float | None
) -> list[MemoryRun]:
    """VmHWM of each server (fresh process) after AnalyzeStack over ``config.big_stack_resources``.

    The reference is slow here: it is skipped when its timed AnalyzeStack already took longer than
    ``config.reference_big_limit``, and its call is cut off after ``config.reference_big_budget`` seconds
    (its peak so far is then reported as a lower bound).
    """
    n = config.big_stack_resources
    request = fixtures.stack_request(n)
    runs = []
    for name in SERVERS:
        run = MemoryRun(name)
        deadline = BIG_CALL_TIMEOUT
        if name == REFERENCE:
            deadline = config.reference_big_budget
            if reference_stack_wall is not None and reference_stack_wall > config.reference_big_limit:
                run.note = (
                    f"skipped: its {config.stack_resources:,}-resource AnalyzeStack took "
                    f"{reference_stack_wall:.1f} s (> {config.reference_big_limit:g} s)"
                )
                runs.append(run)
                continue
        progress(f"AnalyzeStack over {n:,} resources (peak memory): {name}")
        _run_big(name, pack, request, run, deadline)
        runs.append(run)
    return runs


def _run_big(name: str, pack: BenchPack, request: Any, run: MemoryRun, deadline: float) -> None:
    with running(name, pack.path) as server:
        run.start_mib = procstat.peak_rss_mib(server.pid)
        started = time.perf_counter()
        try:
            server.stub.AnalyzeStack(request, timeout=deadline)
            run.wall = time.perf_counter() - started
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                run.note = f"cut off after {deadline:g} s: the peak shown is a lower bound"
            else:
                run.note = f"call failed after {time.perf_counter() - started:.0f} s: {e.code().name}"
        run.peak_mib = procstat.peak_rss_mib(server.pid)


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "n/a"


def _verdict(m: Measurement, by_server: dict[str, Measurement]) -> str:
    """Does this server's answer match the reference's (the bare server's is empty by design)?"""
    if m.server == BARE:
        return "empty (floor)" if not m.response else "NOT EMPTY"
    if m.server == REFERENCE:
        return f"{len(m.response.get('diagnostics', []))} diagnostics"
    return "same as reference" if m.response == by_server[REFERENCE].response else "DIFFERS from reference"


def _ratio_cells(m: Measurement, by_server: dict[str, Measurement], per_call: bool) -> list[str]:
    bare, ours = by_server[BARE], by_server[OURS]
    wall = (lambda x: x.wall_per_call) if per_call else (lambda x: x.wall)
    cpu = (lambda x: x.cpu_per_call) if per_call else (lambda x: x.cpu)
    return [
        _ratio(wall(m), wall(bare)),
        _ratio(cpu(m), cpu(bare)),
        _ratio(wall(m), wall(ours)),
        _ratio(cpu(m), cpu(ours)),
    ]


RATIO_COLUMNS = ["wall ÷ bare", "CPU ÷ bare", "wall ÷ ours", "CPU ÷ ours"]


def analyze_rows(pack: BenchPack, results: list[Measurement]) -> list[list[str]]:
    by_server = {m.server: m for m in results}
    return [
        [
            pack.label,
            m.server,
            f"{m.wall_per_call * 1e6:,.0f}",
            f"{m.cpu_per_call * 1e6:,.0f}",
            *_ratio_cells(m, by_server, per_call=True),
            _verdict(m, by_server),
        ]
        for m in results
    ]


def stack_rows(results: list[Measurement], n: int) -> list[list[str]]:
    by_server = {m.server: m for m in results}
    return [
        [
            m.server,
            f"{m.wall_per_call:,.2f}",
            f"{m.cpu_per_call:,.2f}",
            f"{m.cpu_per_call / n * 1e6:,.1f}",
            _mib(m.peak_mib),
            *_ratio_cells(m, by_server, per_call=True),
            _verdict(m, by_server),
        ]
        for m in results
    ]


def _mib(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


# ---------------------------------------------------------------------------------------------
# The suite
# ---------------------------------------------------------------------------------------------


def suite(config: BenchConfig) -> SuiteResult:
    """Run every analyzer workload and build the report sections and targets."""
    result = SuiteResult("analyzer")
    verdicts: dict[str, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-packs-") as tmp:
        packs = write_packs(Path(tmp))
        resource_packs = [p for p in packs if p.kind == "resource"]
        stack_pack = next(p for p in packs if p.kind == "stack")
        interpreter = interpreter_start_seconds(config.startup_repeats)
        imports = {p.label: pack_import_times(p.path, config.startup_repeats) for p in packs}
        port_times: dict[str, dict[str, list[float]]] = {p.label: {s: [] for s in SERVERS} for p in packs}

        analyze = {p.label: analyze_workload(p, config, port_times[p.label]) for p in resource_packs}
        stack = stack_workload(stack_pack, config, port_times[stack_pack.label])
        for p in packs:
            _more_port_samples(p, config, port_times[p.label])
        reference_10k = next(m.wall_per_call for m in stack if m.server == REFERENCE)
        memory = memory_workload(stack_pack, config, reference_10k) if config.big_stack_resources > 0 else []

    for label, results in analyze.items():
        verdicts[f"Analyze/{label}"] = {m.server: m.response for m in results}
    verdicts[f"AnalyzeStack/{stack_pack.label}"] = {m.server: m.response for m in stack}
    result.data = {
        "verdicts": verdicts,
        "analyze": analyze,
        "stack": stack,
        "memory": memory,
        "imports": imports,
    }

    result.sections.append(_analyze_section(config, resource_packs, analyze))
    result.sections.append(_stack_section(config, stack_pack, stack))
    startup, startup_targets = _startup_section(packs, interpreter, imports, port_times)
    result.sections.append(startup)
    if memory:
        result.sections.append(_memory_section(config, memory))
    result.targets.extend(_targets(analyze, stack, memory, config))
    result.targets.extend(startup_targets)
    return result


def _more_port_samples(pack: BenchPack, config: BenchConfig, samples: dict[str, list[float]]) -> None:
    """Extra spawn-and-stop cycles so each start-up time is a median, not one sample."""
    progress(f"start-up samples, {pack.label}")
    for name in SERVERS:
        while len(samples[name]) < config.startup_repeats:
            with running(name, pack.path) as server:
                samples[name].append(server.port_seconds)


def _analyze_section(
    config: BenchConfig, packs: list[BenchPack], analyze: dict[str, list[Measurement]]
) -> Section:
    n_props = len(fixtures.s3_bucket().properties)
    section = Section(
        f"Analyze: {config.calls:,} calls on one S3 bucket ({n_props} top-level properties, nested)",
        ["Pack", "Server", "wall/call (µs)", "server CPU/call (µs)", *RATIO_COLUMNS, "Verdicts"],
    )
    for p in packs:
        section.rows.extend(analyze_rows(p, analyze[p.label]))
    section.notes.append(
        f"All servers running at once, {config.warmup:,} warm-up calls each, then {config.calls:,} sequential "
        f"calls from one client in {ROUNDS} interleaved rounds per server. Server CPU = utime+stime of the "
        "server process (all threads), summed over its rounds."
    )
    return section


def _stack_section(config: BenchConfig, pack: BenchPack, stack: list[Measurement]) -> Section:
    section = Section(
        f"AnalyzeStack: {config.stack_resources:,} resources, {pack.label}",
        [
            "Server",
            "wall/call (s)",
            "server CPU/call (s)",
            "CPU/resource (µs)",
            "VmHWM (MiB)",
            *RATIO_COLUMNS,
            "Verdicts",
        ],
        stack_rows(stack, config.stack_resources),
    )
    section.notes.append(
        "Resources: root stack, provider, then buckets (half), IAM roles, security groups and instances "
        f"with parents and dependencies. One warm-up AnalyzeStack of 200 resources, then {config.stack_repeats} "
        "timed calls per server (numbers per call; VmHWM = the server's peak after them)."
    )
    return section


def _startup_section(
    packs: list[BenchPack],
    interpreter: float,
    imports: dict[str, ImportTimes],
    port_times: dict[str, dict[str, list[float]]],
) -> tuple[Section, list[Target]]:
    section = Section(
        "Start-up: spawn to port line (median seconds)",
        [
            "Pack",
            "`python -c pass`",
            "import pulumi_policy",
            "pack module",
            *SERVERS,
            "budget for ours",
            "met",
        ],
    )
    targets = []
    for p in packs:
        imp = imports[p.label]
        ports = {s: statistics.median(port_times[p.label][s]) for s in SERVERS}
        budget = 0.5 + imp.total
        met = ports[OURS] <= budget
        section.rows.append(
            [
                p.label,
                f"{interpreter:.3f}",
                f"{imp.sdk:.3f}",
                f"{imp.pack:.3f}",
                *(f"{ports[s]:.3f}" for s in SERVERS),
                f"{budget:.3f}",
                "met" if met else "MISSED",
            ]
        )
        targets.append(
            Target(
                f"port line, {p.label}",
                "≤ 0.5 s + pack import",
                f"{ports[OURS]:.3f} s vs {budget:.3f} s",
                met,
            )
        )
    section.notes.append(
        "Pack import = in a fresh interpreter, `import pulumi_policy` then running the pack's `__main__.py` "
        "with `PolicyPack` stubbed out (what any host must pay before printing a port)."
    )
    return section, targets


def _memory_section(config: BenchConfig, memory: list[MemoryRun]) -> Section:
    section = Section(
        f"Peak memory: AnalyzeStack over {config.big_stack_resources:,} resources (fresh process each)",
        ["Server", "VmHWM after start (MiB)", "VmHWM after call (MiB)", "wall (s)", "note"],
    )
    for run in memory:
        wall = "-" if run.wall is None else f"{run.wall:,.1f}"
        section.rows.append([run.server, _mib(run.start_mib), _mib(run.peak_mib), wall, run.note])
    return section


def _targets(
    analyze: dict[str, list[Measurement]],
    stack: list[Measurement],
    memory: list[MemoryRun],
    config: BenchConfig,
) -> list[Target]:
    targets = []
    biggest = max(analyze, key=lambda label: int(label.split()[0]))
    by_server = {m.server: m for m in analyze[biggest]}
    ours, bare, ref = by_server[OURS], by_server[BARE], by_server[REFERENCE]
    cpu_vs_bare = ours.cpu_per_call / bare.cpu_per_call if bare.cpu_per_call else float("inf")
    targets.append(
        Target(
            f"server CPU per Analyze, {biggest}: ours ÷ bare",
            "≤ 1.5x",
            f"{cpu_vs_bare:.2f}x ({ours.cpu_per_call * 1e6:,.0f} vs {bare.cpu_per_call * 1e6:,.0f} µs)",
            cpu_vs_bare <= 1.5,
        )
    )
    ref_vs_ours = ref.cpu_per_call / ours.cpu_per_call if ours.cpu_per_call else float("inf")
    targets.append(
        Target(
            f"server CPU per Analyze, {biggest}: reference ÷ ours (the issue's estimate)",
            "≥ 2.5x",
            f"{ref_vs_ours:.2f}x",
            ref_vs_ours >= 2.5,
        )
    )
    s = {m.server: m for m in stack}
    ref_wall, our_wall = s[REFERENCE].wall_per_call, s[OURS].wall_per_call
    speedup = ref_wall / our_wall if our_wall else float("inf")
    targets.append(
        Target(
            f"AnalyzeStack over {config.stack_resources:,} resources: reference wall ÷ ours",
            "≥ 5x",
            f"{speedup:.1f}x ({ref_wall:.2f} s vs {our_wall:.2f} s)",
            speedup >= 5,
        )
    )
    if memory:
        m = {r.server: r for r in memory}
        measured = f"ours {_mib(m[OURS].peak_mib)} MiB, reference {_mib(m[REFERENCE].peak_mib)} MiB"
        if m[REFERENCE].note:
            measured += f" (reference {m[REFERENCE].note})"
        targets.append(
            Target(
                f"peak memory, AnalyzeStack over {config.big_stack_resources:,} resources",
                "reported",
                measured,
                m[OURS].peak_mib is not None,
            )
        )
    return targets
