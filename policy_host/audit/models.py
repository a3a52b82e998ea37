"""Audit tables (migration ``0002_audit``): accounts, scans, discovered resources with their versions and
relationships, stack states from ``pulumi`` accounts, scan leases and evaluation records.

Plain rows on the store's ``Base``; the rules live in the other ``audit`` modules. Nothing secret is
stored: account config holds credential *source* references only, and property values pass through
``canonical.seal_secrets`` (secrets become ``[secret]``) before they reach a version row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..store.models import Base
from ..store.types import UTCDateTime

# Scan statuses.
RUNNING = "running"
SUCCEEDED = "succeeded"
PARTIAL = "partial"  # finished and written, but some services/regions/stacks failed (their resources kept)
FAILED = "failed"  # nothing written: the previous snapshot stands

# Resource origins.
DISCOVERED = "discovered"  # read from a cloud account
STACK = "stack"  # a resource a stack manages (pulumi accounts)
STACK_READ = "stack-read"  # a resource a stack only reads (``external: true``); claims nothing


class AccountRecord(Base):
    """An account to scan. AWS regions are child rows (``NAME/REGION``) with ``parent_id`` set.

    ``config`` is provider-specific and secret-free (see ``accounts.py``); children inherit it.
    """

    __tablename__ = "audit_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(400), unique=True)
    provider: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("audit_accounts.id", ondelete="CASCADE"), nullable=True, index=True
    )
    region: Mapped[str | None] = mapped_column(String(64), nullable=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    schedule: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime())

    children: Mapped[list[AccountRecord]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="AccountRecord.name"
    )


class ScanRecord(Base):
    """One scan of one account. A parent scan writes one row per account it covers (same ``batch_id``)."""

    __tablename__ = "audit_scans"
    __table_args__ = (Index("ix_audit_scans_account_started", "account_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("audit_accounts.id", ondelete="CASCADE"))
    batch_id: Mapped[str] = mapped_column(String(64), index=True)
    trigger: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(String(300))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    duration_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    resource_count: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)  # type token -> resources
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)  # new / changed / unchanged / deleted / revived
    errors: Mapped[list[Any]] = mapped_column(JSON)  # one line each


class AuditResourceRecord(Base):
    """A resource seen in an account: identity, where it lives, its current version and who manages it."""

    __tablename__ = "audit_resources"
    __table_args__ = (
        UniqueConstraint("account_id", "urn", name="uq_audit_resources_account_urn"),
        Index("ix_audit_resources_type", "type"),
        Index("ix_audit_resources_cloud_id", "cloud_id"),
        Index("ix_audit_resources_arn", "arn"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("audit_accounts.id", ondelete="CASCADE"))
    urn: Mapped[str] = mapped_column(String(1000))
    type: Mapped[str] = mapped_column(String(400))
    name: Mapped[str] = mapped_column(String(400))
    provider: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(64))
    cloud_id: Mapped[str] = mapped_column(String(1000))
    arn: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    origin: Mapped[str] = mapped_column(String(16))
    stack: Mapped[str | None] = mapped_column(String(400), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # state order within a stack
    current_version: Mapped[int] = mapped_column(Integer)
    current_hash: Mapped[str] = mapped_column(String(64))
    partial: Mapped[list[Any]] = mapped_column(JSON)  # detail reads that failed at the last scan
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_scan_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    managed_by: Mapped[str | None] = mapped_column(String(400), nullable=True)  # org/project/stack
    managed_urn: Mapped[str | None] = mapped_column(String(1000), nullable=True)

    versions: Mapped[list[ResourceVersionRecord]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="ResourceVersionRecord.version"
    )


class ResourceVersionRecord(Base):
    """One version of a resource's properties (secrets sealed); a new one only when the hash changes.

    ``extra`` holds what stack resources have beyond inputs (outputs, options, parent, dependencies,
    provider), so audit of a stack sees what preventative analysis of its state would.
    """

    __tablename__ = "audit_resource_versions"
    __table_args__ = (UniqueConstraint("resource_id", "version", name="uq_audit_resource_versions"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("audit_resources.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    properties: Mapped[dict[str, Any]] = mapped_column(JSON)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    scan_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RelationshipRecord(Base):
    """A link from a resource to another cloud id (``securityGroup`` -> ``sg-123``)."""

    __tablename__ = "audit_relationships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("audit_resources.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(1000))


class StackStateRecord(Base):
    """The latest state of a stack read by a ``pulumi`` account, and which state was last evaluated."""

    __tablename__ = "audit_stacks"
    __table_args__ = (UniqueConstraint("account_id", "name", name="uq_audit_stacks_account_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("audit_accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(400))  # org/project/stack
    source: Mapped[str] = mapped_column(String(2000))
    state_hash: Mapped[str] = mapped_column(String(64))
    resource_count: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    evaluated_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class LeaseRecord(Base):
    """A time-limited claim (``scan:ACCOUNT``) that keeps two processes from scanning one account."""

    __tablename__ = "audit_leases"

    key: Mapped[str] = mapped_column(String(500), primary_key=True)
    holder: Mapped[str] = mapped_column(String(300))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EvaluationRecord(Base):
    """A summary of one audit evaluation of one entity (the full run goes to findings)."""

    __tablename__ = "audit_evaluations"
    __table_args__ = (Index("ix_audit_evaluations_entity", "entity_type", "entity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(400))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("audit_accounts.id", ondelete="CASCADE"), nullable=True
    )
    source: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resources: Mapped[int] = mapped_column(Integer)
    policies: Mapped[int] = mapped_column(Integer)
    failures: Mapped[int] = mapped_column(Integer)
    errors: Mapped[list[Any]] = mapped_column(JSON)
    recorded: Mapped[str] = mapped_column(String(32))  # "findings" or why not
