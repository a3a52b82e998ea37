"""The CLI's ``Policies:`` block, as ``pkg/backend/display/progress.go`` ``printPolicies`` prints it
(shared docs ``engine-protocol.md`` §8.5), without colours::

    Policies:
        ❌ aws-rules@v1.0.0 (local: packs/aws)
            - [remediate]  add-tags  (2 resources)
            - [mandatory] [severity: high]  s3-prefix  (aws:s3/bucket:Bucket: logs)
              Bucket names carry the corporate prefix.
              bucket 'logs' does not start with 'corp-'

Packs are sorted by ``name@vversion``; remediation counts come first (sorted by policy); violations are
sorted by level (remediate < mandatory < advisory < disabled), severity (critical first), policy, URN.
The ``(type: name)`` suffix appears only when the violation has a URN.
"""

from __future__ import annotations

from ..engine.results import RunResult, Violation
from ..model import EnforcementLevel, Severity
from ..sources.urn import is_urn, urn_name, urn_type

PASS, WARN, FAIL = "✅", "⚠️", "❌"
_INDENT = "    "
_ITEM = _INDENT * 2
_LEVEL_ORDER = {
    EnforcementLevel.REMEDIATE: 0,
    EnforcementLevel.MANDATORY: 1,
    EnforcementLevel.ADVISORY: 2,
    EnforcementLevel.DISABLED: 3,
}
_SEVERITY_ORDER = {
    Severity.CRITICAL: 0,
    Severity.HIGH: 1,
    Severity.MEDIUM: 2,
    Severity.LOW: 3,
    Severity.UNSPECIFIED: 4,
}


def render_policies(result: RunResult) -> str:
    """The block, ending with a blank line; empty when no pack was loaded."""
    if not result.packs:
        return ""
    groups: dict[str, dict] = {}
    for pack in result.packs:
        key = f"{pack.name}@v{pack.version}"
        group = groups.setdefault(key, {"paths": [], "violations": [], "remediations": []})
        group["paths"].append(pack.spec.path)
    for violation in result.violations:
        key = f"{violation.diagnostic.pack_name}@v{violation.diagnostic.pack_version}"
        groups.setdefault(key, {"paths": [], "violations": [], "remediations": []})["violations"].append(
            violation
        )
    for rem in result.remediations:
        key = f"{rem.pack_name}@v{rem.pack_version}"
        groups.setdefault(key, {"paths": [], "violations": [], "remediations": []})["remediations"].append(
            rem
        )

    lines = ["Policies:"]
    for key in sorted(groups):
        group = groups[key]
        local = f" (local: {'; '.join(sorted(group['paths']))})" if group["paths"] else ""
        lines.append(f"{_INDENT}{_marker(group['violations'])} {key}{local}")
        counts: dict[str, int] = {}
        for rem in group["remediations"]:
            counts[rem.policy_name] = counts.get(rem.policy_name, 0) + 1
        for policy in sorted(counts):
            n = counts[policy]
            lines.append(f"{_ITEM}- [remediate]  {policy}  ({n} {'resource' if n == 1 else 'resources'})")
        for violation in sorted(group["violations"], key=_sort_key):
            lines.extend(render_violation(violation))
    lines.append("")
    return "\n".join(lines) + "\n"


def render_violation(violation: Violation) -> list[str]:
    """One ``- [level] [severity: s]  policy  (type: name)`` line and its indented message lines."""
    diag = violation.diagnostic
    severity = f" [severity: {diag.severity.value}]" if diag.severity != Severity.UNSPECIFIED else ""
    suffix = f"  ({urn_type(diag.urn)}: {urn_name(diag.urn)})" if is_urn(diag.urn) else ""
    head = f"{_ITEM}- [{diag.level.value}]{severity}  {diag.policy_name}{suffix}"
    message = diag.message.removesuffix("\n")
    return [head, *(f"{_ITEM}  {line}" for line in message.split("\n"))]


def _marker(violations: list[Violation]) -> str:
    if any(v.diagnostic.level == EnforcementLevel.MANDATORY for v in violations):
        return FAIL
    return WARN if violations else PASS


def _sort_key(violation: Violation) -> tuple:
    diag = violation.diagnostic
    return (
        _LEVEL_ORDER.get(diag.level, 9),
        _SEVERITY_ORDER.get(diag.severity, 9),
        diag.policy_name,
        diag.urn,
    )
