"""The findings tables: evaluation runs with their posture snapshot, issues, issue events, observations.

Rows only; the rules live in ``record.py`` (runs -> issues), ``triage.py`` (edits), ``query.py`` and
``posture.py``. The tables come from migration ``0002_findings`` (a branch of its own off ``0001``).

- ``finding_runs``: one row per recorded EvaluationRun (idempotent by ``run_key``), with its totals.
- ``finding_run_policies``: one row per policy enabled in a run, with its verdict; together with
  ``finding_run_scopes`` (totals per pack, severity, group, ...) this is the run's posture snapshot, so
  posture at any past moment is a query, not a replay.
- ``issues``: one row per (entity, resource, pack, policy) ever found failing; never deleted.
- ``issue_events``: every change of an issue (opened, fixed, reopened, exempted, edits), oldest first.
- ``finding_observations``: which issues each run saw, so a report can select exactly one run.
- ``finding_policy_meta``: policy metadata (description, remediation steps, ...) given by the recorder,
  for report rule metadata when the pack is not in the registry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..store.models import Base
from ..store.types import UTCDateTime


class FindingRun(Base):
    """One recorded evaluation of one entity (an analyze run, a preview/up, an audit scan)."""

    __tablename__ = "finding_runs"
    __table_args__ = (Index("ix_finding_runs_entity", "entity_type", "entity", "kind", "finished_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_key: Mapped[str] = mapped_column(String(64), unique=True)
    entity_type: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(400))
    kind: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(Text)
    errors: Mapped[list[str]] = mapped_column(JSON)
    # Totals over every enabled policy (the "all" scope), for listings without a join.
    policies: Mapped[int] = mapped_column(Integer)
    policies_passing: Mapped[int] = mapped_column(Integer)
    resources: Mapped[int] = mapped_column(Integer)
    resources_passing: Mapped[int] = mapped_column(Integer)
    # What recording did to issues (RecordSummary).
    new_issues: Mapped[int] = mapped_column(Integer)
    still_open: Mapped[int] = mapped_column(Integer)
    fixed: Mapped[int] = mapped_column(Integer)
    reopened: Mapped[int] = mapped_column(Integer)
    exempted: Mapped[int] = mapped_column(Integer)


class FindingRunPolicy(Base):
    """A policy enabled in a run and how it fared there (passes are rows too: this is the snapshot)."""

    __tablename__ = "finding_run_policies"

    run_id: Mapped[int] = mapped_column(ForeignKey("finding_runs.id", ondelete="CASCADE"), primary_key=True)
    pack: Mapped[str] = mapped_column(String(200), primary_key=True)
    policy: Mapped[str] = mapped_column(String(200), primary_key=True)
    pack_version: Mapped[str] = mapped_column(String(100))
    policy_type: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    policy_group: Mapped[str] = mapped_column(String(200))
    applicable: Mapped[int] = mapped_column(Integer)  # resources it applied to
    failing: Mapped[int] = mapped_column(Integer)  # of those, resources with a non-exempt violation
    exempted: Mapped[int] = mapped_column(Integer)  # violations waived by an exemption
    errored: Mapped[bool] = mapped_column(Boolean)  # the policy itself failed on some resource
    passing: Mapped[bool] = mapped_column(Boolean)


class FindingRunScope(Base):
    """Posture totals of a run over one scope: ``all``, a ``group``, a ``pack``, a ``severity``, or a
    ``group-severity`` pair (key ``group\\x1fseverity``). Resource counts are distinct resources, which
    is why they are stored per scope rather than summed from policy rows."""

    __tablename__ = "finding_run_scopes"

    run_id: Mapped[int] = mapped_column(ForeignKey("finding_runs.id", ondelete="CASCADE"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(420), primary_key=True)
    policy_group: Mapped[str] = mapped_column(String(200))  # for pack scopes: the group the pack came from
    policies: Mapped[int] = mapped_column(Integer)
    policies_passing: Mapped[int] = mapped_column(Integer)
    policies_errored: Mapped[int] = mapped_column(Integer)
    resources: Mapped[int] = mapped_column(Integer)
    resources_passing: Mapped[int] = mapped_column(Integer)
    violations: Mapped[int] = mapped_column(Integer)  # non-exempt (resource, policy) failures


class Issue(Base):
    """One (entity, resource, pack, policy) that failed at least once, with its triage state."""

    __tablename__ = "issues"
    __table_args__ = (
        Index("ix_issues_entity", "entity_type", "entity"),
        Index("ix_issues_status", "status"),
        Index("ix_issues_pack_policy", "pack", "policy"),
        Index("ix_issues_severity", "severity"),
        Index("ix_issues_resource_type", "resource_type"),
        Index("ix_issues_first_seen", "first_seen"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # sha1 of entity type, entity, URN, pack and policy: the identity, and SARIF's fingerprint.
    fingerprint: Mapped[str] = mapped_column(String(40), unique=True)
    entity_type: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(400))
    resource_urn: Mapped[str] = mapped_column(Text)
    resource_type: Mapped[str] = mapped_column(String(400))
    resource_name: Mapped[str] = mapped_column(Text)
    cloud_id: Mapped[str] = mapped_column(Text)
    managed_by: Mapped[str] = mapped_column(String(400))  # "" = unmanaged
    pack: Mapped[str] = mapped_column(String(200))
    pack_version: Mapped[str] = mapped_column(String(100))
    policy: Mapped[str] = mapped_column(String(200))
    policy_group: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))  # fail | error
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(4), nullable=True)
    assignee: Mapped[str | None] = mapped_column(String(200), nullable=True)
    justification: Mapped[str | None] = mapped_column(Text, nullable=True)
    exemption_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    exemption_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    proposed_fix: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # sha1 of the fields a run observes per issue (message, level, resource, ...): recording rewrites an
    # issue only when this changes, which keeps re-recording 100,000 standing issues cheap.
    observed_digest: Mapped[str] = mapped_column(String(40))
    first_version: Mapped[str] = mapped_column(String(100))
    last_version: Mapped[str] = mapped_column(String(100))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    # The time of the latest run that judged this issue (saw it or fixed it); older runs recorded late
    # never move it back.
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())  # start of the current open episode
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("finding_runs.id", ondelete="SET NULL"), nullable=True
    )
    last_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("finding_runs.id", ondelete="SET NULL"), nullable=True
    )


class IssueEvent(Base):
    """One change of an issue after it was opened (the opening itself is the issue row: ``first_seen``,
    ``first_run_id``). ``kind``: reopened, fixed, exempted, unexempted, edited."""

    __tablename__ = "issue_events"
    __table_args__ = (Index("ix_issue_events_issue", "issue_id"), Index("ix_issue_events_at", "at", "kind"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    actor: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("finding_runs.id", ondelete="SET NULL"), nullable=True
    )
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class FindingObservation(Base):
    """Issue ``issue_id`` was seen failing in run ``run_id`` (``exempted``: waived there)."""

    __tablename__ = "finding_observations"
    __table_args__ = (Index("ix_finding_observations_issue", "issue_id"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("finding_runs.id", ondelete="CASCADE"), primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True)
    exempted: Mapped[bool] = mapped_column(Boolean)


class FindingPolicyMeta(Base):
    """A policy's metadata as the recorder knew it (``registry.metadata.policy_to_dict`` form)."""

    __tablename__ = "finding_policy_meta"

    pack: Mapped[str] = mapped_column(String(200), primary_key=True)
    pack_version: Mapped[str] = mapped_column(String(100), primary_key=True)
    policy: Mapped[str] = mapped_column(String(200), primary_key=True)
    info: Mapped[dict[str, Any]] = mapped_column(JSON)
