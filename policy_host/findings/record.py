"""``record_run``: turn one EvaluationRun into issues, issue events, observations and a posture snapshot.

Called by the analyzer host (preventative runs) and by audit (scans) inside their own transactions; it
never commits. Idempotent: a run is identified by its entity, kind, start and end times and source, and
recording it again changes nothing and returns the first summary (``duplicate=True``).

Lifecycle rules applied here (``lifecycle.py`` draws the state machine):

- a failure not yet an issue opens one (``open``, or ``exempted`` when waived);
- an issue a later run of the same entity evaluated the policy of, without seeing it, becomes ``fixed``;
- a ``fixed`` issue seen again is reopened (a regression), its history kept;
- a run older than what an issue was last judged by (recorded late) never changes that issue's status.

Everything is written with a handful of batched statements, so a 100,000-result run records in seconds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..errors import InputError
from ..model import EntityType, EvaluationRun, PackInfo, RunKind
from ..registry.metadata import policy_to_dict
from ..sources.urn import urn_name, urn_type
from ..store.types import utcnow
from . import lifecycle as lc
from .bulk import bulk_insert
from .models import (
    FindingObservation,
    FindingPolicyMeta,
    FindingRun,
    FindingRunPolicy,
    FindingRunScope,
    Issue,
    IssueEvent,
)
from .snapshot import Failure, Snapshot, take_snapshot


@dataclass(frozen=True)
class RecordSummary:
    """What recording a run did. ``still_open`` counts issues seen again that were already active."""

    run_id: int
    new: int
    still_open: int
    fixed: int
    reopened: int
    exempted: int
    duplicate: bool = False


def run_key(run: EvaluationRun) -> str:
    """The identity of a run: the same run recorded twice has the same key."""
    parts = (
        _value(run.entity_type),
        run.entity,
        _value(run.kind),
        _utc(run.started_at, "started_at").isoformat(),
        _utc(run.finished_at, "finished_at").isoformat(),
        run.source or "",
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def record_run(
    session: Session, run: EvaluationRun, *, packs: Iterable[PackInfo] = (), actor: str = lc.SYSTEM_ACTOR
) -> RecordSummary:
    """Record ``run`` in ``session`` (the caller commits). ``packs``: metadata of the packs that ran,
    kept for report rule metadata (descriptions, remediation steps) when they are not in the registry."""
    _check(run)
    _lock_entity(session, run)
    key = run_key(run)
    previous = session.scalar(select(FindingRun).where(FindingRun.run_key == key))
    if previous is not None:
        return RecordSummary(
            previous.id,
            previous.new_issues,
            previous.still_open,
            previous.fixed,
            previous.reopened,
            previous.exempted,
            duplicate=True,
        )

    snap = take_snapshot(run)
    started = _utc(run.started_at, "started_at")
    at = _utc(run.finished_at, "finished_at")
    totals = snap.totals
    row = FindingRun(
        run_key=key,
        entity_type=_value(run.entity_type),
        entity=run.entity,
        kind=_value(run.kind),
        started_at=started,
        finished_at=at,
        recorded_at=utcnow(),
        source=run.source or "",
        errors=list(run.errors),
        policies=totals.policies,
        policies_passing=totals.policies_passing,
        resources=totals.resources,
        resources_passing=totals.resources_passing,
        new_issues=0,
        still_open=0,
        fixed=0,
        reopened=0,
        exempted=0,
    )
    session.add(row)
    session.flush()
    _write_snapshot(session, row.id, snap)
    counts = _IssueWriter(session, run, row, snap, at, actor).write()
    row.new_issues, row.still_open, row.fixed, row.reopened, row.exempted = counts
    _remember_packs(session, packs)
    session.flush()
    return RecordSummary(row.id, *counts)


# ---------------------------------------------------------------------------------------------
# Snapshot rows
# ---------------------------------------------------------------------------------------------


def _write_snapshot(session: Session, run_id: int, snap: Snapshot) -> None:
    if snap.verdicts:
        session.execute(
            insert(FindingRunPolicy),
            [
                {
                    "run_id": run_id,
                    "pack": v.policy.pack_name,
                    "policy": v.policy.policy_name,
                    "pack_version": v.policy.pack_version,
                    "policy_type": _value(v.policy.policy_type),
                    "level": _value(v.policy.level),
                    "severity": _value(v.policy.severity),
                    "policy_group": v.policy.group or "",
                    "applicable": v.applicable,
                    "failing": v.failing,
                    "exempted": v.exempted,
                    "errored": v.errored,
                    "passing": v.passing,
                }
                for v in snap.verdicts
            ],
        )
    session.execute(
        insert(FindingRunScope),
        [
            {
                "run_id": run_id,
                "scope": s.scope,
                "key": s.key,
                "policy_group": s.policy_group,
                "policies": s.policies,
                "policies_passing": s.policies_passing,
                "policies_errored": s.policies_errored,
                "resources": s.resources,
                "resources_passing": s.resources_passing,
                "violations": s.violations,
            }
            for s in snap.scopes
        ],
    )


def _remember_packs(session: Session, packs: Iterable[PackInfo]) -> None:
    """Keep each (pack, version, policy)'s metadata once."""
    wanted = {(p.name, p.version, pol.name): pol for p in packs for pol in p.policies}
    if not wanted:
        return
    names = {k[0] for k in wanted}
    have = set(
        session.execute(
            select(FindingPolicyMeta.pack, FindingPolicyMeta.pack_version, FindingPolicyMeta.policy).where(
                FindingPolicyMeta.pack.in_(names)
            )
        )
    )
    rows = [
        {"pack": k[0], "pack_version": k[1], "policy": k[2], "info": policy_to_dict(pol)}
        for k, pol in wanted.items()
        if k not in have
    ]
    if rows:
        # Two entities' recordings may bring the same pack at once: the first one's copy wins.
        dialect = session.get_bind().dialect.name
        upsert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(upsert(FindingPolicyMeta).on_conflict_do_nothing(), rows)


