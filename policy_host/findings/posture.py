"""Compliance posture: scores, breakdowns and the entity x pack heatmap, now or at any past moment.

The posture at time T is built from each entity's latest run of each kind finished by T (its snapshot in
``finding_run_scopes`` / ``finding_run_policies``); nothing is replayed. Numbers add up across entities and
kinds, so a pack that runs on a stack both preventatively and in audit counts twice, as Pulumi counts a
pack enabled through N groups N times.

- policy compliance = passing policies / enabled policies (in %);
- resource compliance = governed resources passing every applicable policy / governed resources;
- entity compliance = entities passing every enabled policy / entities with enabled policies;
- N/A (``None``) where there is nothing to score: a pack not run on an entity, an empty selection.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from ..errors import StoreError, UsageError
from ..exemptions.model import format_time
from .lifecycle import SEVERITY_RANK
from .models import FindingRun, FindingRunPolicy, FindingRunScope
from .query import ENTITY_TYPES, KINDS, IssueFilter, account_condition, glob_condition
from .snapshot import ALL, GROUP, GROUP_SEVERITY, PACK, SCOPE_SEP, SEVERITY

GROUP_BY = ("stack", "account", "entity", "severity", "pack", "policy", "group")
_CHUNK = 500


@dataclass(frozen=True)
class Selection:
    """Which evaluations (and so which issues) a posture, trend or report covers. Empty: everything."""

    run_id: int | None = None
    entities: tuple[str, ...] = ()  # names or globs
    accounts: tuple[str, ...] = ()  # an account includes its children
    entity_type: str | None = None
    kinds: tuple[str, ...] = ()
    group: str | None = None

    def __post_init__(self) -> None:
        if self.entity_type is not None and self.entity_type not in ENTITY_TYPES:
            raise UsageError(f"invalid entity type {self.entity_type!r}: expected stack or account")
        for kind in self.kinds:
            if kind not in KINDS:
                raise UsageError(f"invalid kind {kind!r}: expected preventative or audit")

    def issue_filter(self, **more: Any) -> IssueFilter:
        """The issue filter selecting the same evaluations' issues."""
        return IssueFilter(
            entities=self.entities,
            accounts=self.accounts,
            entity_type=self.entity_type,
            kinds=self.kinds,
            groups=(self.group,) if self.group else (),
            run_id=self.run_id,
            **more,
        )

    def describe(self) -> str:
        """One line for report headers."""
        parts = []
        if self.run_id is not None:
            parts.append(f"run {self.run_id}")
        parts += [f"entity {e}" for e in self.entities]
        parts += [f"account {a}" for a in self.accounts]
        if self.entity_type:
            parts.append(f"{self.entity_type}s")
        parts += [f"{k} runs" for k in self.kinds]
        if self.group:
            parts.append(f"group {self.group}")
        return ", ".join(parts) or "everything"

    def run_conditions(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.run_id is not None:
            out.append(FindingRun.id == self.run_id)
        if self.entities:
            parts = [glob_condition(FindingRun.entity, e) for e in self.entities]
            out.append(parts[0] if len(parts) == 1 else _or(parts))
        if self.accounts:
            parts = [account_condition(FindingRun.entity, a) for a in self.accounts]
            out.append(FindingRun.entity_type == "account")
            out.append(parts[0] if len(parts) == 1 else _or(parts))
        if self.entity_type:
            out.append(FindingRun.entity_type == self.entity_type)
        if self.kinds:
            out.append(FindingRun.kind.in_(self.kinds))
        return out


def _or(parts: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return or_(*parts)


@dataclass
class Score:
    """``passing`` of ``total``; ``percent`` is None (N/A) when there is nothing to score."""

    passing: int = 0
    total: int = 0

    @property
    def percent(self) -> float | None:
        return None if self.total == 0 else 100.0 * self.passing / self.total

    def add(self, passing: int, total: int) -> None:
        self.passing += passing
        self.total += total

    def text(self) -> str:
        p = self.percent
        return "N/A" if p is None else f"{p:.0f}% ({self.passing}/{self.total})"

    def to_dict(self) -> dict[str, Any]:
        p = self.percent
        return {"passing": self.passing, "total": self.total, "score": None if p is None else round(p, 2)}


@dataclass
class PostureRow:
    """Scores of one breakdown key (an entity, a pack, a severity, a policy, a group)."""

    key: str
    entity_type: str = ""  # for entity rows
    policies: Score = field(default_factory=Score)
    resources: Score = field(default_factory=Score)
    errors: int = 0
    violations: int = 0
    entities: set[str] = field(default_factory=set)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key}
        if self.entity_type:
            out["entityType"] = self.entity_type
        return out | {
            "policyCompliance": self.policies.to_dict(),
            "resourceCompliance": self.resources.to_dict(),
            "violations": self.violations,
            "policyErrors": self.errors,
            "entities": len(self.entities),
        }


@dataclass
class Cell:
    """One heatmap cell: passing policies of a pack on an entity. ``error``: a policy of the pack failed
    to run, or the run reported an error naming the pack (shown ``ERR``)."""

    passing: int = 0
    total: int = 0
    error: bool = False

    @property
    def percent(self) -> float | None:
        return None if self.total == 0 else 100.0 * self.passing / self.total

    def text(self) -> str:
        if self.error:
            return "ERR"
        p = self.percent
        return "N/A" if p is None else f"{p:.0f}"

    def to_dict(self) -> dict[str, Any]:
        p = self.percent
        return {
            "passing": self.passing,
            "total": self.total,
            "score": None if p is None else round(p, 2),
            "text": self.text(),
        }


@dataclass
class Heatmap:
    """Rows: entities; columns: packs. A missing cell is N/A (pack not assigned or never run there)."""

    columns: list[str] = field(default_factory=list)
    rows: list[tuple[str, str, list[Cell | None]]] = field(default_factory=list)  # (type, entity, cells)

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "rows": [
                {
                    "entityType": etype,
                    "entity": name,
                    "cells": [c.to_dict() if c else {"score": None, "text": "N/A"} for c in cells],
                }
                for etype, name, cells in self.rows
            ],
        }


