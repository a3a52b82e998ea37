"""Per-group, per-pack config: the ``--policy-pack-config`` format, checked with the engine's own rules
(``policy_host.packs.config``) and stored in canonical form (every entry an object)."""

from __future__ import annotations

from typing import Any

from ..errors import ConfigValidationError, InputError
from ..model import PackInfo, PolicyConfigEntry
from ..packs.config import inject_enforcement_level_schema, parse_config_object, reconcile, validate


def parse_entries(config: dict[str, Any] | None, source: str) -> dict[str, PolicyConfigEntry]:
    """Parse a config object; InputError naming ``source`` when it is malformed."""
    try:
        return parse_config_object(config or {})
    except ValueError as e:
        raise InputError(f"{source}: {e}") from None


def canonical(entries: dict[str, PolicyConfigEntry]) -> dict[str, Any]:
    """Entries back to the file format, each as ``{"enforcementLevel": ..., props...}``, keys sorted."""
    out: dict[str, Any] = {}
    for key in sorted(entries):
        entry = entries[key]
        obj: dict[str, Any] = {}
        if entry.enforcement_level is not None:
            obj["enforcementLevel"] = entry.enforcement_level.value
        obj.update(entry.properties)
        out[key] = obj
    return out


def resolve_config(
    info: PackInfo, entries: dict[str, PolicyConfigEntry]
) -> tuple[dict[str, PolicyConfigEntry], list[str]]:
    """The reconciled config the host sends in Configure, and the engine-format validation errors."""
    resolved = reconcile(info, entries)
    return resolved, validate(inject_enforcement_level_schema(info), resolved)


def check_config(info: PackInfo, config: dict[str, Any] | None, source: str) -> dict[str, Any]:
    """Validate ``config`` for ``info`` now; return its canonical form or raise
    InputError (bad format, or config for a pack without config support) / ConfigValidationError."""
    entries = parse_entries(config, source)
    if entries and not info.supports_config:
        raise InputError(f"{source}: policy pack {info.name}@{info.version} does not support config")
    _, errors = resolve_config(info, entries)
    if errors:
        raise ConfigValidationError(errors)
    return canonical(entries)
