"""Posture over time: the trend of the scores, and what changed between two moments.

Every recorded run left a snapshot, so the posture just after each run is known exactly; the trend is
that series (thinned to at most ``max_points``, keeping the last point of each time slice). Changes
between ``since`` and ``until`` come from issues and their events: *new* issues were first seen in the
window, *fixed* ones were fixed in it, *regressed* ones were reopened in it; the mean time to fix is the
average open time (open or reopened -> fixed) of the fixes in the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..exemptions.model import format_time
from . import lifecycle as lc
from .models import Issue, IssueEvent
from .posture import RunRef, Score, Selection, overall_scope, run_refs, scope_rows
from .query import conditions


@dataclass
class TrendPoint:
    """The posture of the selection just after a run finished."""

    at: datetime
    policies: Score
    resources: Score
    violations: int
    entities: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": format_time(self.at),
            "policyCompliance": self.policies.to_dict(),
            "resourceCompliance": self.resources.to_dict(),
            "violations": self.violations,
            "entities": self.entities,
        }


@dataclass
class Changes:
    """Issue movement between ``since`` and ``until``."""

    since: datetime
    until: datetime
    new: int
    fixed: int
    regressed: int
    mean_time_to_fix: float | None  # seconds

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": format_time(self.since),
            "until": format_time(self.until),
            "new": self.new,
            "fixed": self.fixed,
            "regressed": self.regressed,
            "meanTimeToFixSeconds": None
            if self.mean_time_to_fix is None
            else round(self.mean_time_to_fix, 1),
        }


def trend(
    session: Session, sel: Selection, since: datetime, until: datetime, *, max_points: int = 100
) -> list[TrendPoint]:
    """The posture after each run finished in ``(since, until]``, preceded by the posture at ``since``."""
    refs = run_refs(session, sel, until)
    before = {r.slot: r for r in refs if r.finished_at <= since}
    window = [r for r in refs if r.finished_at > since]
    wanted = [r.id for r in before.values()] + [r.id for r in window]
    scope, key = overall_scope(sel)
    totals = {s.run_id: s for s in scope_rows(session, wanted, [scope]) if s.key == key}

    state: dict[tuple[str, str, str], Any] = {}
    points: list[TrendPoint] = []

    def point(at: datetime) -> TrendPoint:
        policies, resources, violations = Score(), Score(), 0
        for s in state.values():
            policies.add(s.policies_passing, s.policies)
            resources.add(s.resources_passing, s.resources)
            violations += s.violations
        entities = len({(slot[0], slot[1]) for slot in state})
        return TrendPoint(at, policies, resources, violations, entities)

    for ref in before.values():
        _apply(state, ref, totals)
    if state:
        points.append(point(since))
    for ref in window:
        _apply(state, ref, totals)
        points.append(point(ref.finished_at))
    return _thin(points, max_points)


def _apply(state: dict[tuple[str, str, str], Any], ref: RunRef, totals: dict[int, Any]) -> None:
    row = totals.get(ref.id)
    if row is None:
        state.pop(ref.slot, None)  # the run had nothing in this scope (e.g. the group's packs left)
    else:
        state[ref.slot] = row


def _thin(points: list[TrendPoint], max_points: int) -> list[TrendPoint]:
    """At most ``max_points``: the last point of each equal slice of the points' time span."""
    if len(points) <= max_points:
        return points
    start, end = points[0].at, points[-1].at
    span = (end - start).total_seconds() or 1.0
    kept: dict[int, TrendPoint] = {}
    for p in points:
        bucket = min(max_points - 1, int((p.at - start).total_seconds() / span * max_points))
        kept[bucket] = p
    return [kept[b] for b in sorted(kept)]


def changes(session: Session, sel: Selection, since: datetime, until: datetime) -> Changes:
    """New, fixed and regressed issues of the selection in ``(since, until]``, and the mean time to fix."""
    where = conditions(sel.issue_filter(include_fixed=True))
    new = session.scalar(
        select(func.count())
        .select_from(Issue)
        .where(*where, Issue.first_seen > since, Issue.first_seen <= until)
    )
    regressed = session.scalar(
        select(func.count(func.distinct(IssueEvent.issue_id)))
        .join(Issue, Issue.id == IssueEvent.issue_id)
        .where(*where, IssueEvent.kind == lc.REOPENED, IssueEvent.at > since, IssueEvent.at <= until)
    )
    durations = [
        float((detail or {}).get("open_seconds", 0.0))
        for detail in session.scalars(
            select(IssueEvent.detail)
            .join(Issue, Issue.id == IssueEvent.issue_id)
            .where(*where, IssueEvent.kind == lc.FIXED_EVENT, IssueEvent.at > since, IssueEvent.at <= until)
        )
    ]
    mttf = sum(durations) / len(durations) if durations else None
    return Changes(since, until, new or 0, len(durations), regressed or 0, mttf)
