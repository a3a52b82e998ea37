"""Typed policies: the attribute that declares which resource types a policy applies to, and the one
not-applicable reason for the others.

``policy_host.sdk`` sets the attribute on the policies it builds and reports the reason itself under
``pulumi_policy``'s own server; the evaluation core reads the attribute as a fast path and reports the
same reason without decoding the resource. Keep this the only place that formats the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

RESOURCE_TYPES_ATTR = "__policy_host_resource_types__"


def not_applicable_reason(types: Iterable[str], stack: bool = False) -> str:
    """``Policy only applies to resources of type 'a', 'b'`` (resource policies) or ``Policy only applies
    to stacks with resources of type 'a', 'b'`` (stack policies); types sorted, each quoted."""
    quoted = ", ".join(f"'{t}'" for t in sorted(types))
    if stack:
        return f"Policy only applies to stacks with resources of type {quoted}"
    return f"Policy only applies to resources of type {quoted}"


def resource_types_of(policy: Any) -> frozenset[str] | None:
    """The type filter a policy declares, or ``None`` when it applies to every resource."""
    value = getattr(policy, RESOURCE_TYPES_ATTR, None)
    return value if isinstance(value, frozenset) else None
