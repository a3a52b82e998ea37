"""Policy names across several packs served by one analyzer.

Names that collide across packs are exposed as ``<pack>:<policy>`` (the spelling exemptions use); in
``Configure`` such a key configures that pack's policy only, while a bare name configures the policy of
that name in every pack.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..evaluate import PreparedPack
from ..model import PolicyConfigEntry

QUALIFIER = ":"


def colliding_names(packs: Sequence[PreparedPack]) -> set[str]:
    seen: dict[str, int] = {}
    for pack in packs:
        for p in pack.info.policies:
            seen[p.name] = seen.get(p.name, 0) + 1
    return {name for name, count in seen.items() if count > 1}


def exposed_name(pack: PreparedPack, policy: str, collisions: set[str]) -> str:
    return f"{pack.name}{QUALIFIER}{policy}" if policy in collisions else policy


def split_config(
    packs: Sequence[PreparedPack], config: dict[str, PolicyConfigEntry]
) -> dict[str, dict[str, PolicyConfigEntry]]:
    """Per pack, the Configure entries that concern it: bare names, then ``pack:policy`` keys on top."""
    out: dict[str, dict[str, PolicyConfigEntry]] = {}
    for pack in packs:
        names = {p.name for p in pack.info.policies}
        mine = {k: v for k, v in config.items() if k in names}
        prefix = pack.name + QUALIFIER
        for key, entry in config.items():
            if key.startswith(prefix) and key[len(prefix) :] in names:
                mine[key[len(prefix) :]] = entry
        out[pack.name] = mine
    return out
