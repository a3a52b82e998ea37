"""The engine's rules for interpreting analyzer answers, as pure functions (``engine-protocol.md`` §4, §8).

- levels (§8.1): REMEDIATE in a diagnostic counts as MANDATORY; DISABLED is refused (it panics the CLI);
- severity (§4): an UNSPECIFIED diagnostic severity falls back to the policy's;
- version (§4): a PulumiPolicy.yaml version replaces the one in diagnostics and remediations; without
  one, each keeps the version its analyzer reported;
- attribution (§8.2): Analyze diagnostics belong to the analyzed resource; AnalyzeStack diagnostics keep a
  URN naming a resource of the stack, else go to the root stack;
- summaries (§8.4): failed = policies named in diagnostics (remediations); passed = policies of the phase's
  type (UNKNOWN counts for both) minus DISABLED minus not-applicable minus failed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace

from ..model import Diagnostic, EnforcementLevel, PackInfo, PolicyType, Severity
from .results import ANALYZE_STACK, Summary


class DisabledDiagnosticError(Exception):
    """A pack returned a DISABLED diagnostic, which the engine cannot handle."""


def normalise_diagnostic(
    diag: Diagnostic, pack: PackInfo, urn: str, version: str | None = None
) -> Diagnostic:
    """Apply level, severity, version and attribution rules to one diagnostic."""
    level = diag.level
    if level == EnforcementLevel.DISABLED:
        raise DisabledDiagnosticError(
            f'policy pack "{pack.name}" returned a diagnostic for policy "{diag.policy_name}" '
            "with enforcement level disabled"
        )
    if level == EnforcementLevel.REMEDIATE:
        level = EnforcementLevel.MANDATORY
    severity = diag.severity
    if severity == Severity.UNSPECIFIED:
        policy = pack.policy(diag.policy_name)
        if policy is not None:
            severity = policy.severity
    version = version if version is not None else pack.version
    return replace(diag, level=level, severity=severity, pack_version=version, urn=urn)


def attribute_stack_urn(urn: str, known_urns: Collection[str], root_urn: str) -> str:
    """AnalyzeStack attribution: keep a URN of a resource in the stack, else the root stack's URN."""
    return urn if urn in known_urns else root_urn


def summarise(
    pack: PackInfo,
    phase: str,
    urn: str,
    failed_names: Iterable[str],
    not_applicable_names: Iterable[str],
) -> Summary:
    """One summary for a pack in a phase on one resource (or on the stack, ``urn`` = root)."""
    wanted = PolicyType.STACK if phase == ANALYZE_STACK else PolicyType.RESOURCE
    failed = sorted(set(failed_names))
    skipped = set(not_applicable_names) | set(failed)
    passed = sorted(
        p.name
        for p in pack.policies
        if p.policy_type in (wanted, PolicyType.UNKNOWN)
        and p.enforcement_level != EnforcementLevel.DISABLED
        and p.name not in skipped
    )
    return Summary(pack.name, pack.version, phase, urn, tuple(passed), tuple(failed))
