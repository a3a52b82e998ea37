"""Findings at scale: record a 100,000-result audit run into a fresh SQLite store, record it again (every
issue still open), then answer ``issue ls`` with filters, the posture and a JSON report.

``run(results) -> dict`` returns the measurements (seconds, counts); nothing is asserted here, the issue's
goal (``issue ls`` with a filter under a second on a 100,000-result store) is reported as a target by
``suite``. ``python -m bench.findings [RESULTS]`` prints the numbers alone.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from policy_host.findings import record_run
from policy_host.findings.posture import Selection, current_posture
from policy_host.findings.query import IssueFilter, list_issues
from policy_host.findings.report_data import gather
from policy_host.findings.serialize import issue_to_dict
from policy_host.model import (
    EnforcementLevel,
    EntityType,
    EvaluatedPolicy,
    EvaluatedResource,
    EvaluationRun,
    Outcome,
    PolicyResult,
    PolicyType,
    RunKind,
    Severity,
)
from policy_host.report.findings_json import render_findings_json
from policy_host.store import open_store

from .results import BenchConfig, Section, SuiteResult, Target

SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.LOW)
TYPES = [f"aws:svc{i}/thing:Thing{i}" for i in range(10)]
LS_GOAL_SECONDS = 1.0


def make_run(results: int, at: datetime, policies: int = 5) -> EvaluationRun:
    """An audit run of one account where every resource fails every policy: ``results`` failures."""
    n = max(1, results // policies)
    resources = [
        EvaluatedResource(
            urn=f"urn:insights:bench/acct::aws::{TYPES[i % len(TYPES)]}::id-{i}",
            type=TYPES[i % len(TYPES)],
            name=f"thing-{i}",
            cloud_id=f"id-{i}",
            managed_by="acme/app/prod" if i % 3 == 0 else "",
            version="1",
        )
        for i in range(n)
    ]
    evaluated = [
        EvaluatedPolicy(
            "bench-pack",
            "1.0.0",
            f"policy-{j}",
            PolicyType.RESOURCE,
            EnforcementLevel.ADVISORY,
            SEVERITIES[j % 5],
        )
        for j in range(policies)
    ]
    failures = [
        PolicyResult(
            r.urn,
            p.pack_name,
            p.pack_version,
            p.policy_name,
            Outcome.FAIL,
            p.level,
            p.severity,
            "not compliant",
        )
        for r in resources
        for p in evaluated
    ]
    return EvaluationRun(
        EntityType.ACCOUNT,
        "bench/acct",
        RunKind.AUDIT,
        at - timedelta(minutes=5),
        at,
        resources,
        evaluated,
        failures,
        source="bench",
    )


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def run(results: int = 100_000) -> dict[str, Any]:
    """Measure recording and querying a store of ``results`` issues. Keys are the report's rows."""
    out: dict[str, Any] = {"results per run": results}
    with tempfile.TemporaryDirectory(prefix="bench-findings-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'store.db'}")
        try:
            t0 = datetime(2026, 1, 1, tzinfo=UTC)
            first, second = make_run(results, t0), make_run(results, t0 + timedelta(days=1))

            def record(evaluation: EvaluationRun):
                with store.transaction() as s:
                    return record_run(s, evaluation)

            seconds, summary = _timed(lambda: record(first))
            out["record: first run (all new), s"] = seconds
            out["issues opened"] = summary.new
            seconds, summary = _timed(lambda: record(second))
            out["record: second run (all still open), s"] = seconds
            out["issues still open"] = summary.still_open

            def ls(f: IssueFilter) -> list[dict[str, Any]]:
                with store.read() as s:  # what `issue ls --json` does, minus printing
                    return [issue_to_dict(i) for i in list_issues(s, f)]

            narrow = IssueFilter(policies=("policy-0",), resource_types=(TYPES[3],), managed=False)
            seconds, rows = _timed(lambda: ls(narrow))
            out["issue ls --policy policy-0 --type T3 --unmanaged, s"] = seconds
            out["issue ls --policy policy-0 --type T3 --unmanaged, rows"] = len(rows)
            broad = IssueFilter(severities=("critical",), statuses=("open",))
            seconds, rows = _timed(lambda: ls(broad))
            out["issue ls --severity critical --status open, s"] = seconds
            out["issue ls --severity critical --status open, rows"] = len(rows)

            def posture():
                with store.read() as s:
                    return current_posture(s, Selection(), group_by="policy")

            out["compliance --group-by policy, s"] = _timed(posture)[0]

            def report():
                with store.read() as s:
                    return render_findings_json(gather(s, Selection(), now=t0 + timedelta(days=2)))

            seconds, text = _timed(report)
            out["report --format json (all issues), s"] = seconds
            out["report --format json, MiB"] = len(text) / 1024 / 1024
        finally:
            store.close()
    return out


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def suite(config: BenchConfig) -> SuiteResult:
    """The findings suite for ``make bench``: sized by ``big_stack_resources`` (100,000 by default)."""
    results = config.big_stack_resources or 100_000
    data = run(results)
    section = Section(f"Findings: {results:,} results in a SQLite store", ["Metric", "Value"])
    section.rows = [[k, _format(v)] for k, v in data.items()]
    section.notes.append("Every resource fails every policy; the second run sees the same failures again.")
    ls_seconds = data["issue ls --policy policy-0 --type T3 --unmanaged, s"]
    target = Target(
        name="issue ls with a filter",
        goal=f"< {LS_GOAL_SECONDS:.0f} s on a {results:,}-result store",
        measured=f"{ls_seconds:.3f} s",
        met=ls_seconds < LS_GOAL_SECONDS,
    )
    return SuiteResult("findings", sections=[section], targets=[target], data=data)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    for key, value in run(count).items():
        print(f"{key}: {_format(value)}")
