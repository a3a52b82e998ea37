"""Findings: evaluation runs and their posture snapshots, issues, issue events, observations.

A branch of its own off ``0001`` (label ``findings``), so it lands independently of other features.

Revision ID: 0002_findings
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from policy_host.store.types import UTCDateTime

revision = "0002_findings"
down_revision = "0001"
branch_labels = ("findings",)
depends_on = None

_RUN_FK = "finding_runs.id"


def upgrade() -> None:
    op.create_table(
        "finding_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_key", sa.String(64), nullable=False, unique=True),
        sa.Column("entity_type", sa.String(16), nullable=False),
        sa.Column("entity", sa.String(400), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("errors", sa.JSON, nullable=False),
        sa.Column("policies", sa.Integer, nullable=False),
        sa.Column("policies_passing", sa.Integer, nullable=False),
        sa.Column("resources", sa.Integer, nullable=False),
        sa.Column("resources_passing", sa.Integer, nullable=False),
        sa.Column("new_issues", sa.Integer, nullable=False),
        sa.Column("still_open", sa.Integer, nullable=False),
        sa.Column("fixed", sa.Integer, nullable=False),
        sa.Column("reopened", sa.Integer, nullable=False),
        sa.Column("exempted", sa.Integer, nullable=False),
    )
    op.create_index(
        "ix_finding_runs_entity", "finding_runs", ["entity_type", "entity", "kind", "finished_at"]
    )
    op.create_table(
        "finding_run_policies",
        sa.Column("run_id", sa.Integer, sa.ForeignKey(_RUN_FK, ondelete="CASCADE"), primary_key=True),
        sa.Column("pack", sa.String(200), primary_key=True),
        sa.Column("policy", sa.String(200), primary_key=True),
        sa.Column("pack_version", sa.String(100), nullable=False),
        sa.Column("policy_type", sa.String(16), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("policy_group", sa.String(200), nullable=False),
        sa.Column("applicable", sa.Integer, nullable=False),
        sa.Column("failing", sa.Integer, nullable=False),
        sa.Column("exempted", sa.Integer, nullable=False),
        sa.Column("errored", sa.Boolean, nullable=False),
        sa.Column("passing", sa.Boolean, nullable=False),
    )
    op.create_table(
        "finding_run_scopes",
        sa.Column("run_id", sa.Integer, sa.ForeignKey(_RUN_FK, ondelete="CASCADE"), primary_key=True),
        sa.Column("scope", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(420), primary_key=True),
        sa.Column("policy_group", sa.String(200), nullable=False),
        sa.Column("policies", sa.Integer, nullable=False),
        sa.Column("policies_passing", sa.Integer, nullable=False),
        sa.Column("policies_errored", sa.Integer, nullable=False),
        sa.Column("resources", sa.Integer, nullable=False),
        sa.Column("resources_passing", sa.Integer, nullable=False),
        sa.Column("violations", sa.Integer, nullable=False),
    )
    op.create_table(
        "issues",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(40), nullable=False, unique=True),
        sa.Column("entity_type", sa.String(16), nullable=False),
        sa.Column("entity", sa.String(400), nullable=False),
        sa.Column("resource_urn", sa.Text, nullable=False),
        sa.Column("resource_type", sa.String(400), nullable=False),
        sa.Column("resource_name", sa.Text, nullable=False),
        sa.Column("cloud_id", sa.Text, nullable=False),
        sa.Column("managed_by", sa.String(400), nullable=False),
        sa.Column("pack", sa.String(200), nullable=False),
        sa.Column("pack_version", sa.String(100), nullable=False),
        sa.Column("policy", sa.String(200), nullable=False),
        sa.Column("policy_group", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.String(4), nullable=True),
        sa.Column("assignee", sa.String(200), nullable=True),
        sa.Column("justification", sa.Text, nullable=True),
        sa.Column("exemption_id", sa.String(100), nullable=True),
        sa.Column("exemption_reason", sa.Text, nullable=True),
        sa.Column("proposed_fix", sa.JSON, nullable=True),
        sa.Column("observed_digest", sa.String(40), nullable=False),
        sa.Column("first_version", sa.String(100), nullable=False),
        sa.Column("last_version", sa.String(100), nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.Column("evaluated_at", UTCDateTime(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("fixed_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("first_run_id", sa.Integer, sa.ForeignKey(_RUN_FK, ondelete="SET NULL"), nullable=True),
        sa.Column("last_run_id", sa.Integer, sa.ForeignKey(_RUN_FK, ondelete="SET NULL"), nullable=True),
    )
    op.create_index("ix_issues_entity", "issues", ["entity_type", "entity"])
    op.create_index("ix_issues_status", "issues", ["status"])
    op.create_index("ix_issues_pack_policy", "issues", ["pack", "policy"])
    op.create_index("ix_issues_severity", "issues", ["severity"])
    op.create_index("ix_issues_resource_type", "issues", ["resource_type"])
    op.create_index("ix_issues_first_seen", "issues", ["first_seen"])
    op.create_table(
        "issue_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey(_RUN_FK, ondelete="SET NULL"), nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_issue_events_issue", "issue_events", ["issue_id"])
    op.create_index("ix_issue_events_at", "issue_events", ["at", "kind"])
    op.create_table(
        "finding_observations",
        sa.Column("run_id", sa.Integer, sa.ForeignKey(_RUN_FK, ondelete="CASCADE"), primary_key=True),
        sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("exempted", sa.Boolean, nullable=False),
    )
    op.create_index("ix_finding_observations_issue", "finding_observations", ["issue_id"])
    op.create_table(
        "finding_policy_meta",
        sa.Column("pack", sa.String(200), primary_key=True),
        sa.Column("pack_version", sa.String(100), primary_key=True),
        sa.Column("policy", sa.String(200), primary_key=True),
        sa.Column("info", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "finding_policy_meta",
        "finding_observations",
        "issue_events",
        "issues",
        "finding_run_scopes",
        "finding_run_policies",
        "finding_runs",
    ):
        op.drop_table(table)
