"""Wraps ``bench/audit.py`` (scan and audit-evaluation throughput) as a suite of ``make bench``.

Sizes: ``config.big_stack_resources`` synthetic resources for evaluation (100,000 by default, as the
issue asks) and ``config.discovery_buckets`` buckets in the emulator for the scan. A failure is reported
in the section's notes instead of sinking the other suites.
"""

from __future__ import annotations

from .results import BenchConfig, Section, SuiteResult


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def suite(config: BenchConfig) -> SuiteResult:
    """Run ``bench.audit.run(resources, buckets)``."""
    from . import audit

    result = SuiteResult("audit")
    n = config.big_stack_resources or 10_000
    section = Section(
        f"Audit: scan of {config.discovery_buckets:,} buckets; evaluation of {n:,} resources (aws-baseline)",
        ["Metric", "Value"],
    )
    result.sections.append(section)
    try:
        rows = audit.run(n, config.discovery_buckets)
    except Exception as e:  # a failing extra suite must not sink the analyzer numbers
        section.notes.append(f"bench/audit.py failed: {type(e).__name__}: {e}".splitlines()[0])
        return result
    section.rows = [[str(k), _format(v)] for k, v in rows.items()]
    section.notes.append(
        "resource_evaluations_per_cpu_second: one thread, so per core; a resource evaluation is one "
        "resource judged by every enabled policy of the pack (plus remediation proposals)."
    )
    result.data = dict(rows)
    return result
