"""``policy-host report --format sarif``: the selection's issues as SARIF 2.1.0 (one run).

- rules: every policy enabled in the selected runs or behind an issue, id ``<pack>/<policy>``, with the
  metadata the shared rule builder gives analyze's SARIF (description, help from remediation steps,
  severity as ``security-severity``, framework, tags);
- results: one per issue; ``level`` from its enforcement level; the resource URN as logical location;
  ``partialFingerprints`` from the issue's identity, so re-uploads match; ``baselineState`` ``new``
  (first seen in the report window), ``unchanged`` or ``absent`` (fixed, with ``--all``);
- exempted, ignored and by_design issues carry an accepted external ``suppression`` with the reason;
- run errors of the selected runs are tool notifications (``executionSuccessful`` false).
"""

from __future__ import annotations

from typing import Any

from ..exemptions.model import format_time
from ..findings.report_data import FindingsReport
from .shared import sarif_level, sarif_log, sarif_rule, sarif_text

_SUPPRESSED = {"exempted", "ignored", "by_design"}


def build_findings_sarif(report: FindingsReport) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for (pack, policy), info in sorted(report.policies.items()):
        rule_id = f"{pack}/{policy}"
        index[rule_id] = len(rules)
        rules.append(sarif_rule(rule_id, pack, report.versions.get((pack, policy), ""), info))

    since = report.changes.since
    results = []
    for issue in report.issues:
        rule_id = f"{issue.pack}/{issue.policy}"
        name = issue.resource_name or issue.entity
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": index[rule_id],
            "level": sarif_level(issue.level),
            "message": {"text": issue.message or issue.policy},
            "locations": [
                {
                    "logicalLocations": [
                        {
                            "fullyQualifiedName": issue.resource_urn or issue.entity,
                            "name": name,
                            "kind": "resource" if issue.resource_urn else "module",
                        }
                    ]
                }
            ],
            "partialFingerprints": {"policyHostIssue/v1": issue.fingerprint},
            "baselineState": "absent"
            if issue.status == "fixed"
            else ("new" if issue.first_seen > since else "unchanged"),
            "properties": {
                "issueId": issue.id,
                "status": issue.status,
                "priority": issue.priority,
                "assignee": issue.assignee,
                "entityType": issue.entity_type,
                "entity": issue.entity,
                "kind": issue.kind,
                "enforcementLevel": issue.level,
                "packVersion": issue.pack_version,
                "resourceType": issue.resource_type,
                "firstSeen": format_time(issue.first_seen),
                "lastSeen": format_time(issue.last_seen),
            },
        }
        if issue.severity:
            result["properties"]["severity"] = issue.severity
        if issue.status in _SUPPRESSED:
            reason = issue.exemption_reason if issue.status == "exempted" else issue.justification
            suppression: dict[str, Any] = {"kind": "external", "status": "accepted"}
            if reason:
                suppression["justification"] = reason
            result["suppressions"] = [suppression]
        results.append(result)

    return sarif_log(
        tool_version=report.tool_version or "0.0.0",
        rules=rules,
        results=results,
        automation_id="policy-host/findings/",
        errors=list(report.errors),
    )


def render_findings_sarif(report: FindingsReport) -> str:
    return sarif_text(build_findings_sarif(report))
