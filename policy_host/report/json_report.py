"""``policy-host analyze --json``: a stable, documented schema (``docs/analyze.md`` describes every field).

Schema version 1. Additive changes (new fields) keep the version; removing or renaming a field, or
changing a field's meaning, bumps it. Secret values in remediation before/after are written as
``"[secret]"``.
"""

from __future__ import annotations

import json
from typing import Any

from ..engine.results import RunResult
from ..model import Severity
from ..wire.values import redact_secrets

SCHEMA_VERSION = 1


def build_report(
    result: RunResult,
    *,
    tool_version: str = "",
    source: str = "",
    organization: str = "",
    project: str = "",
    stack: str = "",
) -> dict[str, Any]:
    """The report as plain JSON-able data."""
    mandatory = sum(1 for v in result.violations if v.mandatory)
    return {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "policy-host", "version": tool_version},
        "mode": "preview" if result.preview else "up",
        "source": source,
        "stack": {
            "organization": organization,
            "project": project,
            "stack": stack,
            "urn": result.stack_urn,
        },
        "outcome": {
            "passed": not result.failed,
            "exitCode": result.exit_code,
            "bail": result.bail,
            "mandatoryViolations": mandatory,
            "advisoryViolations": len(result.violations) - mandatory,
            "remediations": len(result.remediations),
            "resourcesAnalyzed": len(result.resources_analyzed),
            "stackAnalyzed": result.stack_analyzed,
        },
        "packs": [_pack(p) for p in result.packs],
        "violations": [
            {
                "pack": v.diagnostic.pack_name,
                "packVersion": v.diagnostic.pack_version,
                "policy": v.diagnostic.policy_name,
                "level": v.diagnostic.level.value,
                "severity": _severity(v.diagnostic.severity),
                "phase": v.phase,
                "urn": v.diagnostic.urn,
                "resourceType": v.resource_type,
                "resourceName": v.resource_name,
                "description": v.diagnostic.description,
                "message": v.diagnostic.message,
            }
            for v in result.violations
        ],
        "remediations": [
            {
                "pack": r.pack_name,
                "packVersion": r.pack_version,
                "policy": r.policy_name,
                "description": r.description,
                "urn": r.urn,
                "resourceType": r.resource_type,
                "resourceName": r.resource_name,
                "before": redact_secrets(r.before),
                "after": redact_secrets(r.after),
            }
            for r in result.remediations
        ],
        "notApplicable": [
            {"pack": n.pack_name, "policy": n.policy_name, "phase": n.phase, "urn": n.urn, "reason": n.reason}
            for n in result.not_applicable
        ],
        "summaries": [
            {
                "pack": s.pack_name,
                "packVersion": s.pack_version,
                "phase": s.phase,
                "urn": s.urn,
                "passed": list(s.passed),
                "failed": list(s.failed),
            }
            for s in result.summaries
        ],
        "errors": list(result.errors),
        "pluginOutput": [{"pack": o.pack, "stream": o.stream, "text": o.text} for o in result.plugin_output],
        "engineLogs": [
            {"severity": log.severity, "message": log.message, "urn": log.urn} for log in result.logs
        ],
    }


def render_json(result: RunResult, **context: Any) -> str:
    """:func:`build_report` as indented JSON text with a trailing newline."""
    return json.dumps(build_report(result, **context), indent=2, ensure_ascii=False) + "\n"


def _severity(severity: Severity) -> str | None:
    return severity.value or None


def _pack(pack: Any) -> dict[str, Any]:
    info = pack.info
    return {
        "name": info.name,
        "version": info.version,
        "path": pack.spec.path,
        "mode": pack.mode,
        "pluginVersion": pack.plugin_version,
        "description": info.description,
        "supportsConfig": info.supports_config,
        "policies": [
            {
                "name": p.name,
                "type": p.policy_type.value,
                "enforcementLevel": p.enforcement_level.value,
                "severity": _severity(p.severity),
                "description": p.description,
            }
            for p in info.policies
        ],
        "config": {
            key: {
                "enforcementLevel": entry.enforcement_level.value if entry.enforcement_level else None,
                "properties": redact_secrets(entry.properties),
            }
            for key, entry in sorted(pack.config.items())
        },
    }
