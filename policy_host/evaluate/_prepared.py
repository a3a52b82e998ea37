"""A pack prepared for evaluation: policies indexed once, levels and config resolved once per Configure.

"Prepare once, evaluate many" (style-anchors.md §2.4): everything that does not depend on the resource
is computed here, so Analyze and audit evaluation do only per-resource work.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..model import EnforcementLevel, EvaluatedPolicy, PackInfo, PolicyConfigEntry, PolicyType
from ..packs.loader import LoadedPack
from ..packs.metadata import pack_info, policy_type_of
from ..packs.typed import RESOURCE_TYPES_ATTR, not_applicable_reason
from ._invoke import policy_guard, resource_validator, stack_validator

TYPES_ATTRIBUTE = RESOURCE_TYPES_ATTR


def _type_reason(types: frozenset[str], stack: bool) -> str:
    """The not-applicable reason for a typed policy (the same text ``policy_host.sdk`` reports)."""
    return not_applicable_reason(types, stack=stack)


@dataclass
class PreparedPolicy:
    """One policy plus what the hot path needs to know about it without touching the resource."""

    policy: Any  # the pack's pulumi_policy Policy object, unmodified
    name: str
    description: str
    kind: PolicyType
    severity: Any  # policy_host.model.Severity
    default_level: EnforcementLevel
    has_validation: bool
    has_remediation: bool
    types: frozenset[str] | None  # typed policies (policy_host.sdk): the type tokens they apply to
    resource_reason: str = ""
    stack_reason: str = ""
    call: Any = None  # the bound validator (see _invoke): validate with the SDK's semantics, less overhead
    # Types for which the validator does not return at once (a leading type guard, see _invoke.type_guard);
    # for any other type the policy is skipped silently, exactly as if it had run and returned None.
    guard: frozenset[str] | None = None


@dataclass
class PackState:
    """Per-Configure state, swapped atomically (the reference writes it without locking)."""

    levels: dict[str, EnforcementLevel]
    properties: dict[str, dict[str, Any]]
    # Per resource type: which resource policies run and which are statically not applicable.
    # Derived from the fields above, so it lives and dies with this state (a Configure replaces it).
    analyze_plans: dict[str, Any] = field(default_factory=dict)


@dataclass
class PreparedPack:
    name: str
    version: str
    info: PackInfo
    resource_policies: list[PreparedPolicy]
    stack_policies: list[PreparedPolicy]
    state: PackState
    stack_tags: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def configure(self, config: dict[str, PolicyConfigEntry]) -> None:
        """Apply a Configure request: levels and properties per policy name (see ``configured_state``)."""
        state = configured_state(
            {p.name: p.default_level for p in (*self.resource_policies, *self.stack_policies)}, config
        )
        with self._lock:
            self.state = state

    def set_stack_tags(self, tags: dict[str, str]) -> None:
        self.stack_tags = MappingProxyType(dict(tags))

    @staticmethod
    def policy_config(state: PackState, name: str) -> dict[str, Any] | None:
        """A fresh shallow copy of a policy's properties (or None), as the reference's get_config gives."""
        props = state.properties.get(name)
        return dict(props) if props else None


def configured_state(
    defaults: dict[str, EnforcementLevel], config: dict[str, PolicyConfigEntry]
) -> PackState:
    """The state after a Configure: ``defaults`` (each policy's own level) overridden per policy name.

    Keys ``all`` and names of no policy are ignored (the engine sends both, engine-protocol §7.3).
    """
    levels = dict(defaults)
    properties: dict[str, dict[str, Any]] = {}
    for key, entry in config.items():
        if key not in defaults:
            continue
        if entry.enforcement_level is not None:
            levels[key] = entry.enforcement_level
        if entry.properties:
            properties[key] = dict(entry.properties)
    return PackState(levels=levels, properties=properties)


def prepare(pack: LoadedPack) -> PreparedPack:
    """Index a loaded pack's policies for evaluation."""
    from pulumi_policy import ResourceValidationPolicy

    info = pack_info(pack)
    by_name = {p.name: p for p in info.policies}
    resource_policies: list[PreparedPolicy] = []
    stack_policies: list[PreparedPolicy] = []
    for policy in pack.policies:
        meta = by_name[policy.name]
        kind = policy_type_of(policy)
        types = getattr(policy, TYPES_ATTRIBUTE, None)
        types = frozenset(types) if types else None
        if kind is PolicyType.RESOURCE:
            has_validation = policy.has_validation()
            has_remediation = policy.has_remediation()
        else:
            has_validation, has_remediation = True, False
        prepared = PreparedPolicy(
            policy=policy,
            name=policy.name,
            description=policy.description,
            kind=kind,
            severity=meta.severity,
            default_level=meta.enforcement_level,
            has_validation=has_validation,
            has_remediation=has_remediation,
            types=types,
            resource_reason=_type_reason(types, stack=False) if types else "",
            stack_reason=_type_reason(types, stack=True) if types else "",
        )
        if isinstance(policy, ResourceValidationPolicy):
            prepared.call = resource_validator(policy)
            prepared.guard = policy_guard(policy)
            resource_policies.append(prepared)
        elif kind is PolicyType.STACK:
            prepared.call = stack_validator(policy)
            stack_policies.append(prepared)
    # Initial levels: each policy's own level, else the pack's (config from Configure replaces them).
    levels = {p.name: p.default_level for p in (*resource_policies, *stack_policies)}
    return PreparedPack(
        name=pack.name,
        version=pack.version,
        info=info,
        resource_policies=resource_policies,
        stack_policies=stack_policies,
        state=PackState(levels=levels, properties={}),
    )


def enabled_policies(pack: Any, group: str = "") -> list[EvaluatedPolicy]:
    """A served pack's policies that are not disabled, at their configured levels, for an EvaluationRun.

    Works for in-process packs and isolated packs alike (both have ``info`` and ``state``).
    """
    out = []
    levels = pack.state.levels
    for p in pack.info.policies:
        level = levels.get(p.name, p.enforcement_level)
        if level is EnforcementLevel.DISABLED:
            continue
        out.append(
            EvaluatedPolicy(
                pack_name=pack.name,
                pack_version=pack.version,
                policy_name=p.name,
                policy_type=p.policy_type,
                level=level,
                severity=p.severity,
                group=group,
            )
        )
    return out