@dataclass
class Posture:
    """The posture of a selection at ``at``."""

    at: datetime | None
    overall: PostureRow
    entity_compliance: Score
    group_by: str
    rows: list[PostureRow]
    heatmap: Heatmap
    run_ids: list[int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": format_time(self.at),
            "policyCompliance": self.overall.policies.to_dict(),
            "resourceCompliance": self.overall.resources.to_dict(),
            "entityCompliance": self.entity_compliance.to_dict(),
            "violations": self.overall.violations,
            "policyErrors": self.overall.errors,
            "entities": len(self.overall.entities),
            "runs": len(self.run_ids),
            "groupBy": self.group_by,
            "rows": [r.to_dict() for r in self.rows],
            "heatmap": self.heatmap.to_dict(),
        }


# ---------------------------------------------------------------------------------------------
# Which runs count
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRef:
    id: int
    entity_type: str
    entity: str
    kind: str
    finished_at: datetime

    @property
    def slot(self) -> tuple[str, str, str]:
        """Runs of one slot replace each other: the latest one is the entity's posture for that kind."""
        return (self.entity_type, self.entity, self.kind)


def run_refs(session: Session, sel: Selection, until: datetime | None = None) -> list[RunRef]:
    """The selection's runs finished by ``until``, oldest first."""
    cols = (FindingRun.id, FindingRun.entity_type, FindingRun.entity, FindingRun.kind, FindingRun.finished_at)
    query = select(*cols).where(*sel.run_conditions())
    if until is not None:
        query = query.where(FindingRun.finished_at <= until)
    refs = [RunRef(*row) for row in session.execute(query.order_by(FindingRun.finished_at, FindingRun.id))]
    if sel.run_id is not None and not refs and session.get(FindingRun, sel.run_id) is None:
        raise StoreError(f"no run {sel.run_id}")
    return refs


