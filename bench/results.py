"""What a benchmark suite is given and what it hands back: settings, tables, targets.

A suite is a function ``(BenchConfig) -> SuiteResult``; :mod:`bench.run` lists them and
:mod:`bench.report` renders their results. New suites need nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class BenchConfig:
    """Sizes and limits of one benchmark run (defaults = the issue's; ``--quick`` shrinks them)."""

    calls: int = 3000  # Analyze calls per pack and server
    warmup: int = 200  # Analyze calls before measuring
    stack_resources: int = 10_000  # resources in the timed AnalyzeStack
    stack_repeats: int = 2  # timed AnalyzeStack calls per server (numbers are per call)
    big_stack_resources: int = 100_000  # resources in the peak-memory AnalyzeStack (0 = skip)
    startup_repeats: int = 3  # spawns per server and pack for the start-up times (median)
    # The reference's peak-memory run is skipped when its timed AnalyzeStack took longer than this...
    reference_big_limit: float = 60.0
    # ...and cut off after this many seconds (keeps ``make bench`` near 5 minutes on 2 cores).
    reference_big_budget: float = 120.0
    discovery_buckets: int = 100  # buckets seeded for bench/discovery.py


@dataclass
class Section:
    """One Markdown table with a heading and notes under it."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    """A goal from the issue and whether this run met it (``met=None``: could not be judged)."""

    name: str
    goal: str
    measured: str
    met: bool | None


@dataclass
class SuiteResult:
    """A suite's tables and targets, plus raw data for tests (``data``; not rendered)."""

    name: str
    sections: list[Section] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


Suite = Callable[[BenchConfig], SuiteResult]
