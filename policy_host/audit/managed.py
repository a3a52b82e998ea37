"""Managed or not: match discovered resources to the resources stacks manage.

The stacks known to the store are those ``pulumi`` accounts read (their latest state, table
``audit_resources`` with origin ``stack``). A discovered resource is *managed* by the stack resource with
the same ARN, or else with the same cloud id and a compatible type; otherwise it is *unmanaged*.

Type compatibility ignores pulumi-aws's V2 suffixes (``aws:s3/bucketV2:BucketV2`` and
``aws:s3/bucket:Bucket`` both describe a bucket whose id is its name) but nothing else, so a bucket's
public-access block (same id as the bucket) never matches the bucket itself. When both sides have an ARN
and they differ, ids alone do not match (the same name in another account or partition). Resources a
stack only reads (``external: true``) claim nothing. When two stacks claim one resource, the stack
whose name sorts first wins (and ``resource get`` shows the managing URN).
"""

from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .models import DISCOVERED, STACK, AuditResourceRecord

_V2 = re.compile(r"v2$", re.IGNORECASE)


def type_family(type_token: str) -> str:
    """``aws:s3/bucketV2:BucketV2`` -> ``aws:s3/bucket``: module plus the resource name without V2."""
    pkg, _, rest = type_token.partition(":")
    module, _, name = rest.partition(":")
    module = module.split("/", 1)[0]
    return f"{pkg}:{module}/{_V2.sub('', name).lower()}"


class StackIndex:
    """Stack resources by ARN and by (type family, cloud id)."""

    def __init__(self) -> None:
        self.by_arn: dict[str, tuple[str, str]] = {}
        self.by_id: dict[tuple[str, str], tuple[str, str, str | None]] = {}

    def add(self, stack: str, urn: str, type_token: str, cloud_id: str, arn: str | None) -> None:
        if arn:
            self.by_arn.setdefault(arn, (stack, urn))
        if cloud_id:
            self.by_id.setdefault((type_family(type_token), cloud_id), (stack, urn, arn))

    def match(self, type_token: str, cloud_id: str, arn: str | None) -> tuple[str, str] | None:
        """(org/project/stack, URN) of the managing stack resource, or None."""
        if arn and arn in self.by_arn:
            return self.by_arn[arn]
        hit = self.by_id.get((type_family(type_token), cloud_id))
        if hit is None:
            return None
        stack, urn, their_arn = hit
        if arn and their_arn and arn != their_arn:
            return None
        return stack, urn


def load_index(session: Session) -> StackIndex:
    """Every live stack resource with a cloud id, stacks in name order (first claim wins)."""
    index = StackIndex()
    rows = session.execute(
        select(
            AuditResourceRecord.stack,
            AuditResourceRecord.urn,
            AuditResourceRecord.type,
            AuditResourceRecord.cloud_id,
            AuditResourceRecord.arn,
        )
        .where(AuditResourceRecord.origin == STACK, AuditResourceRecord.deleted_at.is_(None))
        .order_by(AuditResourceRecord.stack, AuditResourceRecord.position)
    )
    for stack, urn, type_token, cloud_id, arn in rows:
        if type_token.startswith("pulumi:"):
            continue  # providers and the stack itself are not cloud resources
        index.add(stack or "", urn, type_token, cloud_id, arn)
    return index


def refresh_managed(session: Session, account_ids: list[int] | None = None) -> int:
    """Recompute managed-by for the discovered resources of ``account_ids`` (all when None).

    Returns how many rows changed. Deleted resources keep their last marking.
    """
    index = load_index(session)
    query = select(
        AuditResourceRecord.id,
        AuditResourceRecord.type,
        AuditResourceRecord.cloud_id,
        AuditResourceRecord.arn,
        AuditResourceRecord.managed_by,
        AuditResourceRecord.managed_urn,
    ).where(AuditResourceRecord.origin == DISCOVERED, AuditResourceRecord.deleted_at.is_(None))
    if account_ids is not None:
        query = query.where(AuditResourceRecord.account_id.in_(account_ids))
    updates = []
    for rid, type_token, cloud_id, arn, managed_by, managed_urn in session.execute(query).all():
        hit = index.match(type_token, cloud_id, arn)
        want = hit if hit is not None else (None, None)
        if (managed_by, managed_urn) != want:
            updates.append({"id": rid, "managed_by": want[0], "managed_urn": want[1]})
    if updates:
        session.execute(update(AuditResourceRecord), updates)
    return len(updates)
