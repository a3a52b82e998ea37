"""Normalise loosely typed policy metadata into the ``pulumi_policy`` objects, once, at definition.

Authors may write ``level="mandatory"`` or ``EnforcementLevel.MANDATORY``, a framework as a tuple, a
config schema as a dict; everything is turned into ``pulumi_policy`` values here so a bad value fails
when the pack is imported, with a message naming the policy, not deep inside a run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema
from pulumi_policy import EnforcementLevel, PolicyComplianceFramework, PolicyConfigSchema, Severity

from ._errors import PolicyDefinitionError

__all__ = [
    "LevelLike",
    "SeverityLike",
    "FrameworkLike",
    "SchemaLike",
    "normalize_level",
    "normalize_severity",
    "normalize_framework",
    "normalize_schema",
    "normalize_tags",
    "normalize_text",
]

LevelLike = EnforcementLevel | str
SeverityLike = Severity | str
FrameworkLike = PolicyComplianceFramework | Sequence[str] | Mapping[str, str]
SchemaLike = PolicyConfigSchema | Mapping[str, Any]

_LEVELS = ", ".join(level.value for level in EnforcementLevel)
_SEVERITIES = ", ".join(s.value for s in Severity)
_FRAMEWORK_FIELDS = ("name", "version", "reference", "specification")


def _raw(value: Any) -> Any:
    # Accept our own str-valued enums (policy_host.model) and pulumi_policy's alike.
    return getattr(value, "value", value)


def normalize_level(value: LevelLike | None, *, policy: str) -> EnforcementLevel | None:
    """An enforcement level as ``pulumi_policy.EnforcementLevel`` (``None`` stays ``None``)."""
    if value is None or isinstance(value, EnforcementLevel):
        return value
    raw = _raw(value)
    try:
        return EnforcementLevel(raw.lower() if isinstance(raw, str) else raw)
    except ValueError:
        raise PolicyDefinitionError(f"policy '{policy}': level {raw!r} is not one of {_LEVELS}") from None


def normalize_severity(value: SeverityLike | None, *, policy: str) -> Severity | None:
    """A severity as ``pulumi_policy.Severity`` (``None``/``""`` mean unspecified)."""
    if value is None or isinstance(value, Severity):
        return value
    raw = _raw(value)
    if raw == "":
        return None
    try:
        return Severity(raw.lower() if isinstance(raw, str) else raw)
    except ValueError:
        raise PolicyDefinitionError(
            f"policy '{policy}': severity {raw!r} is not one of {_SEVERITIES}"
        ) from None


def normalize_framework(value: FrameworkLike | None, *, policy: str) -> PolicyComplianceFramework | None:
    """A compliance framework from an SDK object, ``(name, version, reference[, specification])`` or a dict."""
    if value is None or isinstance(value, PolicyComplianceFramework):
        return value
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - set(_FRAMEWORK_FIELDS))
        if unknown:
            raise PolicyDefinitionError(
                f"policy '{policy}': framework has unknown field(s) {', '.join(unknown)}; "
                f"expected {', '.join(_FRAMEWORK_FIELDS)}"
            )
        fields = dict(value)
    elif isinstance(value, Sequence) and not isinstance(value, str) and 1 <= len(value) <= 4:
        fields = dict(zip(_FRAMEWORK_FIELDS, value, strict=False))
    else:
        raise PolicyDefinitionError(
            f"policy '{policy}': framework must be (name, version, reference[, specification]) or a dict, "
            f"got {value!r}"
        )
    for key, item in fields.items():
        if item is not None and not isinstance(item, str):
            raise PolicyDefinitionError(f"policy '{policy}': framework {key} must be a string, got {item!r}")
    return PolicyComplianceFramework(**fields)


def normalize_schema(value: SchemaLike | None, *, policy: str) -> PolicyConfigSchema | None:
    """A config schema from an SDK object or ``{"properties": {...}, "required": [...]}``.

    Each property must be a valid JSON Schema fragment and its ``default`` must satisfy it, so typos
    (``"type": "strng"``) fail at import instead of when the engine validates a stack's config.
    """
    if value is None:
        return None
    if isinstance(value, PolicyConfigSchema):
        properties, required = value.properties, value.required
    elif isinstance(value, Mapping):
        unknown = sorted(set(value) - {"properties", "required"})
        if unknown:
            raise PolicyDefinitionError(
                f"policy '{policy}': config_schema has unknown key(s) {', '.join(unknown)}; "
                "expected properties, required"
            )
        properties = value.get("properties") or {}
        required = value.get("required")
    else:
        raise PolicyDefinitionError(
            f"policy '{policy}': config_schema must be a PolicyConfigSchema or a dict, got {value!r}"
        )
    if not isinstance(properties, Mapping):
        raise PolicyDefinitionError(f"policy '{policy}': config_schema properties must be a dict")
    required_list = list(required) if required is not None else None
    for name in required_list or ():
        if name not in properties:
            raise PolicyDefinitionError(
                f"policy '{policy}': config_schema requires {name!r} but does not define it in properties"
            )
    for name, fragment in properties.items():
        _check_fragment(policy, name, fragment)
    try:
        return PolicyConfigSchema(dict(properties), required_list)
    except TypeError as e:
        # pulumi_policy's own checks (enforcementLevel reserved, dict-valued properties, ...).
        raise PolicyDefinitionError(f"policy '{policy}': config_schema: {e}") from None


def _check_fragment(policy: str, name: str, fragment: Any) -> None:
    if not isinstance(fragment, Mapping):
        raise PolicyDefinitionError(f"policy '{policy}': config_schema property {name!r} must be a dict")
    try:
        jsonschema.Draft7Validator.check_schema(dict(fragment))
    except jsonschema.SchemaError as e:
        raise PolicyDefinitionError(
            f"policy '{policy}': config_schema property {name!r} is not valid JSON Schema: {e.message}"
        ) from None
    if "default" in fragment:
        errors = list(jsonschema.Draft7Validator(dict(fragment)).iter_errors(fragment["default"]))
        if errors:
            raise PolicyDefinitionError(
                f"policy '{policy}': config_schema property {name!r} default does not match its schema: "
                f"{errors[0].message}"
            )


def normalize_tags(value: Sequence[str] | None, *, policy: str) -> list[str] | None:
    """Policy tags as a list of non-empty strings."""
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise PolicyDefinitionError(f"policy '{policy}': tags must be a list of strings, got {value!r}")
    for tag in value:
        if not isinstance(tag, str) or not tag:
            raise PolicyDefinitionError(f"policy '{policy}': tags must be non-empty strings, got {tag!r}")
    return list(value)


def normalize_text(value: str | None, *, policy: str, field: str) -> str | None:
    """An optional free-text field (display name, remediation steps, url)."""
    if value is not None and not isinstance(value, str):
        raise PolicyDefinitionError(f"policy '{policy}': {field} must be a string, got {value!r}")
    return value
