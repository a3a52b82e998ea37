"""Pieces shared by the renderers of one run (``analyze``: sarif.py, junit.py) and of the store's
findings (findings_sarif.py, findings_junit.py): SARIF levels, rule metadata and log envelope, JUnit
counters and document. One place, so both outputs describe a policy the same way.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from typing import Any

from ..model import EnforcementLevel, PolicyInfo, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/pulumi/pulumi-policy"
# GitHub ranks results of rules tagged "security" by this score.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
}
SARIF_LEVELS = {
    EnforcementLevel.MANDATORY: "error",
    EnforcementLevel.REMEDIATE: "error",
    EnforcementLevel.ADVISORY: "warning",
    EnforcementLevel.DISABLED: "none",
}


def sarif_level(level: EnforcementLevel | str) -> str:
    """A SARIF result level for an enforcement level (unknown levels are warnings)."""
    try:
        return SARIF_LEVELS.get(EnforcementLevel(getattr(level, "value", level)), "warning")
    except ValueError:
        return "warning"


def sarif_rule(rule_id: str, pack: str, version: str, policy: PolicyInfo) -> dict[str, Any]:
    """A ``reportingDescriptor`` for a policy: descriptions, help (remediation steps, else the
    description), help URI, default level, and severity/framework/tags properties."""
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
        properties["severity"] = policy.severity.value
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
        "shortDescription": {"text": first_line(description)},
        "fullDescription": {"text": description},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": SARIF_LEVELS.get(policy.enforcement_level, "warning")},
        "properties": properties,
    }
    if policy.url:
        rule["helpUri"] = policy.url
    return rule


def sarif_log(
    *,
    tool_version: str,
    rules: list[dict[str, Any]],
    results: list[dict[str, Any]],
    automation_id: str,
    errors: list[str],
) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run of policy-host; ``errors`` become tool notifications and make
    ``executionSuccessful`` false."""
    invocation: dict[str, Any] = {"executionSuccessful": not errors}
    if errors:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": error}} for error in errors
        ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
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
                "automationDetails": {"id": automation_id},
                "invocations": [invocation],
                "results": results,
            }
        ],
    }


def sarif_text(log: dict[str, Any]) -> str:
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def fingerprint(*parts: str) -> str:
    """A stable sha256 over ``parts`` (NUL separated), for SARIF ``partialFingerprints``."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# JUnit
# ---------------------------------------------------------------------------------------------

JUNIT_COUNTERS = ("tests", "failures", "errors", "skipped")


def new_counts() -> dict[str, int]:
    return dict.fromkeys(JUNIT_COUNTERS, 0)


def set_counts(element: ET.Element, counts: dict[str, int]) -> None:
    """Write the JUnit counters as attributes (the order CI parsers expect)."""
    for key in JUNIT_COUNTERS:
        element.set(key, str(counts.get(key, 0)))


def junit_text(root: ET.Element) -> str:
    """The document with an XML declaration, indented, ending with a newline."""
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
