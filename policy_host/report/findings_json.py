"""``policy-host report --format json``: the whole findings report as one JSON document (schema 1).

Keys: ``schemaVersion``, ``tool``, ``generatedAt``, ``selection``, ``posture`` (scores, per-entity rows,
heatmap), ``bySeverity``, ``byPack``, ``trend``, ``changes``, ``issues`` (the ``issue ls --json`` shape),
``errors``. Additive changes keep the version.
"""

from __future__ import annotations

import json
from typing import Any

from ..exemptions.model import format_time
from ..findings.report_data import FindingsReport
from ..findings.serialize import issue_to_dict

SCHEMA_VERSION = 1


def build_findings_json(report: FindingsReport) -> dict[str, Any]:
    return {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "policy-host", "version": report.tool_version},
        "generatedAt": format_time(report.generated_at),
        "selection": report.selection.describe(),
        "posture": report.posture.to_dict(),
        "bySeverity": [r.to_dict() for r in report.by_severity.rows],
        "byPack": [r.to_dict() for r in report.by_pack.rows],
        "trend": [p.to_dict() for p in report.trend],
        "changes": report.changes.to_dict(),
        "issues": [issue_to_dict(i) for i in report.issues],
        "errors": list(report.errors),
    }


def render_findings_json(report: FindingsReport) -> str:
    return json.dumps(build_findings_json(report), indent=2, ensure_ascii=False) + "\n"
