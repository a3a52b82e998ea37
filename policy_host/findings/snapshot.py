"""What one EvaluationRun says, before any store is involved: its failures per (resource, pack, policy)
and its posture snapshot (every enabled policy's verdict and the totals per scope).

Definitions (docs/findings.md "Scores"):

- A *failure* is a FAIL or ERROR result; several results for one (resource, pack, policy) are one failure.
  It is *exempted* when every one of those results carries an exemption.
- A policy *passes* in a run when it has no non-exempt failure (not-applicable results are not failures).
- The run's *governed resources* are the resources it judged (plus any URN a result names). A resource
  policy applies to a governed resource unless it reported not-applicable for it; a stack policy applies
  to every governed resource unless it reported not-applicable for the stack as a whole.
- A resource *passes* a scope (a set of policies) when no policy of the scope that applies to it has a
  non-exempt failure on it; it is governed by the scope when at least one of the scope's policies applies.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..model import (
    EnforcementLevel,
    EvaluatedPolicy,
    EvaluationRun,
    Outcome,
    PolicyResult,
    PolicyType,
    Severity,
)
from ..wire.values import redact_secrets

PolicyKey = tuple[str, str]  # (pack, policy)
FailureKey = tuple[str, str, str]  # (urn, pack, policy)

ALL = "all"
GROUP = "group"
PACK = "pack"
SEVERITY = "severity"
GROUP_SEVERITY = "group-severity"
SCOPE_SEP = "\x1f"


@dataclass
class Failure:
    """The failing results of one (resource, pack, policy) in a run, merged."""

    urn: str
    pack: str
    pack_version: str
    policy: str
    outcome: str  # "fail" | "error" (error wins)
    level: str
    severity: str
    messages: list[str] = field(default_factory=list)
    exempted: bool = True  # until a result without an exemption is seen
    exemption_id: str | None = None
    exemption_reason: str | None = None
    proposed_fix: dict[str, Any] | None = None

    @property
    def message(self) -> str:
        return "\n".join(self.messages)


@dataclass
class PolicyVerdict:
    """One enabled policy in one run: the row of ``finding_run_policies``."""

    policy: EvaluatedPolicy
    applicable: int
    failing: int
    exempted: int
    errored: bool
    passing: bool
    violations: int


@dataclass
class ScopeTotals:
    """The row of ``finding_run_scopes`` for one scope."""

    scope: str
    key: str
    policy_group: str = ""
    policies: int = 0
    policies_passing: int = 0
    policies_errored: int = 0
    resources: int = 0
    resources_passing: int = 0
    violations: int = 0


@dataclass
class Snapshot:
    failures: dict[FailureKey, Failure]
    verdicts: list[PolicyVerdict]
    scopes: list[ScopeTotals]

    @property
    def totals(self) -> ScopeTotals:
        return next(s for s in self.scopes if s.scope == ALL)


def collapse(results: list[PolicyResult]) -> tuple[dict[FailureKey, Failure], dict[PolicyKey, set[str]]]:
    """Failures by (urn, pack, policy), and the URNs each policy reported not-applicable for."""
    failures: dict[FailureKey, Failure] = {}
    not_applicable: dict[PolicyKey, set[str]] = defaultdict(set)
    for r in results:
        if r.outcome == Outcome.NOT_APPLICABLE:
            not_applicable[(r.pack_name, r.policy_name)].add(r.resource_urn)
            continue
        if r.outcome not in (Outcome.FAIL, Outcome.ERROR):
            continue  # PASS / SKIP rows are implied and ignored if a caller sends them anyway
        key = (r.resource_urn, r.pack_name, r.policy_name)
        f = failures.get(key)
        if f is None:
            f = failures[key] = Failure(
                urn=r.resource_urn,
                pack=r.pack_name,
                pack_version=r.pack_version,
                policy=r.policy_name,
                outcome="fail",
                level=_value(r.level),
                severity=_value(r.severity),
            )
        if r.outcome == Outcome.ERROR:
            f.outcome = "error"
        if r.message and r.message not in f.messages:
            f.messages.append(r.message)
        if r.exemption_id:
            f.exemption_id = f.exemption_id or r.exemption_id
            f.exemption_reason = f.exemption_reason or r.exemption_reason
        else:
            f.exempted = False
        if f.proposed_fix is None and (r.proposed_before is not None or r.proposed_after is not None):
            f.proposed_fix = {
                "before": redact_secrets(r.proposed_before),
                "after": redact_secrets(r.proposed_after),
            }
    for f in failures.values():
        if not f.exempted:
            # a waiver that covers only some of the results does not waive the failure
            f.exemption_id = f.exemption_reason = None
    return failures, not_applicable


def enabled_policies(run: EvaluationRun, failures: dict[FailureKey, Failure]) -> list[EvaluatedPolicy]:
    """The run's policies, first declaration winning, plus any policy a failure names but the run did
    not list (so a failure always counts against some policy)."""
    seen: dict[PolicyKey, EvaluatedPolicy] = {}
    for p in run.policies:
        seen.setdefault((p.pack_name, p.policy_name), p)
    for f in failures.values():
        if (f.pack, f.policy) not in seen:
            seen[(f.pack, f.policy)] = EvaluatedPolicy(
                pack_name=f.pack,
                pack_version=f.pack_version,
                policy_name=f.policy,
                policy_type=PolicyType.UNKNOWN,
                level=EnforcementLevel.parse(f.level),
                severity=Severity.parse(f.severity or None),
            )
    return list(seen.values())


def take_snapshot(run: EvaluationRun) -> Snapshot:
    """Failures, per-policy verdicts and per-scope totals of ``run``."""
    failures, not_applicable = collapse(run.results)
    policies = enabled_policies(run, failures)
    governed: set[str] = {r.urn for r in run.resources}
    governed.update(f.urn for f in failures.values() if f.urn)

    failing_by_policy: dict[PolicyKey, set[str]] = defaultdict(set)
    violations: dict[PolicyKey, int] = defaultdict(int)
    exempted: dict[PolicyKey, int] = defaultdict(int)
    errored: set[PolicyKey] = set()
    for f in failures.values():
        key = (f.pack, f.policy)
        if f.exempted:
            exempted[key] += 1
            continue
        violations[key] += 1
        if f.urn:
            failing_by_policy[key].add(f.urn)
        if f.outcome == "error":
            errored.add(key)

    verdicts = []
    for p in policies:
        key = (p.pack_name, p.policy_name)
        na = not_applicable.get(key, set())
        applicable = _applicable(p, governed, na)
        verdicts.append(
            PolicyVerdict(
                policy=p,
                applicable=len(applicable),
                failing=len(failing_by_policy.get(key, ())),
                exempted=exempted.get(key, 0),
                errored=key in errored,
                passing=violations.get(key, 0) == 0,
                violations=violations.get(key, 0),
            )
        )

    members: dict[tuple[str, str], list[PolicyVerdict]] = defaultdict(list)
    pack_groups: dict[str, str] = {}
    for v in verdicts:
        p = v.policy
        sev = _value(p.severity)
        members[(ALL, "")].append(v)
        members[(GROUP, p.group)].append(v)
        members[(PACK, p.pack_name)].append(v)
        members[(SEVERITY, sev)].append(v)
        members[(GROUP_SEVERITY, f"{p.group}{SCOPE_SEP}{sev}")].append(v)
        pack_groups.setdefault(p.pack_name, p.group)
    if not verdicts:
        members[(ALL, "")] = []

    scopes = []
    for (scope, key), vs in members.items():
        totals = ScopeTotals(scope, key, pack_groups.get(key, "") if scope == PACK else "")
        totals.policies = len(vs)
        totals.policies_passing = sum(1 for v in vs if v.passing)
        totals.policies_errored = sum(1 for v in vs if v.errored)
        totals.violations = sum(v.violations for v in vs)
        scope_governed = _scope_governed(vs, governed, not_applicable)
        failing: set[str] = set()
        for v in vs:
            failing |= failing_by_policy.get((v.policy.pack_name, v.policy.policy_name), set())
        totals.resources = len(scope_governed)
        totals.resources_passing = len(scope_governed - failing)
        scopes.append(totals)
    return Snapshot(failures, verdicts, scopes)


def _value(enum_or_str: Any) -> str:
    return str(getattr(enum_or_str, "value", enum_or_str) or "")


def _is_stack(p: EvaluatedPolicy) -> bool:
    return _value(p.policy_type) == PolicyType.STACK.value


def _applicable(p: EvaluatedPolicy, governed: set[str], na: set[str]) -> set[str]:
    if _is_stack(p):
        # not-applicable for the stack as a whole ("" or any URN) switches a stack policy off
        return set() if na else governed
    return governed - na if na else governed


def _scope_governed(
    verdicts: list[PolicyVerdict], governed: set[str], not_applicable: dict[PolicyKey, set[str]]
) -> set[str]:
    """Resources at least one policy of the scope applies to."""
    if not verdicts:
        return set()
    out: set[str] = set()
    for v in verdicts:
        na = not_applicable.get((v.policy.pack_name, v.policy.policy_name), set())
        if not na:
            return governed  # one policy applies everywhere: the whole run is governed
        out |= _applicable(v.policy, governed, na)
        if len(out) == len(governed):
            break
    return out
