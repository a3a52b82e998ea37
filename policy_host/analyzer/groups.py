"""Serving a stack's policy groups: which packs, at which levels, with which exemptions.

At start-up the host resolves the stack's preventative groups from the store (``policy_host.groups``),
takes each pinned pack version from the store's extraction cache, and serves them all in one analyzer.

How group config reaches the engine: ``GetAnalyzerInfo`` reports each policy's *group-resolved* level as
its ``enforcementLevel`` and the group's policy properties as ``initialConfig``. The engine's own
reconciliation then sends exactly that config back in ``Configure`` (and a user's ``--policy-pack-config``
file still layers on top, as for any pack).

Policy names that collide across packs are listed as ``<pack>:<policy>`` in ``GetAnalyzerInfo`` (the same
spelling exemptions use); in ``Configure`` such a key configures that pack's policy only, while a bare name
configures the policy of that name in every pack. Diagnostics keep the policy's own name and carry their
pack's name and version, so the display is unambiguous.

Exemptions: a violation covered by an active exemption is still reported, at ADVISORY (so it never
blocks) and with ``[exempted <id>: <reason>]`` appended to its message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from ..evaluate import PreparedPack
from ..model import (
    AnalyzeResult,
    EnforcementLevel,
    PackInfo,
    PolicyConfigEntry,
    Resource,
)
from .naming import colliding_names, exposed_name

log = logging.getLogger("policy_host.analyzer")


def info_from_state(packs: Sequence[PreparedPack], name: str, version: str, description: str) -> PackInfo:
    """AnalyzerInfo whose levels and initialConfig are the packs' current (group-resolved) config."""
    from dataclasses import replace

    collisions = colliding_names(packs)
    policies = []
    initial: dict[str, PolicyConfigEntry] = {}
    for pack in packs:
        state = pack.state
        for p in pack.info.policies:
            shown = exposed_name(pack, p.name, collisions)
            policies.append(
                replace(p, name=shown, enforcement_level=state.levels.get(p.name, p.enforcement_level))
            )
            props = state.properties.get(p.name)
            if props:
                initial[shown] = PolicyConfigEntry(
                    enforcement_level=state.levels.get(p.name), properties=dict(props)
                )
    return PackInfo(
        name=name,
        version=version,
        policies=tuple(policies),
        description=description,
        initial_config=initial,
    )


class ExemptionMarker:
    """The servicer's ``decorate`` hook: mark exempted violations and keep them from blocking."""

    def __init__(self, resolved: Any) -> None:
        self.resolved = resolved  # policy_host.groups.resolve.ResolvedPolicySet

    def __call__(self, rpc: str, subject: Resource | Sequence[Resource], result: AnalyzeResult) -> None:
        if not self.resolved.exemptions:
            return
        by_urn: dict[str, Resource] = {}
        if isinstance(subject, Resource):
            by_urn[subject.urn] = subject
        else:
            by_urn = {r.urn: r for r in subject}
        for d in result.diagnostics:
            target: Resource | str | None
            if isinstance(subject, Resource):
                target = subject
            else:
                target = by_urn.get(d.urn) or (d.urn or None)
            exemption = self.resolved.exemption_for(target, d.policy_name, d.pack_name)
            if exemption is None:
                continue
            d.exemption_id = exemption.id
            d.exemption_reason = exemption.reason
            d.level = EnforcementLevel.ADVISORY
            d.message = f"{d.message}\n[exempted {exemption.id}: {exemption.reason}]"


def load_resolved(resolved: Any, stack: Any = None, policy_timeout: float | None = None) -> list[Any]:
    """Load every resolved pack from its cache directory and apply its group config."""
    from .loading import load_served_pack

    packs = []
    for rp in resolved.packs:
        if rp.directory is None:
            raise ValueError(f"pack {rp.name}@{rp.version} was not fetched from the store")
        pack = load_served_pack(rp.directory, stack, policy_timeout=policy_timeout)
        pack.configure(dict(rp.config))
        packs.append(pack)
    return packs
