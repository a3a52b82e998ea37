"""Audit: accounts, scans, resources, resource versions, relationships, stack states, leases, evaluations.

A branch of its own off ``0001`` (label ``audit``); ``policy_host/audit/models.py`` mirrors it.

Revision ID: 0002_audit
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from policy_host.store.types import UTCDateTime

revision = "0002_audit"
down_revision = "0001"
branch_labels = ("audit",)
depends_on = None


def _account_fk(nullable: bool = False) -> sa.Column:
    return sa.Column(
        "account_id", sa.Integer, sa.ForeignKey("audit_accounts.id", ondelete="CASCADE"), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "audit_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(400), nullable=False, unique=True),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column(
            "parent_id", sa.Integer, sa.ForeignKey("audit_accounts.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("schedule", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("modified_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_audit_accounts_parent_id", "audit_accounts", ["parent_id"])
    op.create_table(
        "audit_scans",
        sa.Column("id", sa.Integer, primary_key=True),
        _account_fk(),
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("holder", sa.String(300), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("duration_seconds", sa.Float, nullable=True),
        sa.Column("resource_count", sa.Integer, nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("errors", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_scans_account_started", "audit_scans", ["account_id", "started_at"])
    op.create_index("ix_audit_scans_batch_id", "audit_scans", ["batch_id"])
    op.create_table(
        "audit_resources",
        sa.Column("id", sa.Integer, primary_key=True),
        _account_fk(),
        sa.Column("urn", sa.String(1000), nullable=False),
        sa.Column("type", sa.String(400), nullable=False),
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("cloud_id", sa.String(1000), nullable=False),
        sa.Column("arn", sa.String(1000), nullable=True),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("stack", sa.String(400), nullable=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("current_version", sa.Integer, nullable=False),
        sa.Column("current_hash", sa.String(64), nullable=False),
        sa.Column("partial", sa.JSON, nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.Column("last_scan_id", sa.Integer, nullable=True),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.Column("managed_by", sa.String(400), nullable=True),
        sa.Column("managed_urn", sa.String(1000), nullable=True),
        sa.UniqueConstraint("account_id", "urn", name="uq_audit_resources_account_urn"),
    )
    op.create_index("ix_audit_resources_type", "audit_resources", ["type"])
    op.create_index("ix_audit_resources_cloud_id", "audit_resources", ["cloud_id"])
    op.create_index("ix_audit_resources_arn", "audit_resources", ["arn"])
    op.create_table(
        "audit_resource_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "resource_id",
            sa.Integer,
            sa.ForeignKey("audit_resources.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("properties", sa.JSON, nullable=False),
        sa.Column("extra", sa.JSON, nullable=True),
        sa.Column("scan_id", sa.Integer, nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("resource_id", "version", name="uq_audit_resource_versions"),
    )
    op.create_table(
        "audit_relationships",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "resource_id",
            sa.Integer,
            sa.ForeignKey("audit_resources.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("target", sa.String(1000), nullable=False),
    )
    op.create_index("ix_audit_relationships_resource_id", "audit_relationships", ["resource_id"])
    op.create_table(
        "audit_stacks",
        sa.Column("id", sa.Integer, primary_key=True),
        _account_fk(),
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("source", sa.String(2000), nullable=False),
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("resource_count", sa.Integer, nullable=False),
        sa.Column("loaded_at", UTCDateTime(), nullable=False),
        sa.Column("evaluated_hash", sa.String(64), nullable=True),
        sa.UniqueConstraint("account_id", "name", name="uq_audit_stacks_account_name"),
    )
    op.create_table(
        "audit_leases",
        sa.Column("key", sa.String(500), primary_key=True),
        sa.Column("holder", sa.String(300), nullable=False),
        sa.Column("acquired_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "audit_evaluations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entity_type", sa.String(16), nullable=False),
        sa.Column("entity", sa.String(400), nullable=False),
        _account_fk(nullable=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("resources", sa.Integer, nullable=False),
        sa.Column("policies", sa.Integer, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("errors", sa.JSON, nullable=False),
        sa.Column("recorded", sa.String(32), nullable=False),
    )
    op.create_index("ix_audit_evaluations_entity", "audit_evaluations", ["entity_type", "entity"])


def downgrade() -> None:
    for table in (
        "audit_evaluations",
        "audit_leases",
        "audit_stacks",
        "audit_relationships",
        "audit_resource_versions",
        "audit_resources",
        "audit_scans",
        "audit_accounts",
    ):
        op.drop_table(table)
