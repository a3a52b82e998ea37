"""Groups and explanations as JSON-ready dicts (``--json`` output, logs)."""

from __future__ import annotations

from typing import Any

from ..exemptions.model import Exemption, format_time
from .model import Group
from .resolve import Explanation, ResolvedPack, ResolvedPolicySet


def group_to_dict(g: Group) -> dict[str, Any]:
    return {
        "name": g.name,
        "aliases": list(g.aliases),
        "isDefault": g.is_default,
        "entityType": g.entity_type,
        "mode": g.mode,
        "stacks": [{"name": m.name, "source": m.source} for m in g.members if m.kind == "stack"],
        "accounts": [{"name": m.name, "source": m.source} for m in g.members if m.kind == "account"],
        "selectors": {
            "stacks": list(g.stack_patterns),
            "accounts": list(g.account_patterns),
            "tags": list(g.tag_selectors),
        },
        "packs": [
            {
                "name": p.name,
                "version": p.version,
                "config": p.config,
                "modifiedAt": format_time(p.modified_at),
            }
            for p in g.packs
        ],
        "createdAt": format_time(g.created_at),
        "modifiedAt": format_time(g.modified_at),
        "revision": g.revision,
    }


def exemption_to_dict(e: Exemption, status: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": e.id,
        "policies": list(e.policies),
        "urn": e.urn,
        "type": e.resource_type,
        "stack": e.stack,
        "account": e.account,
        "tags": dict(e.resource_tags),
        "reason": e.reason,
        "owner": e.owner,
        "expires": format_time(e.expires_at),
        "createdAt": format_time(e.created_at),
    }
    if status is not None:
        out["status"] = status
    return out


def pack_to_dict(p: ResolvedPack) -> dict[str, Any]:
    return {
        "name": p.name,
        "version": p.version,
        "pinned": p.spec,
        "group": p.group,
        "config": p.raw_config,
        "levels": {k: v.value for k, v in p.levels.items()},
        "resolvedConfig": {
            k: ({"enforcementLevel": v.enforcement_level.value} if v.enforcement_level else {}) | v.properties
            for k, v in p.config.items()
        },
        "errors": list(p.errors),
        "overridden": [
            {"group": c.group, "version": c.version, "pinned": c.spec, "reason": why}
            for c, why in p.overridden
        ],
        "directory": str(p.directory) if p.directory else None,
    }


def policy_set_to_dict(r: ResolvedPolicySet) -> dict[str, Any]:
    return {
        "mode": r.mode,
        "groups": [g.name for g in r.groups],
        "packs": [pack_to_dict(p) for p in r.packs],
        "exemptions": [exemption_to_dict(e, "active") for e in r.exemptions],
        "expiredExemptions": [exemption_to_dict(e, "expired") for e in r.expired_exemptions],
    }


def explanation_to_dict(x: Explanation) -> dict[str, Any]:
    return {
        "entity": {
            "kind": x.entity.kind,
            "name": x.entity.name,
            "tags": dict(x.entity.tags),
            "known": x.known,
        },
        "groups": [
            {
                "name": g.name,
                "mode": g.mode,
                "entityType": g.entity_type,
                "isDefault": g.is_default,
                "reasons": list(g.reasons),
            }
            for g in x.groups
        ],
        "modes": {mode: policy_set_to_dict(r) for mode, r in x.modes.items()},
    }
