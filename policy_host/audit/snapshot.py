"""Write one account's snapshot into the store: versions, deletions, relationships, stack states.

Called inside the scan's final write transaction, so a scan's changes land all together or not at all
(an interrupted scan leaves the previous snapshot as it was).

Rules:
- a resource gets a new version only when the hash of its sealed properties (and, for stack resources,
  extra state) changes; a *partial* read (some detail call failed) never creates a version of its own
  when an older complete one exists, so a transient AccessDenied does not look like a change;
- a resource the previous snapshot had and this scan did not see is marked deleted, unless the scan
  could not have seen it (its type's listing failed, its detail reads failed, its stack file could not be
  read); a deleted resource that reappears is revived (and versioned if it changed);
- relationships are replaced when the set of (kind, target) pairs changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .canonical import properties_hash, seal_secrets
from .collect import Snapshot
from .models import (
    AccountRecord,
    AuditResourceRecord,
    RelationshipRecord,
    ResourceVersionRecord,
    StackStateRecord,
)


@dataclass
class Changes:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    revived: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "revived": self.revived,
        }


def _uncertain_stacks(session: Session, account: AccountRecord, snap: Snapshot) -> set[str]:
    if not snap.failed_sources:
        return set(snap.uncertain_stacks)
    out = set(snap.uncertain_stacks)
    for rec in session.scalars(select(StackStateRecord).where(StackStateRecord.account_id == account.id)):
        if any(rec.source == s or rec.source.startswith(s.rstrip("/") + "/") for s in snap.failed_sources):
            out.add(rec.name)
    return out


def write_snapshot(
    session: Session, account: AccountRecord, snap: Snapshot, scan_id: int, now: datetime
) -> Changes:
    """Apply ``snap`` to ``account``'s resources; returns what changed."""
    changes = Changes()
    existing = {
        r.urn: r
        for r in session.scalars(
            select(AuditResourceRecord).where(AuditResourceRecord.account_id == account.id)
        )
    }
    old_links: dict[int, set[tuple[str, str]]] = {}
    if existing:
        rows = session.execute(
            select(RelationshipRecord.resource_id, RelationshipRecord.kind, RelationshipRecord.target)
            .join(AuditResourceRecord, AuditResourceRecord.id == RelationshipRecord.resource_id)
            .where(AuditResourceRecord.account_id == account.id)
        )
        for rid, kind, target in rows:
            old_links.setdefault(rid, set()).add((kind, target))

    seen: set[str] = set()
    pending_links: list[tuple[AuditResourceRecord, set[tuple[str, str]]]] = []
    for item in snap.items:
        if item.urn in seen:
            continue  # the same resource reported twice: keep the first
        seen.add(item.urn)
        props = seal_secrets(item.properties)
        extra = seal_secrets(item.extra) if item.extra is not None else None
        digest = properties_hash(props, extra)
        row = existing.get(item.urn)
        if row is None:
            row = AuditResourceRecord(
                account_id=account.id,
                urn=item.urn,
                current_version=1,
                current_hash=digest,
                first_seen=now,
            )
            row.versions.append(_version(1, digest, props, extra, scan_id, now))
            session.add(row)
            changes.new += 1
        else:
            if row.deleted_at is not None:
                row.deleted_at = None
                changes.revived += 1
            if digest != row.current_hash and not (item.partial and row.current_version > 0):
                row.current_version += 1
                row.current_hash = digest
                session.add(_version(row.current_version, digest, props, extra, scan_id, now, row.id))
                changes.changed += 1
            else:
                changes.unchanged += 1
        row.type = item.type
        row.name = item.name
        row.provider = item.provider
        row.region = item.region
        row.cloud_id = item.cloud_id
        row.arn = item.arn
        row.origin = item.origin
        row.stack = item.stack
        row.position = item.position
        row.partial = list(item.partial)
        row.last_seen = now
        row.last_scan_id = scan_id
        if item.stack is not None:
            row.managed_by, row.managed_urn = item.stack, item.urn
        links = set(item.relationships)
        pending_links.append((row, links))

    uncertain_stacks = _uncertain_stacks(session, account, snap)
    for urn, row in existing.items():
        if urn in seen or row.deleted_at is not None:
            continue
        if row.type in snap.uncertain_types or row.cloud_id in snap.uncertain_ids:
            continue
        if row.stack is not None and row.stack in uncertain_stacks:
            continue
        row.deleted_at = now
        changes.deleted += 1

    session.flush()  # new rows get their ids
    for row, links in pending_links:
        if old_links.get(row.id, set()) == links:
            continue
        if row.id in old_links:
            session.execute(delete(RelationshipRecord).where(RelationshipRecord.resource_id == row.id))
        session.add_all(RelationshipRecord(resource_id=row.id, kind=k, target=t) for k, t in sorted(links))
    _write_stacks(session, account, snap, now, uncertain_stacks)
    session.flush()
    return changes


def _version(
    number: int,
    digest: str,
    props: dict[str, Any],
    extra: dict[str, Any] | None,
    scan_id: int,
    now: datetime,
    resource_id: int | None = None,
) -> ResourceVersionRecord:
    rec = ResourceVersionRecord(
        version=number, hash=digest, properties=props, extra=extra, scan_id=scan_id, recorded_at=now
    )
    if resource_id is not None:
        rec.resource_id = resource_id
    return rec


def _write_stacks(
    session: Session, account: AccountRecord, snap: Snapshot, now: datetime, uncertain: set[str]
) -> None:
    existing = {
        s.name: s
        for s in session.scalars(select(StackStateRecord).where(StackStateRecord.account_id == account.id))
    }
    for info in snap.stacks:
        rec = existing.get(info.name)
        if rec is None:
            rec = StackStateRecord(account_id=account.id, name=info.name)
            session.add(rec)
        rec.source = info.source
        rec.state_hash = info.state_hash
        rec.resource_count = info.resource_count
        rec.loaded_at = now
    current = {info.name for info in snap.stacks}
    for name, rec in existing.items():
        if name not in current and name not in uncertain:
            session.delete(rec)  # the stack is gone from its backend; its resources were marked deleted
