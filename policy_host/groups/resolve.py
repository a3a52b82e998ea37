"""Which packs, versions, config and exemptions apply to a stack or an account, and why.

``explain`` computes everything from one read transaction; ``resolve_entity`` (and the ``resolve_stack``
/ ``resolve_account`` shorthands) record a first-seen entity, call ``explain`` and fetch the winning
packs into the local cache. The host runs exactly what ``explain`` shows because both are this code.

Rules (documented in docs/groups.md):

1. A group applies to an entity when the entity is an explicit member, matches one of its selectors
   (stack or account glob, tag selector), or is not yet known to the store and the group is the default
   group for its kind. Preventative resolution uses preventative groups; audit resolution uses audit
   groups (a stack may be in audit groups of entity type ``accounts``).
2. Each pack runs once. Among the groups that enable it, the newest version wins (``latest`` counts as
   the newest published version at resolution time); for equal versions the pin modified most recently
   wins; if those times are equal too, the group whose name sorts first wins.
3. The winner's config is reconciled with the pack's own levels, schema defaults and initialConfig and
   validated by the engine's rules; errors are reported in the engine's format.
4. Exemptions whose stack/account scope admits the entity come along; expired ones are listed apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..entities.patterns import compile_account_pattern, compile_stack_pattern, parse_tag_selector
from ..entities.ref import ACCOUNT, STACK, EntityRef, account_ref, stack_ref
from ..errors import ConfigValidationError
from ..exemptions.match import covers_entity, match
from ..exemptions.model import Exemption
from ..exemptions.service import list_exemptions
from ..model import EnforcementLevel, PackInfo, PolicyConfigEntry, Resource
from ..registry.packs import LATEST, PublishedPack, get_packs, latest_versions
from ..registry.versions import version_key
from ..store import Store
from ..store.models import GroupMember, GroupRecord
from ..store.types import utcnow
from .config import parse_entries, resolve_config
from .model import ACCOUNTS, AUDIT, JOINED_BY_DEFAULT, PREVENTATIVE, STACKS
from .service import SEEN_REFRESH, ensure_entity, known_entity


@dataclass(frozen=True)
class GroupMatch:
    """A group that applies to the entity, and every reason it does."""

    name: str
    mode: str
    entity_type: str
    is_default: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    """One group's pin of a pack, as considered by resolution."""

    pack: str
    version: str  # concrete (``latest`` already resolved)
    spec: str  # as pinned: a version or ``latest``
    group: str
    modified_at: datetime
    config: dict[str, Any]


@dataclass(frozen=True)
class ResolvedPack:
    """A pack the host runs for the entity: version, winning group, resolved config, where it lies."""

    name: str
    version: str
    spec: str
    group: str
    info: PackInfo
    raw_config: dict[str, Any]
    config: dict[str, PolicyConfigEntry]
    errors: tuple[str, ...]
    archive_sha256: str
    overridden: tuple[tuple[Candidate, str], ...] = ()
    directory: Path | None = None

    @property
    def levels(self) -> dict[str, EnforcementLevel]:
        """Each policy's effective enforcement level under the resolved config."""
        out = {}
        for p in self.info.policies:
            entry = self.config.get(p.name)
            out[p.name] = (
                entry.enforcement_level if entry and entry.enforcement_level else p.enforcement_level
            )
        return out


@dataclass(frozen=True)
class ResolvedPolicySet:
    """What one mode (preventative or audit) runs for an entity."""

    entity: EntityRef
    mode: str
    groups: tuple[GroupMatch, ...]
    packs: tuple[ResolvedPack, ...]
    exemptions: tuple[Exemption, ...]  # active now, entity scope already checked
    expired_exemptions: tuple[Exemption, ...] = ()

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(sorted(line for p in self.packs for line in p.errors))

    def pack(self, name: str) -> ResolvedPack | None:
        return next((p for p in self.packs if p.name == name), None)

    def exemption_for(
        self, resource: Resource | str | None, policy_name: str, pack_name: str, now: datetime | None = None
    ) -> Exemption | None:
        """The exemption covering this violation, if any (see ``policy_host.exemptions.match``)."""
        return match(
            self.exemptions, resource, self.entity, policy_name, now or utcnow(), pack_name=pack_name
        )


