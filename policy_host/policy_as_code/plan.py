"""Compare a policy-as-code Document with the store, show the difference, apply it.

Semantics (docs/groups.md, "Policy as code"):

- A group in the file is made exactly as written: its explicit members, selectors and pack pins.
  Members that joined a default group automatically when first seen are runtime state, not
  configuration: they are neither exported nor removed.
- An exemption in the file is made exactly as written (its creation time is kept).
- Groups and exemptions absent from the file are left alone, unless ``prune`` is set: then they are
  deleted (default groups are never deleted).
- Applying the same file twice changes nothing the second time (pack pins keep their modification
  time, which decides same-version conflicts between groups).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..errors import StoreError
from ..exemptions import service as exemption_service
from ..exemptions.model import Exemption, format_time
from ..groups.config import check_config
from ..groups.model import EXPLICIT, Group, GroupEdit
from ..groups.service import (
    canonical_name,
    check_kind,
    create_group,
    default_mode,
    delete_group,
    edit_group,
    get_group,
    list_groups,
)
from ..registry.packs import LATEST, get_pack, resolve_version
from .document import Document, GroupSpec, PackSpec


@dataclass
class GroupChange:
    name: str
    action: str  # "create" | "update" | "delete"
    entity_type: str = ""
    mode: str = ""
    edit: GroupEdit = field(default_factory=GroupEdit)
    lines: list[str] = field(default_factory=list)


@dataclass
class ExemptionChange:
    id: str
    action: str  # "create" | "update" | "delete"
    exemption: Exemption | None = None
    lines: list[str] = field(default_factory=list)


@dataclass
class Plan:
    groups: list[GroupChange] = field(default_factory=list)
    exemptions: list[ExemptionChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups and not self.exemptions

    @property
    def count(self) -> int:
        return len(self.groups) + len(self.exemptions)

    def render(self) -> str:
        """The difference as text: ``+`` create, ``~`` update, ``-`` delete, details indented."""
        if self.empty:
            return "No changes."
        sign = {"create": "+", "update": "~", "delete": "-"}
        out = []
        for g in self.groups:
            head = f"{sign[g.action]} group {g.name}"
            if g.action == "create":
                head += f" ({g.entity_type}, {g.mode})"
            out.append(head)
            out.extend(f"    {line}" for line in g.lines)
        for e in self.exemptions:
            out.append(f"{sign[e.action]} exemption {e.id}")
            out.extend(f"    {line}" for line in e.lines)
        return "\n".join(out)


def _set_diff(label: str, have: set[str], want: set[str]) -> tuple[list[str], list[str], list[str]]:
    adds, removes = sorted(want - have), sorted(have - want)
    lines = [f"- {label} {x}" for x in removes] + [f"+ {label} {x}" for x in adds]
    return adds, removes, lines


def _desired_pins(session: Session, spec: GroupSpec) -> dict[str, tuple[str, dict]]:
    """name -> (version spec, canonical config), checked against the registry now."""
    out = {}
    for p in spec.packs:
        version = resolve_version(session, p.name, p.version)
        info = get_pack(session, p.name, version).info
        source = f"group {spec.name} pack {p.name} config"
        out[p.name] = (LATEST if p.version == LATEST else version, check_config(info, p.config, source))
    return out


def _group_change(session: Session, spec: GroupSpec, current: Group | None) -> GroupChange | None:
    want_pins = _desired_pins(session, spec)
    if current is None:
        entity_type = spec.entity_type
        if entity_type is None:
            raise StoreError(f"group {spec.name}: entityType is required to create it")
        mode = spec.mode or default_mode(entity_type)
        check_kind(entity_type, mode)
        change = GroupChange(spec.name, "create", entity_type, mode)
        have_stacks: set[str] = set()
        have_accounts: set[str] = set()
        have_sp: set[str] = set()
        have_ap: set[str] = set()
        have_tags: set[str] = set()
        have_pins: dict[str, tuple[str, dict]] = {}
    else:
        for attr, label in (("entity_type", "entityType"), ("mode", "mode")):
            wanted = getattr(spec, "entity_type" if attr == "entity_type" else "mode")
            if wanted is not None and wanted != getattr(current, attr):
                raise StoreError(
                    f"group {current.name}: {label} cannot change ({getattr(current, attr)} -> {wanted}); "
                    "a group's entity type and mode are fixed: create a new group instead"
                )
        change = GroupChange(current.name, "update", current.entity_type, current.mode)
        have_stacks = {m.name for m in current.members if m.kind == "stack" and m.source == EXPLICIT}
        have_accounts = {m.name for m in current.members if m.kind == "account" and m.source == EXPLICIT}
        have_sp, have_ap = set(current.stack_patterns), set(current.account_patterns)
        have_tags = set(current.tag_selectors)
        have_pins = {p.name: (p.version, p.config) for p in current.packs}
    ed = change.edit
    ed.add_stacks, ed.remove_stacks, lines = _set_diff("stack", have_stacks, set(spec.stacks))
    change.lines += lines
    ed.add_accounts, ed.remove_accounts, lines = _set_diff("account", have_accounts, set(spec.accounts))
    change.lines += lines
    ed.add_stack_patterns, ed.remove_stack_patterns, lines = _set_diff(
        "stack pattern", have_sp, set(spec.stack_patterns)
    )
    change.lines += lines
    ed.add_account_patterns, ed.remove_account_patterns, lines = _set_diff(
        "account pattern", have_ap, set(spec.account_patterns)
    )
    change.lines += lines
    ed.add_tag_selectors, ed.remove_tag_selectors, lines = _set_diff(
        "tag selector", have_tags, set(spec.tag_selectors)
    )
    change.lines += lines
    for name in sorted(set(have_pins) - set(want_pins)):
        ed.remove_packs.append((name, None))
        change.lines.append(f"- pack {name}@{have_pins[name][0]}")
    for name in sorted(want_pins):
        spec_version, config = want_pins[name]
        old = have_pins.get(name)
        if old is None:
            change.lines.append(f"+ pack {name}@{spec_version}")
        elif old == (spec_version, config):
            continue
        elif old[0] != spec_version:
            change.lines.append(f"~ pack {name}: {old[0]} -> {spec_version}")
        if old is not None and old[1] != config:
            change.lines.append(f"~ pack {name}: config changed")
        ed.add_packs.append((name, spec_version, config, f"group {spec.name} pack {name} config"))
    if current is not None and not change.lines:
        return None
    return change


def _exemption_lines(old: Exemption, new: Exemption) -> list[str]:
    lines = []
    for attr, label in (
        ("policies", "policies"),
        ("urn", "urn"),
        ("resource_type", "type"),
        ("stack", "stack"),
        ("account", "account"),
        ("resource_tags", "tags"),
        ("reason", "reason"),
        ("owner", "owner"),
    ):
        a, b = getattr(old, attr), getattr(new, attr)
        if a != b:
            lines.append(f"~ {label}: {a!r} -> {b!r}")
    if old.expires_at != new.expires_at:
        lines.append(f"~ expires: {format_time(old.expires_at)} -> {format_time(new.expires_at)}")
    return lines


def make_plan(session: Session, doc: Document, *, prune: bool = False) -> Plan:
    """What applying ``doc`` would change (validated against the registry, nothing written)."""
    plan = Plan()
    existing = {g.name: g for g in list_groups(session)}
    listed = set()
    for spec in doc.groups:
        name = canonical_name(spec.name)
        listed.add(name)
        current = get_group(session, name) if name in existing else None
        spec = spec if name == spec.name else GroupSpec(**{**spec.__dict__, "name": name})
        change = _group_change(session, spec, current)
        if change is not None:
            plan.groups.append(change)
    if prune:
        for name, summary in sorted(existing.items()):
            if name not in listed and not summary.is_default:
                plan.groups.insert(0, GroupChange(name, "delete"))
    current_ex = {e.id: e for e in exemption_service.list_exemptions(session)}
    for ex in doc.exemptions:
        old = current_ex.get(ex.id)
        if old is None:
            plan.exemptions.append(
                ExemptionChange(ex.id, "create", ex, [f"policies {', '.join(ex.policies)}"])
            )
        else:
            lines = _exemption_lines(old, ex)
            if lines:
                plan.exemptions.append(ExemptionChange(ex.id, "update", ex, lines))
    if prune:
        wanted = {e.id for e in doc.exemptions}
        for ex_id in sorted(set(current_ex) - wanted):
            plan.exemptions.append(ExemptionChange(ex_id, "delete"))
    return plan


def execute(session: Session, plan: Plan) -> None:
    """Carry out ``plan`` in the caller's transaction (deletions first, so a renamed group can reuse ids)."""
    for g in plan.groups:
        if g.action == "delete":
            delete_group(session, g.name)
    for g in plan.groups:
        if g.action == "create":
            create_group(session, g.name, g.entity_type, g.mode)
        if g.action in ("create", "update"):
            edit_group(session, g.name, g.edit)
    for e in plan.exemptions:
        if e.action == "delete":
            exemption_service.remove(session, e.id)
        elif e.action == "create":
            assert e.exemption is not None
            exemption_service.create(session, e.exemption, allow_expired=True)
        else:
            assert e.exemption is not None
            exemption_service.replace(session, e.exemption)


def export_document(session: Session) -> Document:
    """The store's groups (explicit configuration only) and exemptions as a Document."""
    groups = []
    for summary in list_groups(session):
        g = get_group(session, summary.name)
        groups.append(
            GroupSpec(
                name=g.name,
                entity_type=g.entity_type,
                mode=g.mode,
                stacks=tuple(m.name for m in g.members if m.kind == "stack" and m.source == EXPLICIT),
                accounts=tuple(m.name for m in g.members if m.kind == "account" and m.source == EXPLICIT),
                stack_patterns=g.stack_patterns,
                account_patterns=g.account_patterns,
                tag_selectors=g.tag_selectors,
                packs=tuple(PackSpec(p.name, p.version, p.config) for p in g.packs),
            )
        )
    return Document(tuple(groups), tuple(exemption_service.list_exemptions(session)))
