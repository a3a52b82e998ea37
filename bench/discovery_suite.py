"""Wraps ``bench/discovery.py`` (cloud discovery throughput, written with the sources layer) as a suite.

That module exposes ``run(n_buckets: int) -> dict``; its keys and values become the rows of one table.
When the module is absent or fails, the report says so instead of failing the whole benchmark.
"""

from __future__ import annotations

import importlib

from .results import BenchConfig, Section, SuiteResult


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def suite(config: BenchConfig) -> SuiteResult:
    """Run ``bench.discovery.run(config.discovery_buckets)`` if the module exists."""
    result = SuiteResult("discovery")
    section = Section(
        f"Discovery: {config.discovery_buckets:,} S3 buckets from an emulator", ["Metric", "Value"]
    )
    result.sections.append(section)
    try:
        module = importlib.import_module("bench.discovery")
    except ModuleNotFoundError as e:
        if e.name != "bench.discovery":
            section.notes.append(f"bench/discovery.py could not be imported: {e}")
        else:
            section.notes.append("bench/discovery.py is not present; nothing measured.")
        return result
    try:
        rows = module.run(config.discovery_buckets)
    except Exception as e:  # a failing extra suite must not sink the analyzer numbers
        section.notes.append(f"bench/discovery.py failed: {type(e).__name__}: {e}".splitlines()[0])
        return result
    section.rows = [[str(k), _format(v)] for k, v in dict(rows).items()]
    result.data = dict(rows)
    return result
