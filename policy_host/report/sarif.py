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

import hashlib
import json
import os
from typing import Any

from ..engine.results import RunResult
from ..model import EnforcementLevel, PolicyInfo, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
}
_LEVELS = {
    EnforcementLevel.MANDATORY: "error",
    EnforcementLevel.REMEDIATE: "error",
    EnforcementLevel.ADVISORY: "warning",
    EnforcementLevel.DISABLED: "none",
}
INFORMATION_URI = "https://github.com/pulumi/pulumi-policy"


def build_sarif(result: RunResult, *, tool_version: str = "0.0.0", source: str = "") -> dict[str, Any]:
    """The SARIF log as plain data. ``source`` is the analyzed state file (the artifact)."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for pack in result.packs:
        for policy in pack.info.policies:
            rule_id = f"{pack.name}/{policy.name}"
            if rule_id not in index:
                index[rule_id] = len(rules)
                rules.append(_rule(rule_id, pack.name, pack.version, policy))

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
            "level": _LEVELS.get(diag.level, "warning"),
            "message": {"text": diag.message or diag.description or diag.policy_name},
            "locations": [location],
            "partialFingerprints": {"policyHostViolation/v1": _fingerprint(rule_id, diag.urn, diag.message)},
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

    invocation: dict[str, Any] = {"executionSuccessful": not result.errors}
    if result.errors:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": error}} for error in result.errors
        ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "policy-host",
                        "version": tool_version,
                        "semanticVersion": tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": "policy-host/analyze/"},
                "invocations": [invocation],
                "results": results,
            }
        ],
    }


def render_sarif(result: RunResult, **context: Any) -> str:
    return json.dumps(build_sarif(result, **context), indent=2, ensure_ascii=False) + "\n"


def _rule(rule_id: str, pack: str, version: str, policy: PolicyInfo) -> dict[str, Any]:
    description = policy.description or policy.name
    help_text = policy.remediation_steps or description
    properties: dict[str, Any] = {
        "pack": pack,
        "packVersion": version,
        "policyType": policy.policy_type.value,
    }
    tags = list(policy.tags)
    if policy.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[policy.severity]
        if "security" not in tags:
            tags.append("security")
    if tags:
        properties["tags"] = tags
    if policy.framework is not None and policy.framework.name:
        properties["framework"] = {
            k: v
            for k, v in (
                ("name", policy.framework.name),
                ("version", policy.framework.version),
                ("reference", policy.framework.reference),
                ("specification", policy.framework.specification),
            )
            if v
        }
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": policy.display_name or policy.name,
        "shortDescription": {"text": _first_line(description)},
        "fullDescription": {"text": description},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": _LEVELS.get(policy.enforcement_level, "warning")},
        "properties": properties,
    }
    if policy.url:
        rule["helpUri"] = policy.url
    return rule


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


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


def _fingerprint(rule_id: str, urn: str, message: str) -> str:
    return hashlib.sha256(f"{rule_id}\0{urn}\0{message}".encode()).hexdigest()
