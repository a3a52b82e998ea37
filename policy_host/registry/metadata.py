"""PackInfo <-> JSON-ready dict, the form pack metadata takes in the store and in ``pack get --json``."""

from __future__ import annotations

from typing import Any

from ..model import (
    ConfigSchema,
    EnforcementLevel,
    Framework,
    PackInfo,
    PolicyConfigEntry,
    PolicyInfo,
    PolicyType,
    Severity,
)


def _entry_to_dict(entry: PolicyConfigEntry) -> dict[str, Any]:
    out: dict[str, Any] = dict(entry.properties)
    if entry.enforcement_level is not None:
        out["enforcementLevel"] = entry.enforcement_level.value
    return out


def _entry_from_dict(data: dict[str, Any]) -> PolicyConfigEntry:
    props = dict(data)
    level = props.pop("enforcementLevel", None)
    return PolicyConfigEntry(EnforcementLevel(level) if level is not None else None, props)


def policy_to_dict(p: PolicyInfo) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": p.name,
        "displayName": p.display_name,
        "description": p.description,
        "policyType": p.policy_type.value,
        "enforcementLevel": p.enforcement_level.value,
        "severity": p.severity.value,
        "message": p.message,
        "tags": list(p.tags),
        "remediationSteps": p.remediation_steps,
        "url": p.url,
    }
    if p.config_schema is not None:
        out["configSchema"] = {
            "properties": p.config_schema.properties,
            "required": list(p.config_schema.required),
        }
    if p.framework is not None:
        out["framework"] = {
            "name": p.framework.name,
            "version": p.framework.version,
            "reference": p.framework.reference,
            "specification": p.framework.specification,
        }
    return out


def policy_from_dict(d: dict[str, Any]) -> PolicyInfo:
    schema = d.get("configSchema")
    fw = d.get("framework")
    return PolicyInfo(
        name=d["name"],
        description=d.get("description", ""),
        policy_type=PolicyType(d.get("policyType", "unknown")),
        enforcement_level=EnforcementLevel(d.get("enforcementLevel", "advisory")),
        display_name=d.get("displayName", ""),
        message=d.get("message", ""),
        config_schema=ConfigSchema(schema.get("properties", {}), tuple(schema.get("required", ())))
        if schema is not None
        else None,
        severity=Severity(d.get("severity", "")),
        framework=Framework(**fw) if fw is not None else None,
        tags=tuple(d.get("tags", ())),
        remediation_steps=d.get("remediationSteps", ""),
        url=d.get("url", ""),
    )


def pack_info_to_dict(info: PackInfo) -> dict[str, Any]:
    """A JSON-ready dict holding everything in ``info``."""
    return {
        "name": info.name,
        "version": info.version,
        "displayName": info.display_name,
        "description": info.description,
        "readme": info.readme,
        "provider": info.provider,
        "tags": list(info.tags),
        "repository": info.repository,
        "supportsConfig": info.supports_config,
        "initialConfig": {k: _entry_to_dict(v) for k, v in info.initial_config.items()},
        "policies": [policy_to_dict(p) for p in info.policies],
    }


def pack_info_from_dict(d: dict[str, Any]) -> PackInfo:
    """Inverse of :func:`pack_info_to_dict`."""
    return PackInfo(
        name=d["name"],
        version=d["version"],
        policies=tuple(policy_from_dict(p) for p in d.get("policies", ())),
        display_name=d.get("displayName", ""),
        description=d.get("description", ""),
        readme=d.get("readme", ""),
        provider=d.get("provider", ""),
        tags=tuple(d.get("tags", ())),
        repository=d.get("repository", ""),
        supports_config=d.get("supportsConfig", True),
        initial_config={k: _entry_from_dict(v) for k, v in d.get("initialConfig", {}).items()},
    )
