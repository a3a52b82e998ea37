"""SARIF 2.1.0 output for ``policy-host analyze --format sarif``, shaped for GitHub code scanning.

- one run; ``tool.driver.rules`` holds every policy of every loaded pack, id ``<pack>/<policy>``, with
  ``shortDescription``, ``fullDescription``, ``help`` (the policy's remediation steps, else its
  description), ``helpUri`` (the policy URL), ``defaultConfiguration.level`` from the policy's level and
  ``properties.security-severity`` from its severity (critical 9.5, high 8.0, medium 5.5, low 2.0; GitHub
  only ranks security severities of rules tagged ``security``, so such rules get that tag);
- one result per violation: ``ruleId``/``ruleIndex``, ``level`` (mandatory -> error, advisory ->
  warning), ``message.text``, a location whose logical location is the resource URN and whose physical
  location is the analyzed state file (GitHub requires a physical location), and ``partialFingerprints``
  so GitHub does not try to hash source lines;
- ``invocations[0].executionSuccessful`` is false when the run hit errors (listed as notifications).
"""

from __future__ import annotations

import os
from typing import Any

from ..engine.results import RunResult
from ..model import Severity
from .shared import SARIF_LEVELS, fingerprint, sarif_log, sarif_rule, sarif_text


def build_sarif(result: RunResult, *, tool_version: str = "0.0.0", source: str = "") -> dict[str, Any]:
    """The SARIF log as plain data. ``source`` is the analyzed state file (the artifact)."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for pack in result.packs:
        for policy in pack.info.policies:
            rule_id = f"{pack.name}/{policy.name}"
            if rule_id not in index:
                index[rule_id] = len(rules)
                rules.append(sarif_rule(rule_id, pack.name, pack.version, policy))

    artifact = _artifact_uri(source)
    results = []
    for violation in result.violations:
        diag = violation.diagnostic
        rule_id = f"{diag.pack_name}/{diag.policy_name}"
        if rule_id not in index:  # a diagnostic for a policy the pack did not declare
            index[rule_id] = len(rules)
            rules.append(
                {"id": rule_id, "name": diag.policy_name, "shortDescription": {"text": diag.description}}
            )
        location: dict[str, Any] = {
            "logicalLocations": [
                {
                    "fullyQualifiedName": diag.urn,
                    "name": violation.resource_name or diag.urn,
                    "kind": "resource",
                }
            ]
        }
        if artifact:
            location["physicalLocation"] = {
                "artifactLocation": {"uri": artifact},
                "region": {"startLine": 1},
            }
        entry: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": index[rule_id],
            "level": SARIF_LEVELS.get(diag.level, "warning"),
            "message": {"text": diag.message or diag.description or diag.policy_name},
            "locations": [location],
            "partialFingerprints": {"policyHostViolation/v1": fingerprint(rule_id, diag.urn, diag.message)},
            "properties": {
                "enforcementLevel": diag.level.value,
                "phase": violation.phase,
                "packVersion": diag.pack_version,
                "resourceType": violation.resource_type,
            },
        }
        if diag.severity != Severity.UNSPECIFIED:
            entry["properties"]["severity"] = diag.severity.value
        results.append(entry)

    return sarif_log(
        tool_version=tool_version,
        rules=rules,
        results=results,
        automation_id="policy-host/analyze/",
        errors=list(result.errors),
    )


def render_sarif(result: RunResult, **context: Any) -> str:
    return sarif_text(build_sarif(result, **context))


def _artifact_uri(source: str) -> str:
    """A repository-relative path when the state file is under the working directory, else as given."""
    if not source:
        return ""
    absolute = os.path.abspath(source)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:
        return absolute
    path = absolute if relative.startswith("..") else relative
    return path.replace(os.sep, "/")
