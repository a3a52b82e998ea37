"""Policy groups: which packs, versions, config and exemptions apply to a stack or an account, and why.

The host calls, at start-up::

    from policy_host.groups import resolve_stack
    resolved = resolve_stack(store, org, project, stack, tags)   # -> ResolvedPolicySet
    for pack in resolved.packs:  # name, version, directory, config (dict[str, PolicyConfigEntry]), levels
        ...
    resolved.exemption_for(resource, policy_name, pack_name)      # -> Exemption | None

Names are imported lazily (PEP 562) so that importing a light submodule does not pull in the store and
the registry. Entity references and their patterns live in ``policy_host.entities`` (shared with
exemptions and audit); ``EntityRef`` and friends are re-exported here for convenience.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "EntityRef": "policy_host.entities.ref",
    "stack_ref": "policy_host.entities.ref",
    "account_ref": "policy_host.entities.ref",
    "parse_stack_ref": "policy_host.entities.ref",
    "Group": "model",
    "GroupEdit": "model",
    "Member": "model",
    "PackPin": "model",
    "GroupSummary": "service",
    "create_group": "service",
    "delete_group": "service",
    "edit_group": "service",
    "ensure_entity": "service",
    "get_group": "service",
    "list_groups": "service",
    "Candidate": "resolve",
    "Explanation": "resolve",
    "GroupMatch": "resolve",
    "ResolvedPack": "resolve",
    "ResolvedPolicySet": "resolve",
    "explain": "resolve",
    "resolve_account": "resolve",
    "resolve_entity": "resolve",
    "resolve_stack": "resolve",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from ..entities.ref import EntityRef, account_ref, parse_stack_ref, stack_ref  # noqa: F401
    from .model import Group, GroupEdit, Member, PackPin  # noqa: F401
    from .resolve import (  # noqa: F401
        Candidate,
        Explanation,
        GroupMatch,
        ResolvedPack,
        ResolvedPolicySet,
        explain,
        resolve_account,
        resolve_entity,
        resolve_stack,
    )
    from .service import (  # noqa: F401
        GroupSummary,
        create_group,
        delete_group,
        edit_group,
        ensure_entity,
        get_group,
        list_groups,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module if "." in module else f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
