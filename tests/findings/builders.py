"""Small builders of EvaluationRuns for findings and report tests (what audit and the host hand over)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    """``T0`` plus ``n`` days: when run number ``n`` finished."""
    return T0 + timedelta(days=n)


def resource(
    name: str,
    type: str = "aws:s3/bucket:Bucket",
    *,
    stack: str = "dev",
    managed_by: str = "",
    version: str = "",
) -> EvaluatedResource:
    return EvaluatedResource(
        urn=f"urn:pulumi:{stack}::proj::{type}::{name}",
        type=type,
        name=name,
        managed_by=managed_by,
        version=version,
    )


def policy(
    pack: str,
    name: str,
    *,
    stack_policy: bool = False,
    level: str = "advisory",
    severity: str = "",
    group: str = "",
    version: str = "1.0.0",
) -> EvaluatedPolicy:
    return EvaluatedPolicy(
        pack_name=pack,
        pack_version=version,
        policy_name=name,
        policy_type=PolicyType.STACK if stack_policy else PolicyType.RESOURCE,
        level=EnforcementLevel(level),
        severity=Severity(severity),
        group=group,
    )


def fail(
    target: EvaluatedResource | str,
    p: EvaluatedPolicy,
    message: str = "",
    *,
    exemption: str | None = None,
    error: bool = False,
) -> PolicyResult:
    urn = target if isinstance(target, str) else target.urn
    return PolicyResult(
        resource_urn=urn,
        pack_name=p.pack_name,
        pack_version=p.pack_version,
        policy_name=p.policy_name,
        outcome=Outcome.ERROR if error else Outcome.FAIL,
        level=p.level,
        severity=p.severity,
        message=message or f"{p.policy_name} failed",
        exemption_id=exemption,
        exemption_reason=f"reason of {exemption}" if exemption else None,
    )


def not_applicable(target: EvaluatedResource | str, p: EvaluatedPolicy) -> PolicyResult:
    urn = target if isinstance(target, str) else target.urn
    return PolicyResult(
        urn, p.pack_name, p.pack_version, p.policy_name, Outcome.NOT_APPLICABLE, p.level, p.severity
    )


def run(
    entity: str,
    resources: list[EvaluatedResource],
    policies: list[EvaluatedPolicy],
    results: list[PolicyResult],
    *,
    at: float = 0,
    account: bool = False,
    kind: str | None = None,
    errors: tuple[str, ...] = (),
    source: str = "",
) -> EvaluationRun:
    """A run of ``entity`` that finished on day ``at`` (and started a minute before)."""
    finished = day(at)
    return EvaluationRun(
        entity_type=EntityType.ACCOUNT if account else EntityType.STACK,
        entity=entity,
        kind=RunKind(kind or ("audit" if account else "preventative")),
        started_at=finished - timedelta(minutes=1),
        finished_at=finished,
        resources=list(resources),
        policies=list(policies),
        results=list(results),
        source=source or f"test run of {entity} on day {at}",
        errors=list(errors),
    )
