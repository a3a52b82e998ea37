"""SQLAlchemy 2 models: the store's tables. Plain rows; the rules live in registry/, groups/, exemptions/.

Every table change needs a new migration under ``migrations/versions/`` (tests compare the two).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .types import UTCDateTime


class Base(DeclarativeBase):
    pass


class PackRecord(Base):
    """One published ``name@version`` of a policy pack: its metadata (a PackInfo as JSON)."""

    __tablename__ = "packs"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_packs_name_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    info: Mapped[dict[str, Any]] = mapped_column(JSON)
    archive_sha256: Mapped[str] = mapped_column(String(64))
    archive_size: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())

    archive: Mapped[PackArchive] = relationship(
        back_populates="pack", cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )


class PackArchive(Base):
    """The immutable tar.gz of a published pack, apart from PackRecord so listings never load it."""

    __tablename__ = "pack_archives"

    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    pack: Mapped[PackRecord] = relationship(back_populates="archive")


class GroupRecord(Base):
    """A policy group. ``default_for`` is ``stacks``/``accounts`` for the two default groups, else NULL."""

    __tablename__ = "policy_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    entity_type: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(16))
    default_for: Mapped[str | None] = mapped_column(String(16), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Bumped by every edit; lets tests and callers see that concurrent edits each landed.
    revision: Mapped[int] = mapped_column(Integer, default=0)

    members: Mapped[list[GroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan", passive_deletes=True, order_by="GroupMember.id"
    )
    selectors: Mapped[list[GroupSelector]] = relationship(
        back_populates="group",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="GroupSelector.id",
    )
    packs: Mapped[list[GroupPack]] = relationship(
        back_populates="group",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="GroupPack.pack_name",
    )

    @property
    def is_default(self) -> bool:
        return self.default_for is not None


class GroupMember(Base):
    """An explicit member: a stack ``org/project/stack`` or an account name.

    ``source`` is ``explicit`` (added by a user) or ``default`` (joined its default group when first seen).
    """

    __tablename__ = "group_members"
    __table_args__ = (
        UniqueConstraint("group_id", "kind", "name", name="uq_group_members"),
        Index("ix_group_members_kind_name", "kind", "name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("policy_groups.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(400))
    source: Mapped[str] = mapped_column(String(16), default="explicit")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())

    group: Mapped[GroupRecord] = relationship(back_populates="members")


class GroupSelector(Base):
    """A membership rule: ``kind`` is ``stack`` (glob), ``account`` (glob) or ``tag`` (``k=v[,k=v]``)."""

    __tablename__ = "group_selectors"
    __table_args__ = (UniqueConstraint("group_id", "kind", "expr", name="uq_group_selectors"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("policy_groups.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    expr: Mapped[str] = mapped_column(String(400))

    group: Mapped[GroupRecord] = relationship(back_populates="selectors")


class GroupPack(Base):
    """A pack enabled in a group: a pinned version or ``latest``, with config in the engine's file format.

    ``modified_at`` changes only when this pin or its config changes; it decides same-version conflicts.
    """

    __tablename__ = "group_packs"
    __table_args__ = (
        UniqueConstraint("group_id", "pack_name", name="uq_group_packs"),
        Index("ix_group_packs_pack_name", "pack_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("policy_groups.id", ondelete="CASCADE"))
    pack_name: Mapped[str] = mapped_column(String(200))
    version_spec: Mapped[str] = mapped_column(String(100))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime())

    group: Mapped[GroupRecord] = relationship(back_populates="packs")


class EntityRecord(Base):
    """A stack or account the store has seen (analyzed or scanned), with its last known tags."""

    __tablename__ = "entities"
    __table_args__ = (UniqueConstraint("kind", "name", name="uq_entities_kind_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(400))
    tags: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())


class ExemptionRecord(Base):
    """An exemption: policy refs x scope, with a reason, an owner and an optional expiry."""

    __tablename__ = "exemptions"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    policies: Mapped[list[str]] = mapped_column(JSON)
    urn: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    resource_type: Mapped[str | None] = mapped_column(String(400), nullable=True)
    stack: Mapped[str | None] = mapped_column(String(400), nullable=True)
    account: Mapped[str | None] = mapped_column(String(400), nullable=True)
    resource_tags: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
