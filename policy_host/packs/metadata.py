"""Pack metadata (``PackInfo``) from a loaded pack: what GetAnalyzerInfo reports, readable without running
any policy. Mirrors ``_PolicyAnalyzerServicer.GetAnalyzerInfo`` with one deliberate fix: a *string*
``"enforcementLevel"`` inside ``initial_config`` works (the reference raises AssertionError at
GetAnalyzerInfo, reference-sdk.md §9 #4).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import PackLoadError
from ..model import (
    ConfigSchema,
    EnforcementLevel,
    Framework,
    PackInfo,
    PolicyConfigEntry,
    PolicyInfo,
    PolicyType,
    Severity,
    StackContext,
)
from .loader import LoadedPack, load_pack


def policy_type_of(policy: Any) -> PolicyType:
    from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

    if isinstance(policy, ResourceValidationPolicy):
        return PolicyType.RESOURCE
    if isinstance(policy, StackValidationPolicy):
        return PolicyType.STACK
    return PolicyType.UNKNOWN


def normalize_initial_config(pack_name: str, raw: dict[str, Any] | None) -> dict[str, PolicyConfigEntry]:
    """``initial_config`` -> entries; accepts SDK enums and (our fix) level strings inside dicts."""
    out: dict[str, PolicyConfigEntry] = {}
    for key, value in (raw or {}).items():
        if not isinstance(value, dict):
            out[key] = PolicyConfigEntry(enforcement_level=_level(pack_name, key, value))
            continue
        level = None
        props: dict[str, Any] = {}
        for k, v in value.items():
            if k == "enforcementLevel":
                level = _level(pack_name, key, v)
            else:
                props[k] = v
        out[key] = PolicyConfigEntry(enforcement_level=level, properties=props)
    return out


def _level(pack_name: str, key: str, value: Any) -> EnforcementLevel:
    try:
        return EnforcementLevel.parse(value)
    except ValueError as e:
        raise PackLoadError(f"policy pack {pack_name}: initial_config[{key!r}]: {e}") from None


def pack_info(pack: LoadedPack) -> PackInfo:
    pack_level = EnforcementLevel.parse(pack.enforcement_level or EnforcementLevel.ADVISORY)
    policies = []
    for p in pack.policies:
        schema = None
        if p.config_schema is not None:
            schema = ConfigSchema(
                properties=dict(p.config_schema.properties or {}),
                required=tuple(p.config_schema.required or ()),
            )
        fw = None
        if p.framework is not None:
            fw = Framework(
                p.framework.name or "",
                p.framework.version or "",
                p.framework.reference or "",
                p.framework.specification or "",
            )
        policies.append(
            PolicyInfo(
                name=p.name,
                description=p.description,
                policy_type=policy_type_of(p),
                enforcement_level=EnforcementLevel.parse(p.enforcement_level)
                if p.enforcement_level is not None
                else pack_level,
                display_name=p.display_name or "",
                config_schema=schema,
                severity=Severity.parse(p.severity),
                framework=fw,
                tags=tuple(p.tags or ()),
                remediation_steps=p.remediation_steps or "",
                url=p.url or "",
            )
        )
    return PackInfo(
        name=pack.name,
        version=pack.version,
        policies=tuple(policies),
        display_name=pack.display_name or "",
        description=pack.description or "",
        readme=pack.readme or "",
        provider=pack.provider or "",
        tags=tuple(pack.tags or ()),
        repository=pack.repository or "",
        supports_config=True,
        initial_config=normalize_initial_config(pack.name, pack.initial_config),
    )


def read_pack_info(pack_dir: str | Path, stack: StackContext | None = None) -> PackInfo:
    """Load a pack (its code runs: packs are code) and return its metadata without serving it."""
    return pack_info(load_pack(pack_dir, stack))