def latest(refs: Iterable[RunRef]) -> list[RunRef]:
    """The last run of every slot (``refs`` oldest first)."""
    slots: dict[tuple[str, str, str], RunRef] = {}
    for ref in refs:
        slots[ref.slot] = ref
    return sorted(slots.values(), key=lambda r: (r.entity_type, r.entity, r.kind))


def chunked(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def scope_rows(session: Session, run_ids: list[int], scopes: Iterable[str]) -> list[FindingRunScope]:
    wanted = list(scopes)
    out: list[FindingRunScope] = []
    for ids in chunked(run_ids):
        out.extend(
            session.scalars(
                select(FindingRunScope).where(
                    FindingRunScope.run_id.in_(ids), FindingRunScope.scope.in_(wanted)
                )
            )
        )
    return out


def policy_rows(session: Session, run_ids: list[int], group: str | None = None) -> list[FindingRunPolicy]:
    out: list[FindingRunPolicy] = []
    for ids in chunked(run_ids):
        query = select(FindingRunPolicy).where(FindingRunPolicy.run_id.in_(ids))
        if group:
            query = query.where(FindingRunPolicy.policy_group == group)
        out.extend(session.scalars(query))
    return out


def overall_scope(sel: Selection) -> tuple[str, str]:
    """The scope row that holds a run's totals for this selection."""
    return (GROUP, sel.group) if sel.group else (ALL, "")


# ---------------------------------------------------------------------------------------------
# Posture
# ---------------------------------------------------------------------------------------------


def current_posture(
    session: Session, sel: Selection | None = None, *, group_by: str = "stack", at: datetime | None = None
) -> Posture:
    """The posture of ``sel`` at ``at`` (default: now), broken down by ``group_by``."""
    sel = sel or Selection()
    if group_by not in GROUP_BY:
        raise UsageError(f"invalid --group-by {group_by!r}: expected one of {', '.join(GROUP_BY)}")
    refs = run_refs(session, sel, at)
    chosen = refs if sel.run_id is not None else latest(refs)
    by_id = {r.id: r for r in chosen}
    ids = list(by_id)

    scope_kind, scope_key = overall_scope(sel)
    rows = scope_rows(session, ids, {scope_kind, PACK, SEVERITY, GROUP, GROUP_SEVERITY})
    overall = PostureRow("all")
    per_entity: dict[tuple[str, str], PostureRow] = {}
    for s in rows:
        if s.scope != scope_kind or s.key != scope_key:
            continue
        ref = by_id[s.run_id]
        _add(overall, s, ref)
        _add(
            per_entity.setdefault((ref.entity_type, ref.entity), PostureRow(ref.entity, ref.entity_type)),
            s,
            ref,
        )

    entity_score = Score()
    for row in per_entity.values():
        if row.policies.total:
            entity_score.add(int(row.policies.passing == row.policies.total), 1)

    breakdown = _breakdown(session, sel, group_by, rows, per_entity, by_id)
    heatmap = _heatmap(session, sel, rows, by_id)
    return Posture(at, overall, entity_score, group_by, breakdown, heatmap, ids)


def _add(row: PostureRow, s: FindingRunScope, ref: RunRef) -> None:
    row.policies.add(s.policies_passing, s.policies)
    row.resources.add(s.resources_passing, s.resources)
    row.errors += s.policies_errored
    row.violations += s.violations
    row.entities.add(f"{ref.entity_type}:{ref.entity}")


def _breakdown(
    session: Session,
    sel: Selection,
    group_by: str,
    rows: list[FindingRunScope],
    per_entity: dict[tuple[str, str], PostureRow],
    by_id: dict[int, RunRef],
) -> list[PostureRow]:
    if group_by in ("stack", "account", "entity"):
        return [row for (etype, _name), row in sorted(per_entity.items()) if group_by in (etype, "entity")]
    out: dict[str, PostureRow] = {}
    if group_by == "policy":
        for p in policy_rows(session, list(by_id), sel.group):
            ref = by_id[p.run_id]
            row = out.setdefault(f"{p.pack}/{p.policy}", PostureRow(f"{p.pack}/{p.policy}"))
            row.policies.add(int(p.passing), 1)
            row.resources.add(p.applicable - p.failing, p.applicable)
            row.errors += int(p.errored)
            row.violations += 0 if p.passing else 1
            row.entities.add(f"{ref.entity_type}:{ref.entity}")
        return [out[k] for k in sorted(out)]
    for s in rows:
        key = _breakdown_key(sel, group_by, s)
        if key is not None:
            _add(out.setdefault(key, PostureRow(key)), s, by_id[s.run_id])
    if group_by == "severity":
        return [out[k] for k in sorted(out, key=lambda k: SEVERITY_RANK.get(_sev(k), 9))]
    return [out[k] for k in sorted(out)]


def _sev(label: str) -> str:
    return "" if label == "unspecified" else label


def _breakdown_key(sel: Selection, group_by: str, s: FindingRunScope) -> str | None:
    if group_by == "pack" and s.scope == PACK and (not sel.group or s.policy_group == sel.group):
        return s.key
    if group_by == "group" and s.scope == GROUP and (not sel.group or s.key == sel.group):
        return s.key or "(none)"
    if group_by == "severity":
        if sel.group and s.scope == GROUP_SEVERITY:
            group, _, severity = s.key.partition(SCOPE_SEP)
            return (severity or "unspecified") if group == sel.group else None
        if not sel.group and s.scope == SEVERITY:
            return s.key or "unspecified"
    return None


def _heatmap(
    session: Session, sel: Selection, rows: list[FindingRunScope], by_id: dict[int, RunRef]
) -> Heatmap:
    packs: set[str] = set()
    cells: dict[tuple[str, str], dict[str, Cell]] = defaultdict(dict)
    for s in rows:
        if s.scope != PACK or (sel.group and s.policy_group != sel.group):
            continue
        ref = by_id[s.run_id]
        packs.add(s.key)
        cell = cells[(ref.entity_type, ref.entity)].setdefault(s.key, Cell())
        cell.passing += s.policies_passing
        cell.total += s.policies
        cell.error = cell.error or s.policies_errored > 0
    # Entities whose runs scored nothing still get a row (all N/A) so they are visibly uncovered.
    for ref in by_id.values():
        cells.setdefault((ref.entity_type, ref.entity), {})
    columns = sorted(packs)
    _mark_run_errors(session, list(by_id), by_id, columns, cells)
    heatmap = Heatmap(columns=columns)
    for (etype, name), by_pack in sorted(cells.items()):
        if sel.group and not any(p in by_pack for p in columns):
            continue  # the group does not reach this entity
        heatmap.rows.append((etype, name, [by_pack.get(p) for p in columns]))
    return heatmap


def _mark_run_errors(
    session: Session,
    run_ids: list[int],
    by_id: dict[int, RunRef],
    packs: list[str],
    cells: dict[tuple[str, str], dict[str, Cell]],
) -> None:
    """A run error naming a pack (it failed to load, its config was refused) makes that cell ERR."""
    if not packs:
        return
    for ids in chunked(run_ids):
        for run_id, errors in session.execute(
            select(FindingRun.id, FindingRun.errors).where(FindingRun.id.in_(ids))
        ):
            ref = by_id[run_id]
            for line in errors or ():
                for pack in packs:
                    if _names(line, pack):
                        cells[(ref.entity_type, ref.entity)].setdefault(pack, Cell()).error = True


def _names(line: str, pack: str) -> bool:
    """``pack`` appears in ``line`` as a whole word (``aws`` is not named by ``aws-extra``)."""
    return re.search(rf"(?<![\w.-]){re.escape(pack)}(?![\w-])", line) is not None
