"""Everything a findings report shows, gathered from the store in one read: the renderers under
``policy_host.report`` get this plain object and never query anything themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..model import EnforcementLevel, PolicyInfo, PolicyType, Severity
from ..registry.metadata import policy_from_dict
from ..store.models import PackRecord
from .history import Changes, TrendPoint, changes, trend
from .models import FindingPolicyMeta, FindingRun, Issue
from .posture import Posture, Selection, chunked, current_posture, policy_rows, run_refs
from .query import list_issues

DEFAULT_WINDOW = timedelta(days=30)


@dataclass
class PolicyCase:
    """One enabled policy on one entity in the selected runs (a JUnit test case)."""

    entity_type: str
    entity: str
    pack: str
    pack_version: str
    policy: str
    group: str
    level: str
    severity: str
    passing: bool
    errored: bool
    exempted: int
    issues: list[Issue] = field(default_factory=list)  # the active ones behind a failure


@dataclass
class FindingsReport:
    """A selection's findings: posture and breakdowns, trend, changes, issues, policy metadata."""

    generated_at: datetime
    selection: Selection
    posture: Posture  # by entity (stacks and accounts), with the heatmap
    by_severity: Posture
    by_pack: Posture
    trend: list[TrendPoint]
    changes: Changes
    issues: list[Issue]
    cases: list[PolicyCase]
    policies: dict[tuple[str, str], PolicyInfo]  # (pack, policy) -> metadata (known or minimal)
    versions: dict[tuple[str, str], str]  # (pack, policy) -> pack version last seen
    errors: list[str]  # run errors of the selected runs, "entity: message"
    tool_version: str = ""


def gather(
    session: Session,
    sel: Selection,
    *,
    now: datetime,
    since: datetime | None = None,
    include_fixed: bool = False,
    tool_version: str = "",
) -> FindingsReport:
    """Read the report of ``sel`` (trend and changes over ``since`` .. ``now``, default 30 days)."""
    since = since or now - DEFAULT_WINDOW
    posture = current_posture(session, sel, group_by="entity")
    by_severity = current_posture(session, sel, group_by="severity")
    by_pack = current_posture(session, sel, group_by="pack")
    issues = list_issues(
        session, sel.issue_filter(include_fixed=include_fixed), sort="entity,severity,pack,policy,id"
    )
    # Detach them: the report outlives the read transaction, whose end would expire loaded rows.
    for issue in issues:
        session.expunge(issue)
    cases = _cases(session, sel, posture.run_ids, issues)
    versions: dict[tuple[str, str], str] = {}
    levels: dict[tuple[str, str], tuple[str, str]] = {}
    for c in cases:
        versions[(c.pack, c.policy)] = c.pack_version
        levels[(c.pack, c.policy)] = (c.level, c.severity)
    for i in issues:
        versions.setdefault((i.pack, i.policy), i.pack_version)
        levels.setdefault((i.pack, i.policy), (i.level, i.severity))
    return FindingsReport(
        generated_at=now,
        selection=sel,
        posture=posture,
        by_severity=by_severity,
        by_pack=by_pack,
        trend=trend(session, sel, since, now),
        changes=changes(session, sel, since, now),
        issues=issues,
        cases=cases,
        policies=_policy_info(session, versions, levels),
        versions=versions,
        errors=_errors(session, posture.run_ids),
        tool_version=tool_version,
    )


def _cases(session: Session, sel: Selection, run_ids: list[int], issues: list[Issue]) -> list[PolicyCase]:
    refs = {r.id: r for r in run_refs(session, sel)} if run_ids else {}
    active: dict[tuple[str, str, str, str], list[Issue]] = {}
    for i in issues:
        if i.status not in ("fixed", "exempted"):
            active.setdefault((i.entity_type, i.entity, i.pack, i.policy), []).append(i)
    cases: dict[tuple[str, str, str, str], PolicyCase] = {}
    for row in sorted(policy_rows(session, run_ids, sel.group), key=lambda p: p.run_id):
        ref = refs[row.run_id]
        key = (ref.entity_type, ref.entity, row.pack, row.policy)
        case = cases.get(key)
        if case is None:
            case = cases[key] = PolicyCase(
                ref.entity_type,
                ref.entity,
                row.pack,
                row.pack_version,
                row.policy,
                row.policy_group,
                row.level,
                row.severity,
                passing=True,
                errored=False,
                exempted=0,
                issues=active.get(key, []),
            )
        # a policy run by both kinds of evaluation passes only if it passes in both
        case.passing = case.passing and row.passing
        case.errored = case.errored or row.errored
        case.exempted += row.exempted
    return [cases[k] for k in sorted(cases)]


def _errors(session: Session, run_ids: list[int]) -> list[str]:
    out = []
    for ids in chunked(run_ids):
        for entity, errors in session.execute(
            select(FindingRun.entity, FindingRun.errors)
            .where(FindingRun.id.in_(ids))
            .order_by(FindingRun.entity)
        ):
            out.extend(f"{entity}: {e}" for e in errors or ())
    return out


def _policy_info(
    session: Session, versions: dict[tuple[str, str], str], levels: dict[tuple[str, str], tuple[str, str]]
) -> dict[tuple[str, str], PolicyInfo]:
    """Metadata per policy: what the recorder gave, else the registry's, else a minimal description."""
    out: dict[tuple[str, str], PolicyInfo] = {}
    packs = {pack for pack, _ in versions}
    recorded: dict[tuple[str, str, str], dict] = {}
    for name_chunk in _chunks(sorted(packs)):
        for row in session.scalars(select(FindingPolicyMeta).where(FindingPolicyMeta.pack.in_(name_chunk))):
            recorded[(row.pack, row.pack_version, row.policy)] = row.info
    registry: dict[tuple[str, str], dict] = {}
    for name_chunk in _chunks(sorted(packs)):
        for name, version, info in session.execute(
            select(PackRecord.name, PackRecord.version, PackRecord.info).where(
                PackRecord.name.in_(name_chunk)
            )
        ):
            registry[(name, version)] = info
    for (pack, policy), version in versions.items():
        info = recorded.get((pack, version, policy))
        if info is None:
            pack_info = registry.get((pack, version)) or {}
            info = next((p for p in pack_info.get("policies", ()) if p.get("name") == policy), None)
        if info is not None:
            out[(pack, policy)] = policy_from_dict(info)
            continue
        level, severity = levels.get((pack, policy), ("advisory", ""))
        out[(pack, policy)] = PolicyInfo(
            name=policy,
            description="",
            policy_type=PolicyType.UNKNOWN,
            enforcement_level=_level(level),
            severity=_severity(severity),
        )
    return out


def _chunks(names: list[str]) -> list[list[str]]:
    return [names[i : i + 500] for i in range(0, len(names), 500)] or [[]]


def _level(value: str) -> EnforcementLevel:
    try:
        return EnforcementLevel(value)
    except ValueError:
        return EnforcementLevel.ADVISORY


def _severity(value: str) -> Severity:
    try:
        return Severity(value or "")
    except ValueError:
        return Severity.UNSPECIFIED
