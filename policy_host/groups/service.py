"""Policy group use cases on a Session: create, get, list, edit, delete, and first-sight joining.

Every edit locks the group's row first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite writers are
serialized by ``BEGIN IMMEDIATE``), so concurrent edits of one group are applied one after the other
and none is lost. Refusals raise before anything is flushed; the caller's transaction rolls back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..entities.patterns import (
    check_account_name,
    compile_account_pattern,
    compile_stack_pattern,
    parse_stack_name,
    parse_tag_selector,
)
from ..entities.ref import ACCOUNT, STACK, EntityRef
from ..errors import InputError, StoreError, UsageError
from ..registry.packs import LATEST, check_name, get_pack, resolve_version
from ..store.models import EntityRecord, GroupMember, GroupPack, GroupRecord, GroupSelector
from ..store.types import utcnow
from .config import check_config
from .model import (
    ACCOUNTS,
    AUDIT,
    DEFAULT_ALIASES,
    DEFAULT_NAMES,
    ENTITY_TYPES,
    EXPLICIT,
    JOINED_BY_DEFAULT,
    MODES,
    PREVENTATIVE,
    STACKS,
    Group,
    GroupEdit,
    Member,
    PackPin,
)

_GROUP_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")
SELECTOR_STACK, SELECTOR_ACCOUNT, SELECTOR_TAG = "stack", "account", "tag"
# Refreshing an entity's last_seen on every analysis would make each preview a write; once an hour is
# plenty for "when was this stack last analyzed".
SEEN_REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class GroupSummary:
    name: str
    entity_type: str
    mode: str
    is_default: bool
    num_stacks: int
    num_accounts: int
    num_selectors: int
    num_packs: int


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def canonical_name(name: str) -> str:
    """A default group's older alias -> its current name; other names unchanged."""
    kind = DEFAULT_ALIASES.get(name)
    return DEFAULT_NAMES[kind] if kind else name


def _lookup(session: Session, name: str, *, for_update: bool = False, full: bool = False) -> GroupRecord:
    stmt = select(GroupRecord)
    kind = DEFAULT_ALIASES.get(name)
    stmt = stmt.where(GroupRecord.default_for == kind) if kind else stmt.where(GroupRecord.name == name)
    if full:
        stmt = stmt.options(
            selectinload(GroupRecord.members),
            selectinload(GroupRecord.selectors),
            selectinload(GroupRecord.packs),
        )
    if for_update:
        stmt = stmt.with_for_update()
    rec = session.scalars(stmt).first()
    if rec is None:
        raise StoreError(f"policy group {name} does not exist")
    return rec


def to_group(rec: GroupRecord) -> Group:
    selectors = {SELECTOR_STACK: [], SELECTOR_ACCOUNT: [], SELECTOR_TAG: []}
    for s in rec.selectors:
        selectors[s.kind].append(s.expr)
    return Group(
        name=rec.name,
        entity_type=rec.entity_type,
        mode=rec.mode,
        is_default=rec.is_default,
        members=tuple(
            Member(m.kind, m.name, m.source) for m in sorted(rec.members, key=lambda m: (m.kind, m.name))
        ),
        stack_patterns=tuple(sorted(selectors[SELECTOR_STACK])),
        account_patterns=tuple(sorted(selectors[SELECTOR_ACCOUNT])),
        tag_selectors=tuple(sorted(selectors[SELECTOR_TAG])),
        packs=tuple(PackPin(p.pack_name, p.version_spec, dict(p.config), p.modified_at) for p in rec.packs),
        created_at=rec.created_at,
        modified_at=rec.modified_at,
        revision=rec.revision,
    )


def get_group(session: Session, name: str) -> Group:
    """The group called ``name`` (or a default group's alias)."""
    return to_group(_lookup(session, name, full=True))


def list_groups(session: Session) -> list[GroupSummary]:
    """Every group with member, selector and pack counts; defaults first, then by name."""
    members = dict(
        session.execute(
            select(GroupMember.group_id, func.count())
            .where(GroupMember.kind == STACK)
            .group_by(GroupMember.group_id)
        ).all()
    )
    accounts = dict(
        session.execute(
            select(GroupMember.group_id, func.count())
            .where(GroupMember.kind == ACCOUNT)
            .group_by(GroupMember.group_id)
        ).all()
    )
    selectors = dict(
        session.execute(select(GroupSelector.group_id, func.count()).group_by(GroupSelector.group_id)).all()
    )
    packs = dict(session.execute(select(GroupPack.group_id, func.count()).group_by(GroupPack.group_id)).all())
    out = []
    for rec in session.scalars(select(GroupRecord)):
        out.append(
            GroupSummary(
                rec.name,
                rec.entity_type,
                rec.mode,
                rec.is_default,
                members.get(rec.id, 0),
                accounts.get(rec.id, 0),
                selectors.get(rec.id, 0),
                packs.get(rec.id, 0),
            )
        )
    return sorted(out, key=lambda g: (not g.is_default, g.name))


