"""Selecting issues: filters (``issue ls``/``export``, reports), sorting, one issue with its history.

Filters combine with AND across fields and OR within one field (``--severity high --severity critical``).
Text filters on entity, resource type and policy accept ``*`` and ``?`` globs. ``none`` selects unset
priorities and unassigned issues. Unless statuses are named, fixed issues are left out (``include_fixed``
brings them back), as the product's *Active* toggle does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from ..errors import StoreError, UsageError
from . import lifecycle as lc
from .models import FindingObservation, FindingRun, Issue, IssueEvent

NONE = "none"
KINDS = ("preventative", "audit")
ENTITY_TYPES = ("stack", "account")


@dataclass(frozen=True)
class IssueFilter:
    """Which issues to select. Empty tuples mean "any"."""

    packs: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()  # policy name or glob; ``PACK:POLICY`` for one pack
    severities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()  # p0..p4 or "none"
    assignees: tuple[str, ...] = ()  # logins or "none"
    kinds: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()  # stack or account names, globs allowed
    accounts: tuple[str, ...] = ()  # account names; an account includes its children (``prod/us-east-1``)
    entity_type: str | None = None
    resource_types: tuple[str, ...] = ()
    managed: bool | None = None  # True: managed by a stack; False: unmanaged (discovered only)
    include_fixed: bool = False
    run_id: int | None = None  # only issues that run observed

    def __post_init__(self) -> None:
        _check_values("severity", self.severities, (*lc.SEVERITIES, "unspecified"))
        _check_values("status", self.statuses, lc.STATUSES)
        _check_values("priority", self.priorities, (*lc.PRIORITIES, NONE))
        _check_values("kind", self.kinds, KINDS)
        if self.entity_type is not None:
            _check_values("entity type", (self.entity_type,), ENTITY_TYPES)


def _check_values(what: str, values: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    for v in values:
        if v not in allowed:
            raise UsageError(f"invalid {what} {v!r}: expected one of {', '.join(allowed)}")


def _is_glob(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def glob_condition(column: Any, pattern: str) -> ColumnElement[bool]:
    """``column`` equals ``pattern``, or matches it as a glob when it has ``*`` or ``?``."""
    if not _is_glob(pattern):
        return column == pattern
    return column.like(_like_escape(pattern).replace("*", "%").replace("?", "_"), escape="\\")


def account_condition(column: Any, account: str) -> ColumnElement[bool]:
    """The account itself or any of its children (``prod`` covers ``prod/us-east-1``)."""
    return or_(column == account, column.like(_like_escape(account) + "/%", escape="\\"))


def _any(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return conditions[0] if len(conditions) == 1 else or_(*conditions)


def conditions(f: IssueFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``f`` on the issues table."""
    out: list[ColumnElement[bool]] = []
    if f.packs:
        out.append(Issue.pack.in_(f.packs))
    if f.policies:
        parts = []
        for ref in f.policies:
            pack, sep, name = ref.rpartition(":")
            cond = glob_condition(Issue.policy, name)
            parts.append(and_(Issue.pack == pack, cond) if sep else cond)
        out.append(_any(parts))
    if f.severities:
        out.append(Issue.severity.in_(["" if s == "unspecified" else s for s in f.severities]))
    if f.statuses:
        out.append(Issue.status.in_(f.statuses))
    elif not f.include_fixed:
        out.append(Issue.status != lc.FIXED)
    if f.priorities:
        named = [p for p in f.priorities if p != NONE]
        parts = [Issue.priority.in_(named)] if named else []
        if NONE in f.priorities:
            parts.append(Issue.priority.is_(None))
        out.append(_any(parts))
    if f.assignees:
        named = [a for a in f.assignees if a != NONE]
        parts = [Issue.assignee.in_(named)] if named else []
        if NONE in f.assignees:
            parts.append(Issue.assignee.is_(None))
        out.append(_any(parts))
    if f.kinds:
        out.append(Issue.kind.in_(f.kinds))
    if f.groups:
        out.append(Issue.policy_group.in_(f.groups))
    if f.entities:
        out.append(_any([glob_condition(Issue.entity, e) for e in f.entities]))
    if f.accounts:
        parts = [
            glob_condition(Issue.entity, a) if _is_glob(a) else account_condition(Issue.entity, a)
            for a in f.accounts
        ]
        out.append(and_(Issue.entity_type == "account", _any(parts)))
    if f.entity_type:
        out.append(Issue.entity_type == f.entity_type)
    if f.resource_types:
        out.append(_any([glob_condition(Issue.resource_type, t) for t in f.resource_types]))
    if f.managed is True:
        out.append(Issue.managed_by != "")
    elif f.managed is False:
        out.append(Issue.managed_by == "")
    if f.run_id is not None:
        seen = select(FindingObservation.issue_id).where(FindingObservation.run_id == f.run_id)
        out.append(Issue.id.in_(seen))
    return out


