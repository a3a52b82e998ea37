"""Wire-form values for test resources: unknowns, secrets, assets and archives as the engine sends them."""

from __future__ import annotations

from typing import Any

from ..wire import values as v

_UNKNOWNS = {
    "string": v.UNKNOWN_STRING,
    "number": v.UNKNOWN_NUMBER,
    "boolean": v.UNKNOWN_BOOL,
    "array": v.UNKNOWN_ARRAY,
    "object": v.UNKNOWN_OBJECT,
    "asset": v.UNKNOWN_ASSET,
    "archive": v.UNKNOWN_ARCHIVE,
}


def unknown(kind: str = "string") -> str:
    """A value not known during preview (the engine's sentinel for ``kind``)."""
    try:
        return _UNKNOWNS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(_UNKNOWNS)}") from None


def secret(value: Any) -> dict[str, Any]:
    """A secret value (validators see the plaintext, remediations keep it secret)."""
    return v.make_secret(value)


def string_asset(text: str) -> dict[str, Any]:
    return {v.SIG_KEY: v.SIG_ASSET, "text": text}


def file_asset(path: str) -> dict[str, Any]:
    return {v.SIG_KEY: v.SIG_ASSET, "path": path}


def remote_asset(uri: str) -> dict[str, Any]:
    return {v.SIG_KEY: v.SIG_ASSET, "uri": uri}


def asset_archive(assets: dict[str, Any]) -> dict[str, Any]:
    return {v.SIG_KEY: v.SIG_ARCHIVE, "assets": assets}


def file_archive(path: str) -> dict[str, Any]:
    return {v.SIG_KEY: v.SIG_ARCHIVE, "path": path}


def remote_archive(uri: str) -> dict[str, Any]:
    return {v.SIG_KEY: v.SIG_ARCHIVE, "uri": uri}
