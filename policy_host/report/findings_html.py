"""``policy-host report --format html``: one self-contained HTML file (inline CSS, JS and SVG; no URL is
ever fetched, and a Content-Security-Policy forbids it) with the scores, the entity x pack heatmap, the
trend chart and the issue table with client-side filters.

The page is a Jinja2 template shipped as package data (``findings.html.j2``); this module turns the
report into plain values the template prints: formatted scores, heatmap colours, the chart's geometry.
Filters can be preset in the URL fragment: ``report.html#status=open&severity=high``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

import jinja2

from ..exemptions.model import format_time
from ..findings.history import TrendPoint
from ..findings.report_data import FindingsReport
from ..findings.timespec import format_duration

TEMPLATE = "findings.html.j2"
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 760, 240, 40


@dataclass(frozen=True)
class Chart:
    """The trend chart's geometry (SVG user units)."""

    width: int
    height: int
    policy_line: str  # polyline points
    resource_line: str
    dots: list[dict[str, Any]]
    x_labels: list[tuple[float, str, str]]  # (x, text, text-anchor)
    y_ticks: list[tuple[float, str]]


def render_findings_html(report: FindingsReport) -> str:
    env = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    source = resources.files("policy_host.report").joinpath(TEMPLATE).read_text(encoding="utf-8")
    return env.from_string(source).render(**_context(report))


def _context(report: FindingsReport) -> dict[str, Any]:
    posture = report.posture
    issues = report.issues
    return {
        "title": f"policy-host findings: {report.selection.describe()}",
        "generated": _when(report.generated_at),
        "selection": report.selection.describe(),
        "tool_version": report.tool_version,
        "cards": [
            ("Policy compliance", _pct(posture.overall.policies.percent), posture.overall.policies.text()),
            (
                "Resource compliance",
                _pct(posture.overall.resources.percent),
                posture.overall.resources.text(),
            ),
            ("Entity compliance", _pct(posture.entity_compliance.percent), posture.entity_compliance.text()),
            ("Active issues", str(sum(1 for i in issues if i.status != "fixed")), f"{len(issues)} listed"),
        ],
        "changes": {
            "since": _when(report.changes.since),
            "new": report.changes.new,
            "fixed": report.changes.fixed,
            "regressed": report.changes.regressed,
            "mttf": format_duration(report.changes.mean_time_to_fix),
        },
        "entities": [
            {
                "type": r.entity_type,
                "name": r.key,
                "policies": r.policies.text(),
                "resources": r.resources.text(),
                "violations": r.violations,
            }
            for r in posture.rows
        ],
        "heatmap": {
            "columns": posture.heatmap.columns,
            "rows": [
                {
                    "type": etype,
                    "name": name,
                    "cells": [_cell(c) for c in cells],
                }
                for etype, name, cells in posture.heatmap.rows
            ],
        },
        "severities": [
            (r.key, r.policies.text(), r.resources.text(), r.violations) for r in report.by_severity.rows
        ],
        "chart": _chart(report.trend),
        "issues": [_issue_row(i) for i in issues],
        "filters": {
            "status": _distinct(i.status for i in issues),
            "severity": _distinct(i.severity or "unspecified" for i in issues),
            "pack": _distinct(i.pack for i in issues),
            "entity": _distinct(i.entity for i in issues),
            "kind": _distinct(i.kind for i in issues),
        },
        "errors": report.errors,
    }


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _pct(value: float | None) -> str:
    return "N/A" if value is None else f"{value:.0f}%"


def _distinct(values: Any) -> list[str]:
    return sorted(set(values))


def _cell(cell: Any) -> dict[str, str]:
    if cell is None:
        return {
            "text": "N/A",
            "style": "background:#e5e7eb;color:#6b7280",
            "title": "not assigned or never run",
        }
    if cell.error:
        return {"text": "ERR", "style": "background:#7f1d1d;color:#fff", "title": "a policy failed to run"}
    pct = cell.percent
    if pct is None:
        return {"text": "N/A", "style": "background:#e5e7eb;color:#6b7280", "title": "no policies"}
    hue = round(pct * 1.2)  # 0 = red, 120 = green
    return {
        "text": f"{pct:.0f}",
        "style": f"background:hsl({hue},70%,45%);color:#fff",
        "title": f"{cell.passing} of {cell.total} policies passing",
    }


def _issue_row(i: Any) -> dict[str, Any]:
    resource = f"{i.resource_type}: {i.resource_name}" if i.resource_type else (i.resource_name or "(stack)")
    severity = i.severity or "unspecified"
    return {
        "id": i.id,
        "status": i.status,
        "priority": i.priority or "",
        "severity": severity,
        "level": i.level,
        "kind": i.kind,
        "pack": i.pack,
        "policy": i.policy,
        "entity": i.entity,
        "resource": resource,
        "assignee": i.assignee or "",
        "message": i.message,
        "first_seen": format_time(i.first_seen),
        "last_seen": format_time(i.last_seen),
        "search": " ".join(
            str(v).lower() for v in (i.id, i.pack, i.policy, i.entity, resource, i.message, i.assignee or "")
        ),
    }


def _chart(points: list[TrendPoint]) -> Chart | None:
    scored = [p for p in points if p.policies.percent is not None]
    if not scored:
        return None
    left, right = CHART_PAD + 10, CHART_WIDTH - 20
    top, bottom = 20, CHART_HEIGHT - CHART_PAD
    start, end = scored[0].at, scored[-1].at
    span = (end - start).total_seconds() or 1.0

    def x(at: datetime) -> float:
        if len(scored) == 1:
            return (left + right) / 2
        return round(left + (right - left) * (at - start).total_seconds() / span, 1)

    def y(pct: float | None) -> float:
        return round(bottom - (bottom - top) * (pct or 0.0) / 100.0, 1)

    policy_line = " ".join(f"{x(p.at)},{y(p.policies.percent)}" for p in scored)
    resource_line = " ".join(
        f"{x(p.at)},{y(p.resources.percent)}" for p in scored if p.resources.percent is not None
    )
    dots = [
        {
            "x": x(p.at),
            "y": y(p.policies.percent),
            "title": f"{format_time(p.at)}: policies {p.policies.text()}, resources {p.resources.text()}",
        }
        for p in scored
    ]
    first, last = scored[0].at, scored[-1].at
    labels = [(x(first), first.strftime("%Y-%m-%d"), "start" if len(scored) > 1 else "middle")]
    if len(scored) > 1 and last.date() != first.date():
        labels.append((x(last), last.strftime("%Y-%m-%d"), "end"))
    return Chart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        policy_line=policy_line,
        resource_line=resource_line,
        dots=dots,
        x_labels=labels,
        y_ticks=[(y(v), f"{v}%") for v in (0, 25, 50, 75, 100)],
    )
