"""Issues as JSON-ready dicts and CSV rows (``issue ls --json``, ``issue get``, ``issue export``, reports).

Field names follow Pulumi's ``PolicyIssue`` where one exists (``policyPack``, ``policyName``,
``resourceURN``, ``observedAt`` = first seen, ``lastModified``, ``assignedTo``, ``policyGroupName``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from ..exemptions.model import format_time
from .models import FindingRun, Issue, IssueEvent
from .query import IssueDetail


def issue_to_dict(i: Issue) -> dict[str, Any]:
    return {
        "id": i.id,
        "status": i.status,
        "priority": i.priority,
        "assignedTo": i.assignee,
        "justification": i.justification,
        "severity": i.severity or None,
        "level": i.level,
        "kind": i.kind,
        "outcome": i.outcome,
        "entityType": i.entity_type,
        "entity": i.entity,
        "policyPack": i.pack,
        "policyPackVersion": i.pack_version,
        "policyName": i.policy,
        "policyGroupName": i.policy_group or None,
        "resourceURN": i.resource_urn,
        "resourceType": i.resource_type,
        "resourceName": i.resource_name,
        "cloudId": i.cloud_id or None,
        "managedBy": i.managed_by or None,
        "message": i.message,
        "exemptionId": i.exemption_id,
        "exemptionReason": i.exemption_reason,
        "proposedFix": i.proposed_fix,
        "firstVersion": i.first_version or None,
        "version": i.last_version or None,
        "observedAt": format_time(i.first_seen),
        "lastSeen": format_time(i.last_seen),
        "lastModified": format_time(i.updated_at),
        "fixedAt": format_time(i.fixed_at),
        "fingerprint": i.fingerprint,
    }


def event_to_dict(e: IssueEvent) -> dict[str, Any]:
    return {
        "at": format_time(e.at),
        "event": e.kind,
        "from": e.from_status,
        "to": e.to_status,
        "actor": e.actor,
        "run": e.run_id,
        "detail": e.detail or {},
    }


def run_to_dict(r: FindingRun | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "id": r.id,
        "entityType": r.entity_type,
        "entity": r.entity,
        "kind": r.kind,
        "source": r.source,
        "startedAt": format_time(r.started_at),
        "finishedAt": format_time(r.finished_at),
    }


def history(detail: IssueDetail) -> list[dict[str, Any]]:
    """The issue's history, oldest first, starting with its opening (kept on the issue row itself)."""
    first = detail.events[0] if detail.events else None
    opened_status = first.from_status if first is not None else detail.issue.status
    opening = {
        "at": format_time(detail.issue.first_seen),
        "event": "opened",
        "from": None,
        "to": opened_status,
        "actor": "policy-host",
        "run": detail.issue.first_run_id,
        "detail": {},
    }
    return [opening, *(event_to_dict(e) for e in detail.events)]


def detail_to_dict(detail: IssueDetail) -> dict[str, Any]:
    return issue_to_dict(detail.issue) | {
        "firstRun": run_to_dict(detail.first_run),
        "lastRun": run_to_dict(detail.last_run),
        "timesSeen": detail.observations,
        "history": history(detail),
    }


#: ``issue export --format csv`` columns, in order (the JSON keys of issue_to_dict, flat).
CSV_COLUMNS = (
    "id",
    "status",
    "priority",
    "assignedTo",
    "justification",
    "severity",
    "level",
    "kind",
    "outcome",
    "entityType",
    "entity",
    "policyPack",
    "policyPackVersion",
    "policyName",
    "policyGroupName",
    "resourceType",
    "resourceName",
    "resourceURN",
    "cloudId",
    "managedBy",
    "message",
    "exemptionId",
    "exemptionReason",
    "version",
    "observedAt",
    "lastSeen",
    "lastModified",
    "fixedAt",
)


def issues_csv(issues: Iterable[Issue]) -> str:
    """CSV text with a header row; empty values for unset fields."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for issue in issues:
        d = issue_to_dict(issue)
        writer.writerow(["" if d[c] is None else d[c] for c in CSV_COLUMNS])
    return out.getvalue()


def issues_json(issues: Iterable[Issue]) -> str:
    return json.dumps([issue_to_dict(i) for i in issues], indent=2, ensure_ascii=False) + "\n"
