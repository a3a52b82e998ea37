"""Judge resources with configured packs and build an EvaluationRun: pure, no store, no I/O.

Every verdict comes from ``policy_host.evaluate`` (``analyze``, ``remediate``, ``analyze_stack``), the
core the analyzer serves; this module only turns its results into the findings contract:

- each Analyze diagnostic becomes a FAIL (ERROR when the policy itself failed) ``PolicyResult`` with the
  policy's *configured* level: ``remediate`` stays ``remediate`` (the core reports it as mandatory on
  the wire, as the engine expects). Audit never blocks, so levels are only recorded;
- a policy at level ``remediate`` also runs ``remediate`` on the same inputs; a proposed change is
  attached to that policy's failure as before/after inputs (secrets sealed) and is never applied;
  a change proposed without a violation is recorded as a failure of its own;
- stack policies judge all the entity's resources as one stack; their diagnostics keep the URN the
  policy attributed (or "" for the stack as a whole);
- an exemption covering a violation is recorded on the result (id and reason); the level is kept;
- not-applicable results are recorded when a policy *decided* it does not apply; the static ones (a
  typed policy meeting another type, a policy without a validate function) are implied by the pack's
  declaration and left out, which keeps a 100,000-resource run small.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .. import evaluate
from ..evaluate import EvalContext, PreparedPack, analyze, analyze_stack, remediate
from ..model import (
    Diagnostic,
    EnforcementLevel,
    EntityType,
    EvaluatedPolicy,
    EvaluatedResource,
    EvaluationRun,
    Outcome,
    Resource,
    RunKind,
    Severity,
)
from ..model import PolicyResult as Result
from .canonical import seal_secrets

ExemptionLookup = Callable[[Resource | str | None, str, str], Any]  # -> Exemption | None


@dataclass
class PackRun:
    """A loaded, configured pack and the group it came from."""

    pack: PreparedPack
    group: str = ""


@dataclass
class Subject:
    """One resource to judge: ``analyze`` for resource policies (None: the stack only reads it),
    ``stack`` for stack policies, and how it is named in the run."""

    analyze: Resource | None
    stack: Resource
    evaluated: EvaluatedResource


def enabled_policies(run: PackRun) -> list[EvaluatedPolicy]:
    """The pack's policies that are not disabled, at their configured levels."""
    return evaluate.enabled_policies(run.pack, run.group)


