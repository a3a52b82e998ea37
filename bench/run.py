"""``make bench``: run the benchmark suites, print the Markdown report and write ``bench/RESULTS.md``.

Usage: ``python -m bench.run [--quick] [--calls N] [--stack N] [--big-stack N] [--suite NAME] [--out PATH]``.
Sizes can also come from the environment (``BENCH_CALLS``, ``BENCH_WARMUP``, ``BENCH_STACK``,
``BENCH_STACK_REPEATS``, ``BENCH_BIG_STACK``, ``BENCH_STARTUP_REPEATS``, ``BENCH_DISCOVERY_BUCKETS``);
flags win over variables, variables over ``--quick``.
To add a suite, append ``(name, function)`` to :data:`SUITES`.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

import grpc

from policy_host.errors import PolicyHostError

from . import analyzer, audit_suite, discovery_suite, findings, groups_suite, hotspots
from .report import command_line, load_average, progress, render
from .results import BenchConfig, Suite, SuiteResult

#: The suites ``make bench`` runs, in order. Each is ``(BenchConfig) -> SuiteResult``.
SUITES: list[tuple[str, Suite]] = [
    ("analyzer", analyzer.suite),
    ("hotspots", hotspots.suite),
    ("discovery", discovery_suite.suite),
    ("audit", audit_suite.suite),
    ("findings", findings.suite),
    ("groups", groups_suite.suite),
]

DEFAULT_OUT = Path(__file__).with_name("RESULTS.md")
QUICK = BenchConfig(
    calls=300,
    warmup=50,
    stack_resources=2_000,
    stack_repeats=1,
    big_stack_resources=10_000,
    startup_repeats=1,
    discovery_buckets=20,
)
# config field -> (flag, environment variable)
_SIZES = {
    "calls": ("--calls", "BENCH_CALLS"),
    "warmup": ("--warmup", "BENCH_WARMUP"),
    "stack_resources": ("--stack", "BENCH_STACK"),
    "stack_repeats": ("--stack-repeats", "BENCH_STACK_REPEATS"),
    "big_stack_resources": ("--big-stack", "BENCH_BIG_STACK"),
    "startup_repeats": ("--startup-repeats", "BENCH_STARTUP_REPEATS"),
    "discovery_buckets": ("--discovery-buckets", "BENCH_DISCOVERY_BUCKETS"),
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes for a fast look (about a minute)")
    for field_name, (flag, env) in _SIZES.items():
        p.add_argument(
            flag,
            dest=field_name,
            type=int,
            default=None,
            help=f"default {getattr(BenchConfig(), field_name)}; env {env}",
        )
    names = [name for name, _ in SUITES]
    p.add_argument("--suite", action="append", choices=names, help="run only this suite (repeatable)")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="where to write the report ('-' for nowhere)")
    return p


def config_from(args: argparse.Namespace, environ: dict[str, str]) -> BenchConfig:
    """Flags over environment variables over ``--quick`` over the defaults."""
    config = QUICK if args.quick else BenchConfig()
    changes: dict[str, int] = {}
    for field_name, (flag, env) in _SIZES.items():
        value = getattr(args, field_name)
        if value is None and environ.get(env):
            try:
                value = int(environ[env])
            except ValueError:
                raise SystemExit(f"error: {env}={environ[env]!r} is not an integer") from None
        if value is not None:
            if value < 0 or (
                value == 0 and field_name in ("calls", "stack_resources", "stack_repeats", "startup_repeats")
            ):
                raise SystemExit(f"error: {flag} must be positive, got {value}")
            changes[field_name] = value
    return dataclasses.replace(config, **changes)


def run(config: BenchConfig, suites: list[tuple[str, Suite]] = SUITES) -> list[SuiteResult]:
    """Run ``suites`` in order and return their results."""
    results = []
    for name, suite in suites:
        progress(f"suite {name}")
        results.append(suite(config))
    return results


def execute(argv: list[str]) -> tuple[list[SuiteResult], str]:
    """Parse ``argv``, run the selected suites, write the report unless ``--out -``; return both."""
    args = _parser().parse_args(argv)
    config = config_from(args, dict(os.environ))
    selected = [(n, s) for n, s in SUITES if not args.suite or n in args.suite]
    load_before = load_average()
    started = time.perf_counter()
    results = run(config, selected)
    text = render(results, config, command_line(argv), time.perf_counter() - started, load_before)
    if args.out != "-":
        Path(args.out).write_text(text, encoding="utf-8")
        progress(f"wrote {args.out}")
    return results, text


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bench.run``: the report on stdout; returns the exit code."""
    try:
        _, text = execute(list(sys.argv[1:] if argv is None else argv))
    except PolicyHostError as e:  # a server failed to start: the engine-style one-line reason
        print(f"error: {e}", file=sys.stderr)
        return 1
    except grpc.RpcError as e:
        print(f"error: a server call failed: {e.code().name}: {e.details()}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