# ---------------------------------------------------------------------------------------------
# Creating and deleting
# ---------------------------------------------------------------------------------------------


def check_group_name(name: str) -> str:
    if not _GROUP_NAME.match(name or ""):
        raise InputError(f"invalid policy group name {name!r}: use 1-100 letters, digits, '-', '_' or '.'")
    if name in DEFAULT_ALIASES:
        raise InputError(f"policy group name {name} is reserved for a default group")
    return name


def default_mode(entity_type: str) -> str:
    return PREVENTATIVE if entity_type == STACKS else AUDIT


def check_kind(entity_type: str, mode: str) -> None:
    if entity_type not in ENTITY_TYPES:
        raise UsageError(f"invalid entity type {entity_type!r}: expected stacks or accounts")
    if mode not in MODES:
        raise UsageError(f"invalid mode {mode!r}: expected preventative or audit")
    if entity_type == ACCOUNTS and mode == PREVENTATIVE:
        raise UsageError(
            "a group of accounts must use audit mode: preventative checks run inside a stack's preview/up"
        )


def create_group(session: Session, name: str, entity_type: str, mode: str | None = None) -> Group:
    """Create an empty group; ``mode`` defaults to preventative for stacks, audit for accounts."""
    check_group_name(name)
    mode = mode or default_mode(entity_type)
    check_kind(entity_type, mode)
    if session.scalars(select(GroupRecord.id).where(GroupRecord.name == name)).first() is not None:
        raise StoreError(f"policy group {name} already exists")
    now = utcnow()
    rec = GroupRecord(
        name=name,
        entity_type=entity_type,
        mode=mode,
        default_for=None,
        created_at=now,
        modified_at=now,
        revision=0,
    )
    session.add(rec)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise StoreError(f"policy group {name} already exists") from None
    return get_group(session, name)


def delete_group(session: Session, name: str) -> None:
    """Delete a group with its members and pack pins; default groups are refused."""
    rec = _lookup(session, name, for_update=True)
    if rec.is_default:
        raise StoreError(f"default policy group {rec.name} cannot be deleted")
    session.delete(rec)
    session.flush()


# ---------------------------------------------------------------------------------------------
# Editing
# ---------------------------------------------------------------------------------------------


def _check_selector(kind: str, expr: str) -> str:
    if kind == SELECTOR_STACK:
        compile_stack_pattern(expr)
        return expr
    if kind == SELECTOR_ACCOUNT:
        compile_account_pattern(expr)
        return expr
    return parse_tag_selector(expr).expr


