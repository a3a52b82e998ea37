"""The benchmark report: which machine, which command, then the targets and every suite's tables."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from collections.abc import Iterable
from importlib import metadata

from .results import BenchConfig, Section, SuiteResult, Target


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> str:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    """What the numbers depend on: CPU, cores, memory, OS, interpreter and the gRPC stack."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": _cpu_model(),
        "cores": f"{os.cpu_count()} ({usable} usable by this process)",
        "RAM": _ram_gib(),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "grpcio": _version("grpcio"),
        "protobuf": _version("protobuf"),
        "pulumi": _version("pulumi"),
        "pulumi-policy": _version("pulumi-policy"),
    }


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(columns: list[str], rows: Iterable[list[str]]) -> list[str]:
    """A GitHub Markdown table; numeric-looking columns stay left-aligned for simplicity."""
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
    return lines


def _met(target: Target) -> str:
    return {True: "met", False: "**MISSED**", None: "not judged"}[target.met]


def _section(section: Section) -> list[str]:
    lines = [f"## {section.title}", ""]
    if section.rows:
        lines += table(section.columns, section.rows)
        lines.append("")
    for note in section.notes:
        lines += [note, ""]
    return lines


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews wall times more than CPU times."""
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "unknown"


def render(
    results: list[SuiteResult],
    config: BenchConfig,
    command: str,
    elapsed: float,
    load_before: str = "unknown",
) -> str:
    """The whole report as Markdown."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# policy-host benchmark results", ""]
    lines.append(f"- Date: {now} (run took {elapsed:.0f} s)")
    lines.append("- Machine: " + "; ".join(f"{k} {v}" for k, v in machine().items()))
    lines.append(f"- Load average (1 min) before / after the run: {load_before} / {load_average()}")
    lines.append(f"- Command: `{command}`")
    lines.append(
        f"- Sizes: {config.calls:,} Analyze calls after {config.warmup:,} warm-up; AnalyzeStack over "
        f"{config.stack_resources:,} resources ({config.stack_repeats} calls); peak memory over {config.big_stack_resources:,} resources; "
        f"start-up medians of {config.startup_repeats} spawns"
    )
    lines.append("")
    targets = [t for r in results for t in r.targets]
    if targets:
        lines += ["## Targets (from the issues)", ""]
        lines += table(
            ["Target", "Goal", "Measured", "Result"], ([t.name, t.goal, t.measured, _met(t)] for t in targets)
        )
        lines.append("")
    for result in results:
        for section in result.sections:
            lines += _section(section)
    return "\n".join(lines).rstrip() + "\n"


def command_line(argv: list[str]) -> str:
    """How this run was started, as a user would type it."""
    return " ".join(["python -m bench.run", *argv]) if argv else "make bench  (python -m bench.run)"


def progress(message: str) -> None:
    """A progress line on stderr, keeping stdout for the report."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)