@dataclass(frozen=True)
class Explanation:
    """Everything that applies to an entity, per mode."""

    entity: EntityRef
    known: bool
    groups: tuple[GroupMatch, ...]
    modes: dict[str, ResolvedPolicySet] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Membership
# ---------------------------------------------------------------------------------------------


def _reasons(rec: GroupRecord, entity: EntityRef, explicit: dict[int, str], known: bool) -> list[str]:
    if entity.kind == ACCOUNT and rec.entity_type != ACCOUNTS:
        return []
    reasons = []
    source = explicit.get(rec.id)
    if source == JOINED_BY_DEFAULT:
        reasons.append("default: joined this default group when first seen")
    elif source is not None:
        reasons.append("explicit member")
    for s in sorted(rec.selectors, key=lambda s: (s.kind, s.expr)):
        if s.kind == "stack" and entity.kind == STACK and compile_stack_pattern(s.expr).match(entity.name):
            reasons.append(f"selector stack:{s.expr}")
        elif (
            s.kind == "account"
            and entity.kind == ACCOUNT
            and compile_account_pattern(s.expr).match(entity.name)
        ):
            reasons.append(f"selector account:{s.expr}")
        elif s.kind == "tag" and parse_tag_selector(s.expr).matches(entity.tags):
            reasons.append(f"selector tag:{s.expr}")
    wanted_default = STACKS if entity.kind == STACK else ACCOUNTS
    if not known and rec.default_for == wanted_default:
        reasons.append("default: not seen yet; joins this default group on first analysis or scan")
    return reasons


# ---------------------------------------------------------------------------------------------
# Pack selection
# ---------------------------------------------------------------------------------------------


def rank(cands: list[Candidate]) -> list[Candidate]:
    """Candidates best first: newest version, then latest modification, then group name ascending."""
    by_group = sorted(cands, key=lambda c: c.group)
    # Python's sort is stable with reverse=True too, so equal keys keep the group-name order.
    return sorted(by_group, key=lambda c: (version_key(c.version), c.modified_at), reverse=True)


def _why_lost(loser: Candidate, winner: Candidate) -> str:
    if loser.version != winner.version:
        return f"older version {loser.version} < {winner.version}"
    if loser.modified_at != winner.modified_at:
        return f"same version; {winner.group}'s pin was modified more recently"
    return f"same version and time; {winner.group} sorts first"


def _resolve_mode(
    entity: EntityRef,
    mode: str,
    matches: list[tuple[GroupRecord, GroupMatch]],
    published: dict[tuple[str, str], PublishedPack],
    latest: dict[str, str],
    exemptions: list[Exemption],
    now: datetime,
) -> ResolvedPolicySet:
    groups = [(rec, m) for rec, m in matches if rec.mode == mode]
    by_pack: dict[str, list[Candidate]] = {}
    for rec, _ in groups:
        for pin in rec.packs:
            version = latest.get(pin.pack_name) if pin.version_spec == LATEST else pin.version_spec
            if version is None:
                continue  # unreachable while rm refuses enabled packs; be safe anyway
            c = Candidate(
                pin.pack_name, version, pin.version_spec, rec.name, pin.modified_at, dict(pin.config)
            )
            by_pack.setdefault(pin.pack_name, []).append(c)
    packs = []
    for name in sorted(by_pack):
        cands = by_pack[name]
        ranked = rank(cands)
        win = ranked[0]
        losers = tuple((c, _why_lost(c, win)) for c in ranked[1:])
        pub = published.get((win.pack, win.version))
        if pub is None:
            continue
        entries = parse_entries(win.config, f"policy group {win.group} config for {win.pack}")
        resolved, errors = resolve_config(pub.info, entries)
        packs.append(
            ResolvedPack(
                name=win.pack,
                version=win.version,
                spec=win.spec,
                group=win.group,
                info=pub.info,
                raw_config=win.config,
                config=resolved,
                errors=tuple(errors),
                archive_sha256=pub.archive_sha256,
                overridden=losers,
            )
        )
    scoped = [e for e in exemptions if covers_entity(e, entity)]
    return ResolvedPolicySet(
        entity=entity,
        mode=mode,
        groups=tuple(m for _, m in groups),
        packs=tuple(packs),
        exemptions=tuple(e for e in scoped if e.is_active(now)),
        expired_exemptions=tuple(e for e in scoped if not e.is_active(now)),
    )