# ---------------------------------------------------------------------------------------------
# Issues
# ---------------------------------------------------------------------------------------------

# Columns read of an entity's existing issues (one query, however many there are).
_EXISTING = (Issue.id, Issue.resource_urn, Issue.pack, Issue.policy, Issue.status, Issue.observed_digest)
_CHUNK = 500  # ids per IN (...) list


class _IssueWriter:
    """One run's issue changes, computed in memory and written in batches.

    Issues seen again get their run-wide fields (last seen, run, kind) from one set-based UPDATE over the
    run's observations; only issues whose observed fields or status changed are written row by row.
    """

    def __init__(
        self, session: Session, run: EvaluationRun, row: FindingRun, snap: Snapshot, at: datetime, actor: str
    ):
        self.session = session
        self.run = run
        self.row = row
        self.snap = snap
        self.at = at
        self.actor = actor
        self.entity_type = row.entity_type
        self.resources = {r.urn: r for r in run.resources}
        self.evaluated = {(v.policy.pack_name, v.policy.policy_name) for v in snap.verdicts}
        self.groups = {
            (v.policy.pack_name, v.policy.policy_name): v.policy.group or "" for v in snap.verdicts
        }
        # Preventative runs carry the stack version on every resource; stack-level failures take it too.
        self.run_version = next((r.version for r in run.resources if r.version), "")
        self.events: list[dict[str, Any]] = []
        self.observations: list[dict[str, Any]] = []

    def write(self) -> tuple[int, int, int, int, int]:
        mine = (Issue.entity_type == self.entity_type, Issue.entity == self.run.entity)
        existing = {
            (r.resource_urn, r.pack, r.policy): r
            for r in self.session.execute(select(*_EXISTING).where(*mine))
        }
        # Issues a later run already judged (this one is recorded late): usually none.
        late = {
            issue_id: first_seen
            for issue_id, first_seen in self.session.execute(
                select(Issue.id, Issue.first_seen).where(*mine, Issue.evaluated_at > self.at)
            )
        }
        new_rows: list[dict[str, Any]] = []
        new_exempt: dict[str, bool] = {}
        changed: list[dict[str, Any]] = []
        reopens: list[dict[str, Any]] = []
        moves: list[dict[str, Any]] = []
        earlier: list[dict[str, Any]] = []
        new = still_open = exempted = 0

        for key, failure in self.snap.failures.items():
            fields = self._observed_fields(failure)
            digest = _digest(fields)
            current = existing.get(key)
            if current is None:
                row = self._new_issue(failure, fields, digest)
                new_rows.append(row)
                new_exempt[row["fingerprint"]] = failure.exempted
                new += 1
                exempted += int(failure.exempted)
                continue
            self.observations.append(
                {"run_id": self.row.id, "issue_id": current.id, "exempted": failure.exempted}
            )
            if current.id in late:
                # Recorded late: history only. It may still be the earliest sighting.
                if self.at < late[current.id]:
                    earlier.append(
                        {
                            "_id": current.id,
                            "first_seen": self.at,
                            "first_version": fields["last_version"],
                            "first_run_id": self.row.id,
                        }
                    )
                continue
            if digest != current.observed_digest:
                changed.append(fields | {"_id": current.id, "observed_digest": digest})
            status, event = _transition(current.status, failure)
            if event is None:
                still_open += 1
                continue
            self._event(current.id, event, current.status, status, _exemption_detail(failure))
            exempted += int(status == lc.EXEMPTED)
            if event == lc.REOPENED:
                # a new open episode: fixed_at goes, opened_at restarts (time to fix is per episode)
                reopens.append({"_id": current.id, "status": status, "opened_at": self.at, "fixed_at": None})
            else:
                moves.append({"_id": current.id, "status": status})
                still_open += 1

        gone = [
            current.id
            for key, current in existing.items()
            if key not in self.snap.failures
            and current.status != lc.FIXED
            and (key[1], key[2]) in self.evaluated
            and current.id not in late
        ]
        for ids in _chunks(gone):
            for issue_id, status, opened_at in self.session.execute(
                select(Issue.id, Issue.status, Issue.opened_at).where(Issue.id.in_(ids))
            ):
                open_seconds = max(0.0, (self.at - opened_at).total_seconds())
                self._event(issue_id, lc.FIXED_EVENT, status, lc.FIXED, {"open_seconds": open_seconds})

        self._flush(new_rows, new_exempt, changed, reopens, moves, earlier, gone)
        return new, still_open, len(gone), len(reopens), exempted

    # -- rows ------------------------------------------------------------------------------------

    def _version(self, urn: str) -> str:
        resource = self.resources.get(urn)
        if resource is not None and resource.version:
            return resource.version
        return self.run_version if self.row.kind == RunKind.PREVENTATIVE.value else ""

    def _observed_fields(self, failure: Failure) -> dict[str, Any]:
        """The per-issue fields a run observes (run-wide ones are set in bulk, see ``_flush``)."""
        resource = self.resources.get(failure.urn)
        managed_by = resource.managed_by if resource is not None else ""
        if not managed_by and self.entity_type == EntityType.STACK.value:
            managed_by = self.run.entity  # a stack's resources are managed by that stack
        if resource is not None:
            rtype, rname, cloud_id = resource.type, resource.name, resource.cloud_id
        else:
            rtype, rname, cloud_id = urn_type(failure.urn), urn_name(failure.urn) if failure.urn else "", ""
        return {
            "pack_version": failure.pack_version,
            "policy_group": self.groups.get((failure.pack, failure.policy), ""),
            "level": failure.level,
            "severity": failure.severity,
            "outcome": failure.outcome,
            "message": failure.message,
            "exemption_id": failure.exemption_id,
            "exemption_reason": failure.exemption_reason,
            "proposed_fix": failure.proposed_fix,
            "last_version": self._version(failure.urn),
            "resource_type": rtype,
            "resource_name": rname,
            "cloud_id": cloud_id,
            "managed_by": managed_by,
        }

    def _new_issue(self, failure: Failure, fields: dict[str, Any], digest: str) -> dict[str, Any]:
        return fields | {
            "fingerprint": lc.fingerprint(
                self.entity_type, self.run.entity, failure.urn, failure.pack, failure.policy
            ),
            "observed_digest": digest,
            "entity_type": self.entity_type,
            "entity": self.run.entity,
            "resource_urn": failure.urn,
            "pack": failure.pack,
            "policy": failure.policy,
            "kind": self.row.kind,
            "status": lc.EXEMPTED if failure.exempted else lc.OPEN,
            "priority": None,
            "assignee": None,
            "justification": None,
            "first_version": fields["last_version"],
            "first_seen": self.at,
            "last_seen": self.at,
            "evaluated_at": self.at,
            "opened_at": self.at,
            "fixed_at": None,
            "updated_at": self.at,
            "first_run_id": self.row.id,
            "last_run_id": self.row.id,
        }

    def _event(
        self, issue_id: int, kind: str, from_status: str | None, to_status: str, detail: dict[str, Any]
    ) -> None:
        self.events.append(
            {
                "issue_id": issue_id,
                "at": self.at,
                "kind": kind,
                "from_status": from_status,
                "to_status": to_status,
                "actor": self.actor,
                "run_id": self.row.id,
                "detail": detail,
            }
        )

    def _flush(
        self,
        new_rows: list[dict[str, Any]],
        new_exempt: dict[str, bool],
        changed: list[dict[str, Any]],
        reopens: list[dict[str, Any]],
        moves: list[dict[str, Any]],
        earlier: list[dict[str, Any]],
        fixes: list[int],
    ) -> None:
        conn = self.session.connection()
        issues = Issue.__table__
        run_id = self.row.id
        if new_rows:
            bulk_insert(conn, issues, new_rows)
            created = conn.execute(
                select(issues.c.id, issues.c.fingerprint).where(
                    issues.c.entity_type == self.entity_type,
                    issues.c.entity == self.run.entity,
                    issues.c.first_run_id == run_id,
                )
            )
            self.observations.extend(
                {"run_id": run_id, "issue_id": issue_id, "exempted": new_exempt[fp]}
                for issue_id, fp in created
            )
        if self.observations:
            bulk_insert(conn, FindingObservation.__table__, self.observations)
            # Everything seen by this run and not judged by a later one: last seen now, in this run.
            seen = select(FindingObservation.issue_id).where(FindingObservation.run_id == run_id)
            conn.execute(
                update(issues)
                .where(issues.c.id.in_(seen), issues.c.evaluated_at <= self.at)
                .values(last_seen=self.at, evaluated_at=self.at, last_run_id=run_id, kind=self.row.kind)
            )
        by_id = issues.c.id == bindparam("_id")
        moved = {"updated_at": self.at}  # a status change is a modification; a sighting is not
        for rows, constant in ((changed, {}), (reopens, moved), (moves, moved), (earlier, {})):
            if rows:
                columns = {c: bindparam(c) for c in rows[0] if c != "_id"}
                conn.execute(update(issues).where(by_id).values(columns | constant), rows)
        for ids in _chunks(fixes):
            conn.execute(
                update(issues)
                .where(issues.c.id.in_(ids))
                .values(
                    status=lc.FIXED,
                    fixed_at=self.at,
                    evaluated_at=self.at,
                    updated_at=self.at,
                    justification=None,
                )
            )
        if self.events:
            bulk_insert(conn, IssueEvent.__table__, self.events)


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def _transition(status: str, failure: Failure) -> tuple[str, str | None]:
    """The status after seeing ``failure`` again, and the event kind (None: unchanged)."""
    if status == lc.FIXED:
        return (lc.EXEMPTED if failure.exempted else lc.OPEN), lc.REOPENED
    if failure.exempted and status != lc.EXEMPTED:
        return lc.EXEMPTED, lc.EXEMPTED_EVENT
    if not failure.exempted and status == lc.EXEMPTED:
        return lc.OPEN, lc.UNEXEMPTED
    return status, None