class _Judge:
    def __init__(self, run: PackRun, exemption_for: ExemptionLookup | None, ctx: EvalContext) -> None:
        self.pack = run.pack
        self.levels = run.pack.state.levels
        self.exemption_for = exemption_for
        self.ctx = ctx
        self.by_name = {p.name: p for p in run.pack.resource_policies}
        self.severity = {p.name: p.severity for p in (*run.pack.resource_policies, *run.pack.stack_policies)}
        self.remediating = any(
            self.levels[p.name] is EnforcementLevel.REMEDIATE and p.has_remediation
            for p in run.pack.resource_policies
        )

    def _level(self, d: Diagnostic) -> EnforcementLevel:
        configured = self.levels.get(d.policy_name)
        return EnforcementLevel.REMEDIATE if configured is EnforcementLevel.REMEDIATE else d.level

    def result(self, d: Diagnostic, urn: str, subject: Resource | str | None) -> Result:
        exemption = self.exemption_for(subject, d.policy_name, d.pack_name) if self.exemption_for else None
        return Result(
            resource_urn=urn,
            pack_name=d.pack_name,
            pack_version=d.pack_version,
            policy_name=d.policy_name,
            outcome=Outcome.ERROR if d.error else Outcome.FAIL,
            level=self._level(d),
            severity=d.severity,
            message=d.message,
            exemption_id=exemption.id if exemption is not None else None,
            exemption_reason=exemption.reason if exemption is not None else None,
        )

    def _decided(self, policy_name: str, rtype: str) -> bool:
        p = self.by_name.get(policy_name)
        return p is None or (p.has_validation and (p.types is None or rtype in p.types))

    def judge(self, res: Resource) -> list[Result]:
        analyzed = analyze(self.pack, res, self.ctx)
        out = [self.result(d, res.urn, res) for d in analyzed.diagnostics]
        for na in analyzed.not_applicable:
            if self._decided(na.policy_name, res.type):
                out.append(self._not_applicable(res.urn, na.policy_name, na.reason))
        if self.remediating:
            out = self._propose(res, out)
        return out

    def _not_applicable(self, urn: str, policy_name: str, reason: str) -> Result:
        return Result(
            resource_urn=urn,
            pack_name=self.pack.name,
            pack_version=self.pack.version,
            policy_name=policy_name,
            outcome=Outcome.NOT_APPLICABLE,
            level=self.levels.get(policy_name, EnforcementLevel.ADVISORY),
            severity=self.severity.get(policy_name, Severity.UNSPECIFIED),
            message=reason,
        )

    def _propose(self, res: Resource, out: list[Result]) -> list[Result]:
        before = seal_secrets(res.properties)
        for rem in remediate(self.pack, res, self.ctx).remediations:
            rows = [
                i
                for i, r in enumerate(out)
                if r.policy_name == rem.policy_name and r.outcome is not Outcome.NOT_APPLICABLE
            ]
            if rem.properties is not None:
                after = seal_secrets(rem.properties)
                if rows:
                    for i in rows:
                        out[i] = replace(out[i], proposed_before=before, proposed_after=after)
                else:
                    d = Diagnostic(
                        policy_name=rem.policy_name,
                        pack_name=rem.pack_name,
                        pack_version=rem.pack_version,
                        description=rem.description,
                        message=f"{rem.description}\nremediation proposes a change (not applied)",
                        level=EnforcementLevel.REMEDIATE,
                        severity=self.severity[rem.policy_name],
                    )
                    out.append(
                        replace(self.result(d, res.urn, res), proposed_before=before, proposed_after=after)
                    )
            elif rem.diagnostic and not rows:
                d = Diagnostic(
                    policy_name=rem.policy_name,
                    pack_name=rem.pack_name,
                    pack_version=rem.pack_version,
                    description=rem.description,
                    message=rem.diagnostic,
                    level=EnforcementLevel.REMEDIATE,
                    severity=self.severity[rem.policy_name],
                    error=True,
                )
                out.append(self.result(d, res.urn, res))
        return out

    def stack(self, resources: Sequence[Resource]) -> list[Result]:
        analyzed = analyze_stack(self.pack, resources, self.ctx)
        by_urn = {r.urn: r for r in resources}
        out = [self.result(d, d.urn, by_urn.get(d.urn) or (d.urn or None)) for d in analyzed.diagnostics]
        out.extend(self._not_applicable("", na.policy_name, na.reason) for na in analyzed.not_applicable)
        return out


def judge(
    packs: Sequence[PackRun],
    subjects: Sequence[Subject],
    exemption_for: ExemptionLookup | None = None,
    ctx: EvalContext | None = None,
) -> tuple[list[EvaluatedPolicy], list[Result]]:
    """Run every pack over every subject: resource policies one resource at a time, then stack policies
    over all of them. Returns the enabled policies and the non-passing results, in a stable order."""
    ctx = ctx or EvalContext()
    policies: list[EvaluatedPolicy] = []
    results: list[Result] = []
    stack_resources = [s.stack for s in subjects]
    for run in packs:
        policies.extend(enabled_policies(run))
        j = _Judge(run, exemption_for, ctx)
        if run.pack.resource_policies:
            for s in subjects:
                if s.analyze is not None:
                    results.extend(j.judge(s.analyze))
        if run.pack.stack_policies:
            results.extend(j.stack(stack_resources))
    return policies, results


def build_run(
    entity_type: EntityType,
    entity: str,
    packs: Sequence[PackRun],
    subjects: Sequence[Subject],
    *,
    started_at: Any,
    finished_at: Callable[[], Any],
    source: str,
    exemption_for: ExemptionLookup | None = None,
    errors: Sequence[str] = (),
    ctx: EvalContext | None = None,
) -> EvaluationRun:
    """Judge ``subjects`` and wrap everything in an audit ``EvaluationRun``."""
    policies, results = judge(packs, subjects, exemption_for, ctx)
    return EvaluationRun(
        entity_type=entity_type,
        entity=entity,
        kind=RunKind.AUDIT,
        started_at=started_at,
        finished_at=finished_at(),
        resources=[s.evaluated for s in subjects],
        policies=policies,
        results=results,
        source=source,
        errors=list(errors),
    )


def failures(run: EvaluationRun) -> int:
    """FAIL and ERROR results in a run."""
    return sum(1 for r in run.results if r.outcome in (Outcome.FAIL, Outcome.ERROR))


__all__ = ["PackRun", "Subject", "build_run", "enabled_policies", "failures", "judge"]
