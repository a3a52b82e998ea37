"""Policy pack configuration exactly as the Pulumi engine handles it.

Three jobs, in the order the engine does them (``pkg/resource/analyzer/config.go``; shared docs
``engine-protocol.md`` §7.2-§7.3, ``product.md`` §3):

- :func:`parse_config_file` reads a ``--policy-pack-config`` file (one JSON object keyed by policy
  name or ``all``; values are a level string or an object with an optional ``enforcementLevel``);
- :func:`reconcile` layers schema defaults and policy levels < ``initialConfig`` < the file;
- :func:`validate` checks each policy's properties against its schema and returns the engine's error
  lines (``validating policy config: <pack> <version>  <policy>: <error>``, two spaces), with error
  texts in gojsonschema's wording, translated from the ``jsonschema`` library (Draft 7).

:func:`inject_enforcement_level_schema` adds the ``enforcementLevel`` property the engine injects into
every policy schema when a pack supports config. Other parts (pack validate-config, group config) use
these four functions too; keep their names and signatures.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from ..errors import InputError
from ..model import ConfigSchema, EnforcementLevel, PackInfo, PolicyConfigEntry

__all__ = [
    "ENFORCEMENT_LEVEL_SCHEMA",
    "inject_enforcement_level_schema",
    "parse_config_file",
    "parse_config_object",
    "reconcile",
    "validate",
    "validation_errors",
]

#: The property schema the engine injects into every policy's config schema (§4).
ENFORCEMENT_LEVEL_SCHEMA: dict[str, Any] = {
    "type": "string",
    "enum": ["advisory", "mandatory", "remediate", "disabled"],
}

_LEVEL_KEY = "enforcementLevel"
# Keys of a local config file that are not policy names.
_NON_POLICY_KEYS = frozenset({"environments"})


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def parse_config_file(path: str | os.PathLike[str]) -> dict[str, PolicyConfigEntry]:
    """Read a policy config file; an empty (or whitespace-only) file means no config.

    Raises :class:`InputError` naming the file for unreadable files, bad JSON and bad entries.
    """
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except OSError as e:
        raise InputError(f"{path}: cannot read policy config file: {e.strerror or e}") from None
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    try:
        return parse_config_object(data)
    except ValueError as e:
        raise InputError(f"{path}: {e}") from None


def parse_config_object(data: Any) -> dict[str, PolicyConfigEntry]:
    """Parse an already-decoded config object (the same format, e.g. from a group's config).

    Raises ``ValueError`` with the engine's message text (no file name; callers add the source).
    """
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {_json_type(data)}")
    result: dict[str, PolicyConfigEntry] = {}
    for key, value in data.items():
        if key in _NON_POLICY_KEYS:
            continue  # ESC environment names: accepted, not used by a local run
        level: EnforcementLevel | None = None
        properties: dict[str, Any] = {}
        if isinstance(value, str):
            level = _parse_level(key, value)
        elif isinstance(value, dict):
            properties = dict(value)
            if _LEVEL_KEY in properties:
                raw = properties.pop(_LEVEL_KEY)
                if not isinstance(raw, str):
                    raise ValueError(
                        f'parsing enforcement level for "{key}": {_go_value(raw)} is not a valid '
                        "enforcement level; must be a string"
                    )
                level = _parse_level(key, raw)
        else:
            raise ValueError(
                f'parsing "{key}": {_go_value(value)} is not a valid value; must be a string or object'
            )
        # The engine drops entries that say nothing.
        if level is None and not properties:
            continue
        result[key] = PolicyConfigEntry(enforcement_level=level, properties=properties)
    return result


def _parse_level(key: str, raw: str) -> EnforcementLevel:
    try:
        return EnforcementLevel(raw)
    except ValueError:
        raise ValueError(
            f'parsing enforcement level for "{key}": "{raw}" is not a valid enforcement level'
        ) from None


# ---------------------------------------------------------------------------------------------
# Schema injection and reconciliation
# ---------------------------------------------------------------------------------------------


def inject_enforcement_level_schema(pack: PackInfo) -> PackInfo:
    """Return ``pack`` with ``enforcementLevel`` added to every policy's config schema.

    The engine does this only for packs that support config; other packs are returned unchanged.
    A policy without a schema gets one holding only ``enforcementLevel``.
    """
    if not pack.supports_config:
        return pack
    policies = []
    for policy in pack.policies:
        schema = policy.config_schema or ConfigSchema()
        props = dict(schema.properties)
        props[_LEVEL_KEY] = dict(ENFORCEMENT_LEVEL_SCHEMA)
        policies.append(
            replace(policy, config_schema=ConfigSchema(properties=props, required=schema.required))
        )
    return replace(pack, policies=tuple(policies))


def reconcile(pack: PackInfo, overrides: dict[str, PolicyConfigEntry]) -> dict[str, PolicyConfigEntry]:
    """Resolve the config the engine sends in ``Configure``.

    Precedence, lowest first: each policy's own level and its schema ``default`` values, the pack's
    ``initialConfig``, then ``overrides`` (the config file or a group's config). In each layer ``all``
    sets the level of every entry known so far, then every key is applied, ``all`` and unknown policy
    names included (the engine keeps them; hosts ignore them). Properties merge shallowly.
    """
    result: dict[str, PolicyConfigEntry] = {}
    for policy in pack.policies:
        defaults: dict[str, Any] = {}
        if policy.config_schema is not None:
            for name, prop_schema in policy.config_schema.properties.items():
                if isinstance(prop_schema, Mapping) and "default" in prop_schema:
                    defaults[name] = prop_schema["default"]
        result[policy.name] = PolicyConfigEntry(
            enforcement_level=policy.enforcement_level, properties=defaults
        )
    _apply(result, pack.initial_config)
    _apply(result, overrides)
    return result


def _apply(result: dict[str, PolicyConfigEntry], layer: Mapping[str, PolicyConfigEntry]) -> None:
    everything = layer.get("all")
    if everything is not None and everything.enforcement_level is not None:
        for key, entry in list(result.items()):
            result[key] = PolicyConfigEntry(everything.enforcement_level, entry.properties)
    for key, entry in layer.items():
        current = result.get(key)
        level = current.enforcement_level if current is not None else None
        props = dict(current.properties) if current is not None else {}
        if entry.enforcement_level is not None:
            level = entry.enforcement_level
        props.update(entry.properties)
        result[key] = PolicyConfigEntry(level, props)


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def validate(pack: PackInfo, resolved: dict[str, PolicyConfigEntry]) -> list[str]:
    """Validate ``resolved`` against the pack's policy schemas; return the engine's error lines, sorted.

    Each line is ``validating policy config: <pack> <version>  <policy>: <error>``. ``pack`` should
    already carry the injected ``enforcementLevel`` schema and the yaml version override.
    """
    lines = []
    for policy in pack.policies:
        if policy.config_schema is None:
            continue
        entry = resolved.get(policy.name)
        props = dict(entry.properties) if entry is not None else {}
        props.pop(_LEVEL_KEY, None)
        for error in validation_errors(policy.config_schema, props):
            lines.append(f"validating policy config: {pack.name} {pack.version}  {policy.name}: {error}")
    return sorted(lines)


def validation_errors(schema: ConfigSchema, properties: Mapping[str, Any]) -> list[str]:
    """Validate one policy's properties; return gojsonschema-style messages (``(root): `` trimmed)."""
    full: dict[str, Any] = {"type": "object"}
    if schema.properties:
        full["properties"] = dict(schema.properties)
    if schema.required:
        full["required"] = list(schema.required)
    try:
        jsonschema.Draft7Validator.check_schema(full)
    except jsonschema.SchemaError as e:
        where = ".".join(str(p) for p in e.absolute_path) or "(root)"
        return [f"invalid config schema at {where}: {e.message}"]
    validator = jsonschema.Draft7Validator(full, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    messages = _translate(validator.iter_errors(dict(properties)))
    return [m.removeprefix("(root): ") for m in messages]


def _translate(errors: Iterable[ValidationError]) -> list[str]:
    """Turn jsonschema errors into gojsonschema's ``<field>: <description>`` strings."""
    errors = list(errors)
    # gojsonschema stops checking a value once its type is wrong; jsonschema goes on (e.g. enum).
    mistyped = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    out: list[str] = []
    seen: set[str] = set()
    for error in errors:
        path = tuple(error.absolute_path)
        if path in mistyped and error.validator != "type":
            continue
        for message in _describe(error):
            if message not in seen:
                seen.add(message)
                out.append(message)
    return out


def _field(path: Iterable[Any]) -> str:
    return ".".join(str(p) for p in path) or "(root)"


def _describe(error: ValidationError) -> list[str]:
    field = _field(error.absolute_path)
    kw, expected, instance = error.validator, error.validator_value, error.instance

    def one(text: str) -> list[str]:
        return [f"{field}: {text}"]

    if kw == "required":
        missing = [p for p in expected if isinstance(instance, dict) and p not in instance]
        return [f"{field}: {p} is required" for p in missing]
    if kw == "type":
        types = [expected] if isinstance(expected, str) else list(expected)
        shown = types[0] if len(types) == 1 else "[" + ",".join(types) + "]"
        return one(f"Invalid type. Expected: {shown}, given: {_json_type(instance)}")
    if kw == "enum":
        allowed = ", ".join(_go_json(v) for v in expected)
        return one(f"{field} must be one of the following: {allowed}")
    if kw == "const":
        return one(f"{field} does not match: {_go_json(expected)}")
    if kw == "minItems":
        return one(f"Array must have at least {_num(expected)} items")
    if kw == "maxItems":
        return one(f"Array must have at most {_num(expected)} items")
    if kw == "uniqueItems":
        i, j = _first_duplicate(instance)
        return one(f"array items[{i},{j}] must be unique")
    if kw == "contains":
        return one("At least one of the items must match")
    if kw == "additionalItems":
        return one("No additional items allowed on array")
    if kw == "minLength":
        return one(f"String length must be greater than or equal to {_num(expected)}")
    if kw == "maxLength":
        return one(f"String length must be less than or equal to {_num(expected)}")
    if kw == "pattern":
        return one(f"Does not match pattern '{expected}'")
    if kw == "format":
        return one(f"Does not match format '{expected}'")
    if kw == "minimum":
        return one(f"Must be greater than or equal to {_num(expected)}")
    if kw == "exclusiveMinimum":
        return one(f"Must be greater than {_num(expected)}")
    if kw == "maximum":
        return one(f"Must be less than or equal to {_num(expected)}")
    if kw == "exclusiveMaximum":
        return one(f"Must be less than {_num(expected)}")
    if kw == "multipleOf":
        return one(f"Must be a multiple of {_num(expected)}")
    if kw == "minProperties":
        return one(f"Must have at least {_num(expected)} properties")
    if kw == "maxProperties":
        return one(f"Must have at most {_num(expected)} properties")
    if kw == "additionalProperties":
        return [
            f"{field}: Additional property {name} is not allowed"
            for name in _extra_properties(error, instance)
        ]
    if kw == "propertyNames":
        return one(f'Property name of "{instance}" does not match')
    if kw == "dependencies":
        return one(f"Has a dependency on {_dependency_of(expected, instance)}")
    if kw == "not":
        return one("Must not validate the schema (not)")
    if kw == "allOf":
        return one("Must validate all the schemas (allOf)") + _sub_errors(error, best_only=False)
    if kw == "anyOf":
        return one("Must validate at least one schema (anyOf)") + _sub_errors(error, best_only=True)
    if kw == "oneOf":
        return one("Must validate one and only one schema (oneOf)") + _sub_errors(error, best_only=True)
    if kw == "then":
        return one('Must validate "then" as "if" was valid')
    if kw == "else":
        return one('Must validate "else" as "if" was not valid')
    return one(error.message)


def _sub_errors(error: ValidationError, best_only: bool) -> list[str]:
    """Errors of the sub-schemas: all of them (allOf) or those of the closest match (anyOf/oneOf)."""
    groups: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        groups.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
    if not groups:
        return []
    chosen = [min(groups.values(), key=len)] if best_only else list(groups.values())
    return _translate(e for group in chosen for e in group)


def _extra_properties(error: ValidationError, instance: Any) -> list[str]:
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    declared = set(schema.get("properties", {}) or {})
    patterns = list((schema.get("patternProperties") or {}).keys())
    extras = []
    for name in instance if isinstance(instance, dict) else ():
        if name in declared or any(re.search(p, name) for p in patterns):
            continue
        extras.append(name)
    return extras


def _dependency_of(dependencies: Any, instance: Any) -> str:
    if isinstance(dependencies, Mapping) and isinstance(instance, dict):
        for prop, needed in dependencies.items():
            if prop in instance and isinstance(needed, list):
                for name in needed:
                    if name not in instance:
                        return str(name)
    return "a dependent property"


def _first_duplicate(items: Any) -> tuple[int, int]:
    if isinstance(items, list):
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                if _go_json(items[i]) == _go_json(items[j]):
                    return i, j
    return 0, 0


# ---------------------------------------------------------------------------------------------
# Go-compatible rendering of values in messages
# ---------------------------------------------------------------------------------------------


def _json_type(value: Any) -> str:
    """The JSON-schema type name gojsonschema reports as "given" (integral numbers are integers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if math.isfinite(value) and value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _num(value: Any) -> str:
    """Render a schema number the way Go prints it (``3.0`` from a protobuf Struct shows as ``3``)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return format(value, ".10g")
    return str(value)


def _normalise_numbers(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_normalise_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalise_numbers(v) for k, v in value.items()}
    return value


def _go_json(value: Any) -> str:
    """Compact JSON as Go's ``json.Marshal`` writes it (sorted keys, no spaces, integral floats bare)."""
    return json.dumps(_normalise_numbers(value), separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _go_value(value: Any) -> str:
    """A decoded JSON value as Go's ``%v`` prints it."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _num(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, list):
        return "[" + " ".join(_go_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = " ".join(f"{k}:{_go_value(v)}" for k, v in sorted(value.items()))
        return f"map[{inner}]"
    return str(value)