def _exemption_detail(failure: Failure) -> dict[str, Any]:
    """Event detail naming the exemption when the issue ends up exempted."""
    if failure.exempted:
        return {"exemption_id": failure.exemption_id, "exemption_reason": failure.exemption_reason}
    return {}


def _digest(fields: dict[str, Any]) -> str:
    # The dict is always built in the same key order, so repr() is a stable (and cheap) serialization.
    return hashlib.sha1(repr(tuple(fields.values())).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _lock_entity(session: Session, run: EvaluationRun) -> None:
    """Serialize recordings of one entity (the host and audit may record it at once). SQLite writers are
    serialized already (BEGIN IMMEDIATE); PostgreSQL takes a transaction-scoped advisory lock."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha1(f"findings\x1f{_value(run.entity_type)}\x1f{run.entity}".encode()).digest()
    session.execute(
        text("SELECT pg_advisory_xact_lock(:key)"), {"key": int.from_bytes(digest[:8], "big", signed=True)}
    )


def _value(v: Any) -> str:
    return str(getattr(v, "value", v) or "")


def _utc(value: Any, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise InputError(f"evaluation run: {what} must be a datetime, got {type(value).__name__}")
    # A naive time is taken as UTC (what utcnow()-style callers mean).
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _check(run: EvaluationRun) -> None:
    if _value(run.entity_type) not in {e.value for e in EntityType}:
        raise InputError(f"evaluation run: entity type {run.entity_type!r} is not stack or account")
    if _value(run.kind) not in {k.value for k in RunKind}:
        raise InputError(f"evaluation run: kind {run.kind!r} is not preventative or audit")
    if not run.entity:
        raise InputError("evaluation run: no entity named")
    if _utc(run.finished_at, "finished_at") < _utc(run.started_at, "started_at"):
        raise InputError(f"evaluation run of {run.entity}: finished before it started")