def edit_group(session: Session, name: str, edit: GroupEdit) -> Group:
    """Apply ``edit`` to the group atomically; see :class:`GroupEdit`. Returns the group afterwards."""
    rec = _lookup(session, name, for_update=True, full=True)
    changed = False

    # --- validate everything before touching anything -------------------------------------------
    for s in edit.add_stacks + edit.remove_stacks:
        parse_stack_name(s)
    for a in edit.add_accounts + edit.remove_accounts:
        check_account_name(a)
    if (edit.add_accounts or edit.add_account_patterns) and rec.entity_type != ACCOUNTS:
        raise UsageError(
            f"policy group {rec.name} holds stacks; accounts can only join a group created with --entity-type accounts"
        )
    selector_changes: list[tuple[str, str, bool]] = []
    for kind, adds, removes in (
        (SELECTOR_STACK, edit.add_stack_patterns, edit.remove_stack_patterns),
        (SELECTOR_ACCOUNT, edit.add_account_patterns, edit.remove_account_patterns),
        (SELECTOR_TAG, edit.add_tag_selectors, edit.remove_tag_selectors),
    ):
        selector_changes += [(kind, _check_selector(kind, e), False) for e in removes]
        selector_changes += [(kind, _check_selector(kind, e), True) for e in adds]
    new_pins = []
    for pack_name, spec, config, source in edit.add_packs:
        check_name("policy pack name", pack_name)
        version = resolve_version(session, pack_name, spec)
        info = get_pack(session, pack_name, version).info
        new_pins.append(
            (pack_name, LATEST if spec == LATEST else version, check_config(info, config, source))
        )
    if edit.new_name is not None and edit.new_name != rec.name:
        if rec.is_default:
            raise StoreError(f"default policy group {rec.name} cannot be renamed")
        check_group_name(edit.new_name)
        if (
            session.scalars(select(GroupRecord.id).where(GroupRecord.name == edit.new_name)).first()
            is not None
        ):
            raise StoreError(f"cannot rename {rec.name}: policy group {edit.new_name} already exists")

    # --- removals --------------------------------------------------------------------------------
    members = {(m.kind, m.name): m for m in rec.members}
    for kind, names in ((STACK, edit.remove_stacks), (ACCOUNT, edit.remove_accounts)):
        for n in names:
            m = members.pop((kind, n), None)
            if m is None:
                raise StoreError(f"{kind} {n} is not a member of policy group {rec.name}")
            rec.members.remove(m)
            changed = True
    selectors = {(s.kind, s.expr): s for s in rec.selectors}
    for kind, expr, adding in selector_changes:
        if adding:
            continue
        s = selectors.pop((kind, expr), None)
        if s is None:
            raise StoreError(f"policy group {rec.name} has no {kind} selector {expr!r}")
        rec.selectors.remove(s)
        changed = True
    pins = {p.pack_name: p for p in rec.packs}
    for pack_name, version in edit.remove_packs:
        p = pins.get(pack_name)
        if p is None or (version is not None and p.version_spec != version):
            what = pack_name if version is None else f"{pack_name}@{version}"
            raise StoreError(f"policy pack {what} is not enabled in policy group {rec.name}")
        del pins[pack_name]
        rec.packs.remove(p)
        changed = True

    # --- additions -------------------------------------------------------------------------------
    now = utcnow()
    for kind, names in ((STACK, edit.add_stacks), (ACCOUNT, edit.add_accounts)):
        for n in names:
            existing = members.get((kind, n))
            if existing is not None:
                if existing.source != EXPLICIT:  # a user now vouches for a member that joined by default
                    existing.source = EXPLICIT
                    changed = True
                continue
            m = GroupMember(kind=kind, name=n, source=EXPLICIT, added_at=now)
            rec.members.append(m)
            members[(kind, n)] = m
            changed = True
    for kind, expr, adding in selector_changes:
        if adding and (kind, expr) not in selectors:
            s = GroupSelector(kind=kind, expr=expr)
            rec.selectors.append(s)
            selectors[(kind, expr)] = s
            changed = True
    for pack_name, spec, config in new_pins:
        p = pins.get(pack_name)
        if p is None:
            p = GroupPack(pack_name=pack_name, version_spec=spec, config=config, modified_at=now)
            rec.packs.append(p)
            pins[pack_name] = p
            changed = True
        elif p.version_spec != spec or p.config != config:
            # Only a real change moves modified_at: it decides same-version conflicts between groups.
            p.version_spec, p.config, p.modified_at = spec, config, now
            changed = True
    if edit.new_name is not None and edit.new_name != rec.name:
        rec.name = edit.new_name
        changed = True
    if changed:
        rec.modified_at = now
        rec.revision += 1
    session.flush()
    return to_group(rec)


# ---------------------------------------------------------------------------------------------
# Entities seen for the first time
# ---------------------------------------------------------------------------------------------


def ensure_entity(session: Session, entity: EntityRef, *, update_tags: bool = True) -> bool:
    """Record ``entity``; the first time, it joins its default group. Returns True if it was new.

    Tags are updated when they changed (``update_tags``); a concurrent first sight by another process
    is harmless (the unique constraint picks one; the other sees the entity as known).
    """
    now = utcnow()
    rec = session.scalars(
        select(EntityRecord).where(EntityRecord.kind == entity.kind, EntityRecord.name == entity.name)
    ).first()
    if rec is not None:
        if update_tags and rec.tags != entity.tags:
            rec.tags = dict(entity.tags)
            rec.last_seen = now
        elif now - rec.last_seen > SEEN_REFRESH:
            rec.last_seen = now
        session.flush()
        return False
    default_for = STACKS if entity.kind == STACK else ACCOUNTS
    try:
        with session.begin_nested():
            session.add(
                EntityRecord(
                    kind=entity.kind, name=entity.name, tags=dict(entity.tags), first_seen=now, last_seen=now
                )
            )
            group_id = session.scalars(
                select(GroupRecord.id).where(GroupRecord.default_for == default_for)
            ).one()
            already = session.scalars(
                select(GroupMember.id).where(
                    GroupMember.group_id == group_id,
                    GroupMember.kind == entity.kind,
                    GroupMember.name == entity.name,
                )
            ).first()
            if already is None:  # a user may have added it by hand before its first analysis
                session.add(
                    GroupMember(
                        group_id=group_id,
                        kind=entity.kind,
                        name=entity.name,
                        source=JOINED_BY_DEFAULT,
                        added_at=now,
                    )
                )
            session.flush()
    except IntegrityError:
        return False
    return True


def known_entity(session: Session, entity: EntityRef) -> EntityRecord | None:
    return session.scalars(
        select(EntityRecord).where(EntityRecord.kind == entity.kind, EntityRecord.name == entity.name)
    ).first()
