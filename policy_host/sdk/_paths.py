"""Property paths and the engine's special values as policies see them (sentinels, ``Secret``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pulumi_policy import Secret
from pulumi_policy.proxy import UnknownValueError

from ..wire.values import UNKNOWN_SENTINELS

__all__ = ["PathLike", "split_path", "is_unknown", "unknown_error", "unwrap_secret"]

PathLike = str | Sequence[str | int]


def split_path(path: PathLike) -> list[str | int]:
    """``"a.b.0.c"`` -> ``["a", "b", 0, "c"]``; a sequence is taken as is (for keys containing dots)."""
    if isinstance(path, str):
        if not path:
            raise ValueError("a property path must not be empty")
        return [int(part) if part.isdigit() else part for part in path.split(".")]
    parts = list(path)
    if not parts:
        raise ValueError("a property path must not be empty")
    for part in parts:
        if not isinstance(part, str | int) or isinstance(part, bool):
            raise ValueError(f"a property path segment must be a string or an int, got {part!r}")
    return parts


def is_unknown(value: Any) -> bool:
    """True for the engine's unknown sentinels (a value that will only be known after the update)."""
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


def unknown_error(sentinel: str, walked: Sequence[str | int]) -> UnknownValueError:
    """The exact exception ``pulumi_policy``'s proxies raise, so runtimes report it the same way."""
    return UnknownValueError(sentinel, [str(p) for p in walked])


def unwrap_secret(value: Any) -> Any:
    """The plaintext of a ``pulumi_policy.Secret`` (present in remediation inputs), else the value."""
    while isinstance(value, Secret):
        value = value.value
    return value
