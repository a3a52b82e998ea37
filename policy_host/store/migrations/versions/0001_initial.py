"""Initial schema: packs, archives, groups (members, selectors, packs), entities, exemptions.

Also creates the two default policy groups, so they exist from the store's first use on.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from policy_host.store.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "packs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("info", sa.JSON, nullable=False),
        sa.Column("archive_sha256", sa.String(64), nullable=False),
        sa.Column("archive_size", sa.Integer, nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("name", "version", name="uq_packs_name_version"),
    )
    op.create_table(
        "pack_archives",
        sa.Column("pack_id", sa.Integer, sa.ForeignKey("packs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    groups = op.create_table(
        "policy_groups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("entity_type", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("default_for", sa.String(16), nullable=True, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("modified_at", UTCDateTime(), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.create_table(
        "group_members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "group_id", sa.Integer, sa.ForeignKey("policy_groups.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("group_id", "kind", "name", name="uq_group_members"),
    )
    op.create_index("ix_group_members_kind_name", "group_members", ["kind", "name"])
    op.create_table(
        "group_selectors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "group_id", sa.Integer, sa.ForeignKey("policy_groups.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("expr", sa.String(400), nullable=False),
        sa.UniqueConstraint("group_id", "kind", "expr", name="uq_group_selectors"),
    )
    op.create_table(
        "group_packs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "group_id", sa.Integer, sa.ForeignKey("policy_groups.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("pack_name", sa.String(200), nullable=False),
        sa.Column("version_spec", sa.String(100), nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("modified_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("group_id", "pack_name", name="uq_group_packs"),
    )
    op.create_index("ix_group_packs_pack_name", "group_packs", ["pack_name"])
    op.create_table(
        "entities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("kind", "name", name="uq_entities_kind_name"),
    )
    op.create_table(
        "exemptions",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("policies", sa.JSON, nullable=False),
        sa.Column("urn", sa.String(1000), nullable=True),
        sa.Column("resource_type", sa.String(400), nullable=True),
        sa.Column("stack", sa.String(400), nullable=True),
        sa.Column("account", sa.String(400), nullable=True),
        sa.Column("resource_tags", sa.JSON, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    now = datetime.now(UTC)
    common = {"created_at": now, "modified_at": now, "revision": 0}
    op.bulk_insert(
        groups,
        [
            {"name": "default-policy-group", "entity_type": "stacks", "mode": "preventative"}
            | {"default_for": "stacks"}
            | common,
            {"name": "default-accounts-policy-group", "entity_type": "accounts", "mode": "audit"}
            | {"default_for": "accounts"}
            | common,
        ],
    )


def downgrade() -> None:
    for table in (
        "exemptions",
        "entities",
        "group_packs",
        "group_selectors",
        "group_members",
        "policy_groups",
        "pack_archives",
        "packs",
    ):
        op.drop_table(table)