# ---------------------------------------------------------------------------------------------
# Sorting
# ---------------------------------------------------------------------------------------------

_SEVERITY_ORDER = case(
    {sev: rank for sev, rank in lc.SEVERITY_RANK.items()}, value=Issue.severity, else_=len(lc.SEVERITY_RANK)
)
_PRIORITY_ORDER = case(
    {p: i for i, p in enumerate(lc.PRIORITIES)}, value=Issue.priority, else_=len(lc.PRIORITIES)
)
_STATUS_ORDER = case({s: i for i, s in enumerate(lc.STATUSES)}, value=Issue.status, else_=len(lc.STATUSES))

#: ``--sort`` keys. Severity, priority and status sort by meaning (critical, p0, open first).
SORT_KEYS: dict[str, Any] = {
    "id": Issue.id,
    "severity": _SEVERITY_ORDER,
    "priority": _PRIORITY_ORDER,
    "status": _STATUS_ORDER,
    "level": Issue.level,
    "pack": Issue.pack,
    "policy": Issue.policy,
    "entity": Issue.entity,
    "type": Issue.resource_type,
    "resource": Issue.resource_name,
    "assignee": Issue.assignee,
    "kind": Issue.kind,
    "group": Issue.policy_group,
    "first-seen": Issue.first_seen,
    "last-seen": Issue.last_seen,
    "updated": Issue.updated_at,
}
DEFAULT_SORT = "severity,priority,id"


def order_by(spec: str) -> list[Any]:
    """Parse ``key[,key...]`` (``-key`` descending) into ORDER BY clauses; ``id`` always ends the order."""
    clauses: list[Any] = []
    keys = [k.strip() for k in (spec or DEFAULT_SORT).split(",") if k.strip()]
    for raw in keys:
        name = raw.lstrip("-")
        column = SORT_KEYS.get(name)
        if column is None:
            raise UsageError(f"invalid sort key {name!r}: expected one of {', '.join(SORT_KEYS)}")
        clauses.append(column.desc() if raw.startswith("-") else column.asc())
    if not any(k.lstrip("-") == "id" for k in keys):
        clauses.append(Issue.id.asc())
    return clauses


# ---------------------------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------------------------


def issue_query(f: IssueFilter, sort: str = DEFAULT_SORT) -> Select[tuple[Issue]]:
    return select(Issue).where(*conditions(f)).order_by(*order_by(sort))


def list_issues(
    session: Session, f: IssueFilter | None = None, *, sort: str = DEFAULT_SORT, limit: int | None = None
) -> list[Issue]:
    """Issues matching ``f`` in ``sort`` order (all of them unless ``limit``)."""
    query = issue_query(f or IssueFilter(), sort)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


@dataclass
class IssueDetail:
    """One issue with its history (oldest first) and the runs that opened it and last saw it."""

    issue: Issue
    events: list[IssueEvent] = field(default_factory=list)
    first_run: FindingRun | None = None
    last_run: FindingRun | None = None
    observations: int = 0


def get_issue(session: Session, issue_id: int) -> IssueDetail:
    """The issue ``issue_id`` and its history; StoreError when there is none."""
    issue = session.get(Issue, issue_id)
    if issue is None:
        raise StoreError(f"no issue {issue_id}")
    events = list(
        session.scalars(select(IssueEvent).where(IssueEvent.issue_id == issue_id).order_by(IssueEvent.id))
    )
    seen = session.scalar(
        select(func.count()).select_from(FindingObservation).where(FindingObservation.issue_id == issue_id)
    )
    return IssueDetail(
        issue=issue,
        events=events,
        first_run=session.get(FindingRun, issue.first_run_id) if issue.first_run_id else None,
        last_run=session.get(FindingRun, issue.last_run_id) if issue.last_run_id else None,
        observations=seen or 0,
    )


def parse_issue_id(raw: str) -> int:
    """An issue id from the command line (``42`` or ``#42``); UsageError otherwise."""
    text = raw.strip().lstrip("#")
    if not text.isdigit():
        raise UsageError(f"invalid issue id {raw!r}: expected a number")
    return int(text)