def explain(session: Session, entity: EntityRef, *, now: datetime | None = None) -> Explanation:
    """Every group that applies to ``entity`` and why, and the resolved packs for each mode.

    When ``entity.tags`` is empty the tags last recorded for it are used.
    """
    now = now or utcnow()
    rec = known_entity(session, entity)
    if rec is not None and not entity.tags and rec.tags:
        entity = replace(entity, tags=dict(rec.tags))
    explicit = dict(
        session.execute(
            select(GroupMember.group_id, GroupMember.source).where(
                GroupMember.kind == entity.kind, GroupMember.name == entity.name
            )
        ).all()
    )
    records = session.scalars(
        select(GroupRecord)
        .options(selectinload(GroupRecord.selectors), selectinload(GroupRecord.packs))
        .order_by(GroupRecord.name)
    ).all()
    matches = []
    for g in records:
        reasons = _reasons(g, entity, explicit, rec is not None)
        if reasons:
            matches.append((g, GroupMatch(g.name, g.mode, g.entity_type, g.is_default, tuple(reasons))))
    pins = [p for g, _ in matches for p in g.packs]
    latest = latest_versions(session, {p.pack_name for p in pins if p.version_spec == LATEST})
    refs = {
        (p.pack_name, latest.get(p.pack_name) if p.version_spec == LATEST else p.version_spec) for p in pins
    }
    published = get_packs(session, {r for r in refs if r[1] is not None})  # type: ignore[misc]
    exemptions = list_exemptions(session)
    modes = [AUDIT] if entity.kind == ACCOUNT else [PREVENTATIVE, AUDIT]
    return Explanation(
        entity=entity,
        known=rec is not None,
        groups=tuple(m for _, m in matches),
        modes={m: _resolve_mode(entity, m, matches, published, latest, exemptions, now) for m in modes},
    )


# ---------------------------------------------------------------------------------------------
# The host's entry points
# ---------------------------------------------------------------------------------------------


def resolve_entity(
    store: Store,
    entity: EntityRef,
    mode: str,
    *,
    record: bool = True,
    update_tags: bool = True,
    fetch: bool = True,
    now: datetime | None = None,
) -> ResolvedPolicySet:
    """Resolve what ``mode`` runs for ``entity``; raise ConfigValidationError if any pack's config is invalid.

    With ``record`` a never-seen entity is recorded (joining its default group) and, with
    ``update_tags``, changed tags are saved; with ``fetch`` each pack is extracted into the local cache and its ``directory`` set.
    """
    if record:
        with store.read() as session:
            rec = known_entity(session, entity)
            stale = (
                rec is None
                or (update_tags and rec.tags != entity.tags)
                or utcnow() - rec.last_seen > SEEN_REFRESH
            )
        if stale:
            with store.transaction() as session:
                ensure_entity(session, entity, update_tags=update_tags)
    with store.read() as session:
        result = explain(session, entity, now=now).modes[mode]
    if result.errors:
        raise ConfigValidationError(list(result.errors))
    if fetch:
        from ..registry.cache import fetch_pack

        packs = tuple(
            replace(p, directory=fetch_pack(store, p.name, p.version, expected_sha256=p.archive_sha256))
            for p in result.packs
        )
        result = replace(result, packs=packs)
    return result


def resolve_stack(
    store: Store,
    org: str,
    project: str,
    stack: str,
    tags: dict[str, str] | None = None,
    *,
    mode: str = PREVENTATIVE,
    fetch: bool = True,
    now: datetime | None = None,
) -> ResolvedPolicySet:
    """What the analyzer host runs for ``org/project/stack`` (preventative by default).

    ``tags`` are the stack's tags from ConfigureStack (None: keep the recorded ones). An empty ``org``
    means the DIY backend's ``organization``.
    """
    entity = stack_ref(org, project, stack, tags)
    return resolve_entity(store, entity, mode, update_tags=tags is not None, fetch=fetch, now=now)


def resolve_account(
    store: Store,
    account: str,
    tags: dict[str, str] | None = None,
    *,
    fetch: bool = True,
    now: datetime | None = None,
) -> ResolvedPolicySet:
    """What an audit scan of ``account`` runs."""
    entity = account_ref(account, tags)
    return resolve_entity(store, entity, AUDIT, update_tags=tags is not None, fetch=fetch, now=now)
