"""Property values on their way into the store and into policies.

- :func:`seal_secrets`: every secret's plaintext becomes ``[secret]`` *still wrapped as a secret*, the
  way an encrypted value of a stack export reaches policies (``sources.stack_export.REDACTED``). This is
  applied before anything is hashed or stored, so no secret reaches the store, not even as a hash (a
  hash of a short secret can be brute-forced).
- :func:`canonical_json` / :func:`properties_hash`: sorted keys, no whitespace, UTF-8: equal values give
  equal hashes whatever the order the API returned keys in.
- :func:`wire_numbers`: integers as floats, which is what policies see when the engine sends properties
  over gRPC (a protobuf ``Struct`` has only doubles). Audit applies it before evaluation so that a
  policy's message says ``20.0`` in both modes.
- :func:`display_value`: secrets as the plain string ``[secret]``, for CLI output.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..sources.stack_export import REDACTED
from ..wire.values import SIG_KEY, SIG_SECRET, make_secret


def seal_secrets(value: Any) -> Any:
    """A copy of a wire-form value with every secret's content replaced by ``[secret]`` (kept secret)."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SIG_SECRET:
            return make_secret(REDACTED)
        return {k: seal_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [seal_secrets(v) for v in value]
    return value


def display_value(value: Any) -> Any:
    """A wire-form value for people: secrets shown as ``[secret]``, everything else unchanged."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SIG_SECRET:
            return REDACTED
        return {k: display_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [display_value(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    """Deterministic JSON text of a wire-form value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def properties_hash(properties: dict[str, Any], extra: dict[str, Any] | None = None) -> str:
    """sha256 of the canonical JSON of (sealed) properties and, for stack resources, their extra state."""
    document: Any = properties if extra is None else {"properties": properties, "extra": extra}
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def wire_numbers(value: Any) -> Any:
    """Integers (not booleans) as floats, at every level, as a protobuf Struct round trip makes them."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {k: wire_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire_numbers(v) for v in value]
    return value
