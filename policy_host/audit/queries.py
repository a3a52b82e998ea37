"""The read side of audit for the CLI and reports: resources, their versions, scans, account summaries.

Everything returned is plain data (dicts of JSON-able values) with secrets shown as ``[secret]``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..errors import StoreError
from .accounts import covered_accounts, describe_credentials, get_account
from .canonical import display_value
from .models import (
    AccountRecord,
    AuditResourceRecord,
    RelationshipRecord,
    ResourceVersionRecord,
    ScanRecord,
    StackStateRecord,
)


def _time(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def _account_ids(session: Session, account: str | None) -> dict[int, str]:
    if account is None:
        return dict(session.execute(select(AccountRecord.id, AccountRecord.name)).all())
    rec = get_account(session, account)
    return {a.id: a.name for a in covered_accounts(session, rec)}


def resource_summary(row: AuditResourceRecord, account: str) -> dict[str, Any]:
    return {
        "urn": row.urn,
        "account": account,
        "type": row.type,
        "name": row.name,
        "id": row.cloud_id,
        "arn": row.arn,
        "region": row.region,
        "provider": row.provider,
        "status": "deleted" if row.deleted_at else "live",
        "managed": bool(row.managed_by),
        "managedBy": row.managed_by,
        "managedUrn": row.managed_urn,
        "stack": row.stack,
        "version": row.current_version,
        "firstSeen": _time(row.first_seen),
        "lastSeen": _time(row.last_seen),
        "deletedAt": _time(row.deleted_at),
    }


def list_resources(
    session: Session,
    *,
    account: str | None = None,
    type_token: str | None = None,
    managed: bool | None = None,
    include_deleted: bool = False,
) -> list[dict[str, Any]]:
    """Resources (live by default) of an account and its children, or of all accounts."""
    names = _account_ids(session, account)
    query = select(AuditResourceRecord).where(AuditResourceRecord.account_id.in_(list(names)))
    if type_token:
        query = query.where(AuditResourceRecord.type == type_token)
    if managed is True:
        query = query.where(AuditResourceRecord.managed_by.is_not(None))
    elif managed is False:
        query = query.where(AuditResourceRecord.managed_by.is_(None))
    if not include_deleted:
        query = query.where(AuditResourceRecord.deleted_at.is_(None))
    query = query.order_by(
        AuditResourceRecord.account_id,
        AuditResourceRecord.type,
        AuditResourceRecord.region,
        AuditResourceRecord.cloud_id,
    )
    return [resource_summary(r, names[r.account_id]) for r in session.scalars(query)]


def get_resource(session: Session, urn: str, account: str | None = None) -> dict[str, Any]:
    """One resource with its current properties, relationships and version history."""
    names = _account_ids(session, account)
    rows = list(
        session.scalars(
            select(AuditResourceRecord).where(
                AuditResourceRecord.urn == urn, AuditResourceRecord.account_id.in_(list(names))
            )
        )
    )
    if not rows:
        raise StoreError(f"no resource with URN {urn}" + (f" in account {account}" if account else ""))
    if len(rows) > 1:
        accounts = ", ".join(sorted(names[r.account_id] for r in rows))
        raise StoreError(f"URN {urn} is in several accounts ({accounts}); choose one with --account")
    row = rows[0]
    versions = list(
        session.scalars(
            select(ResourceVersionRecord)
            .where(ResourceVersionRecord.resource_id == row.id)
            .order_by(ResourceVersionRecord.version)
        )
    )
    current = next(v for v in versions if v.version == row.current_version)
    links = session.execute(
        select(RelationshipRecord.kind, RelationshipRecord.target)
        .where(RelationshipRecord.resource_id == row.id)
        .order_by(RelationshipRecord.kind, RelationshipRecord.target)
    ).all()
    targets = {t for _, t in links}
    resolved: dict[str, str] = {}
    if targets:
        for target_urn, cloud_id in session.execute(
            select(AuditResourceRecord.urn, AuditResourceRecord.cloud_id).where(
                AuditResourceRecord.account_id == row.account_id,
                or_(AuditResourceRecord.cloud_id.in_(targets), AuditResourceRecord.urn.in_(targets)),
                AuditResourceRecord.deleted_at.is_(None),
            )
        ):
            resolved.setdefault(cloud_id, target_urn)
    out = resource_summary(row, names[row.account_id])
    out["partial"] = list(row.partial)
    out["properties"] = display_value(current.properties)
    if current.extra is not None:
        out["outputs"] = display_value(current.extra.get("outputs") or {})
    out["relationships"] = [
        {"kind": k, "target": t, "targetUrn": resolved.get(t) or (t if t.startswith("urn:") else None)}
        for k, t in links
    ]
    out["versions"] = [
        {"version": v.version, "hash": v.hash, "scanId": v.scan_id, "recordedAt": _time(v.recorded_at)}
        for v in versions
    ]
    return out


def scan_summary(scan: ScanRecord, account: str) -> dict[str, Any]:
    return {
        "id": scan.id,
        "account": account,
        "batch": scan.batch_id,
        "trigger": scan.trigger,
        "status": scan.status,
        "startedAt": _time(scan.started_at),
        "finishedAt": _time(scan.finished_at),
        "durationSeconds": round(scan.duration_seconds, 3) if scan.duration_seconds is not None else None,
        "resources": scan.resource_count,
        "counts": dict(scan.counts),
        "changes": dict(scan.changes),
        "errors": list(scan.errors),
    }


def list_scans(
    session: Session, account: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Scans newest first, of an account and its children or of all accounts."""
    names = _account_ids(session, account)
    query = (
        select(ScanRecord)
        .where(ScanRecord.account_id.in_(list(names)))
        .order_by(ScanRecord.started_at.desc(), ScanRecord.id.desc())
    )
    if limit:
        query = query.limit(limit)
    return [scan_summary(s, names[s.account_id]) for s in session.scalars(query)]


def account_summary(session: Session, rec: AccountRecord) -> dict[str, Any]:
    """An account as ``account ls/get`` show it: config (secret-free), last scan, resource counts."""
    last = session.scalars(
        select(ScanRecord)
        .where(ScanRecord.account_id == rec.id)
        .order_by(ScanRecord.started_at.desc())
        .limit(1)
    ).first()
    counts = dict(
        session.execute(
            select(AuditResourceRecord.managed_by.is_not(None), func.count())
            .where(AuditResourceRecord.account_id == rec.id, AuditResourceRecord.deleted_at.is_(None))
            .group_by(AuditResourceRecord.managed_by.is_not(None))
        ).all()
    )
    out: dict[str, Any] = {
        "name": rec.name,
        "provider": rec.provider,
        "parent": None,
        "region": rec.region,
        "schedule": rec.schedule,
        "config": dict(rec.config),
        "resources": sum(counts.values()),
        "managed": counts.get(True, 0),
        "unmanaged": counts.get(False, 0),
        "lastScan": scan_summary(last, rec.name) if last else None,
        "createdAt": _time(rec.created_at),
    }
    if rec.parent_id is not None:
        parent = session.get(AccountRecord, rec.parent_id)
        out["parent"] = parent.name if parent else None
    if rec.provider == "aws" and rec.parent_id is None:
        out["credentials"] = describe_credentials(rec.config)
    if rec.provider == "pulumi":
        out["stacks"] = [
            {
                "name": s.name,
                "source": s.source,
                "resources": s.resource_count,
                "loadedAt": _time(s.loaded_at),
            }
            for s in session.scalars(
                select(StackStateRecord)
                .where(StackStateRecord.account_id == rec.id)
                .order_by(StackStateRecord.name)
            )
        ]
    return out
