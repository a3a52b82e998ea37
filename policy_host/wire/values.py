"""The engine's special values: signature objects (secrets, assets, archives) and unknown sentinels.

Source of the constants: ``sdk/go/common/resource/sig/sig.go`` and ``plugin/rpc.go`` in pulumi/pulumi
(see docs/engine-protocol.md §7.1 of the shared docs).
"""

from __future__ import annotations

from typing import Any

SIG_KEY = "4dabf18193072939515e22adb298388d"
SIG_SECRET = "1b47061264138c4ac30d75fd1eb44270"
SIG_ASSET = "c44067f5952c0a294b673a41bacd8c17"
SIG_ARCHIVE = "0def7320c3a5731c473e5ecbe6d01bc7"
SIG_RESOURCE_REF = "5cf8f73096256a8f31e491e813e4eb8e"
SIG_OUTPUT_VALUE = "d0e6a833031e9bbcd3f4e8bde6ca49a4"

UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"
UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_ARRAY = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2"
UNKNOWN_ASSET = "030794c1-ac77-496b-92df-f27374a8bd58"
UNKNOWN_ARCHIVE = "e48ece36-62e2-4504-bad9-02848725956a"
UNKNOWN_OBJECT = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"

UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_BOOL,
        UNKNOWN_NUMBER,
        UNKNOWN_STRING,
        UNKNOWN_ARRAY,
        UNKNOWN_ASSET,
        UNKNOWN_ARCHIVE,
        UNKNOWN_OBJECT,
    }
)


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SIG_SECRET


def make_secret(value: Any) -> dict[str, Any]:
    """Wrap a wire-form value as a secret signature object."""
    return {SIG_KEY: SIG_SECRET, "value": value}


def redact_secrets(value: Any, placeholder: str = "[secret]") -> Any:
    """Return a copy of a wire-form value with every secret's plaintext replaced by ``placeholder``.

    Used wherever values leave for logs, reports or the store.
    """
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SIG_SECRET:
            return placeholder
        return {k: redact_secrets(v, placeholder) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_secrets(v, placeholder) for v in value]
    return value


def strip_internal_keys(value: Any) -> Any:
    """Drop ``__``-prefixed keys at every object level: the engine's ``SkipInternalKeys``, applied to what
    Analyze and AnalyzeStack receive (Remediate keeps them)."""
    if isinstance(value, dict):
        if SIG_KEY in value:
            return value
        return {k: strip_internal_keys(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [strip_internal_keys(v) for v in value]
    return value
