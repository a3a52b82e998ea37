"""Wire-form property values -> what policies see, in one pass, with the SDK's own classes.

Validation view (Analyze, AnalyzeStack, provider props): equal to the reference's
``unknown_checking_proxy(deserialize_properties(MessageToDict(struct)))``: dicts become
``pulumi_policy.proxy._DictProxy``, lists ``_ListProxy`` (exact classes: real packs compare ``type(x) ==``),
secrets are unwrapped to plaintext, assets/archives become ``pulumi`` Asset/Archive objects, unknown
sentinels raise ``UnknownValueError`` when read. The reference builds this once per *policy*; we build it
once per resource per call.

Remediation view: like the reference's secrets-preserving proxy (``_DictSecretsProxy``: reads unwrap
secrets, writes over a secret stay secret), with two deliberate fixes: reading an unknown value raises
``UnknownValueError`` (the reference hands remediators raw sentinel strings, reference-sdk.md §9 #1), and
list assignment keeps secretness by index (§9 #3). Secret paths are recorded so that a remediation that
returns a fresh ``dict(args.props)`` copy keeps them secret (§9 #2; see ``reapply_secrets``).
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi_policy.proxy import UnknownValueError, _DictProxy, _ListProxy
from pulumi_policy.secret import Secret, _DictSecretsProxy, _ListSecretsProxy

from ..errors import InputError
from ..wire.struct import struct_to_python
from ..wire.values import SIG_ARCHIVE, SIG_ASSET, SIG_KEY, SIG_SECRET, UNKNOWN_SENTINELS, make_secret


class DecodeError(InputError):
    """A property value the engine should never send (bad signature, malformed secret/asset/archive)."""


def _path_str(path: list[str]) -> str:
    return "." + ".".join(path) if path else "(root)"


def _asset(value: dict[str, Any], path: list[str]) -> Any:
    if "path" in value:
        return pulumi.FileAsset(value["path"])
    if "text" in value:
        return pulumi.StringAsset(value["text"])
    if "uri" in value:
        return pulumi.RemoteAsset(value["uri"])
    raise DecodeError(
        f"property {_path_str(path)}: Invalid asset encountered when unmarshaling resource property"
    )


def _archive(value: dict[str, Any], path: list[str]) -> Any:
    if "assets" in value:
        assets = value["assets"]
        if not isinstance(assets, dict):
            raise DecodeError(
                f"property {_path_str(path)}: Invalid archive encountered when unmarshaling resource property"
            )
        out = {}
        for key, item in assets.items():
            decoded = _plain(item, path + ["assets", key], proxy_secrets=False)
            if not isinstance(decoded, pulumi.Asset | pulumi.Archive):
                raise DecodeError(
                    f"property {_path_str(path)}: Expected an AssetArchive's assets to be unmarshaled "
                    "Asset or Archive objects"
                )
            out[key] = decoded
        return pulumi.AssetArchive(out)
    if "path" in value:
        return pulumi.FileArchive(value["path"])
    if "uri" in value:
        return pulumi.RemoteArchive(value["uri"])
    raise DecodeError(
        f"property {_path_str(path)}: Invalid archive encountered when unmarshaling resource property"
    )


def _special(value: dict[str, Any], path: list[str], inner: Any) -> Any:
    """Decode a signature object; ``inner`` decodes a secret's value (view-specific)."""
    sig = value[SIG_KEY]
    if sig == SIG_ASSET:
        return _asset(value, path)
    if sig == SIG_ARCHIVE:
        return _archive(value, path)
    if sig == SIG_SECRET:
        if "value" not in value:
            raise DecodeError(
                f"property {_path_str(path)}: Invalid secret encountered when unmarshaling resource property"
            )
        return inner(value["value"])
    raise DecodeError(
        f"property {_path_str(path)}: Unrecognized signature '{sig}' when unmarshaling resource property"
    )


# ------------------------------------------------------------------------------------------------
# Validation view
# ------------------------------------------------------------------------------------------------


def _view(value: Any, path: list[str]) -> Any:
    t = type(value)
    if t is dict:
        if SIG_KEY in value:
            return _special(value, path, lambda v: _view(v, path))
        return _DictProxy({k: _view(v, [*path, k]) for k, v in value.items()}, path)
    if t is list:
        return _ListProxy([_view(v, [*path, str(i)]) for i, v in enumerate(value)], path)
    return value


def validation_view(props: dict[str, Any]) -> _DictProxy:
    """The ``args.props`` a validator sees for wire-form ``props``. Raises DecodeError on bad input."""
    return _view(props, [])


_PENDING = object()  # a value not decoded yet


class _LazyStructDict(dict):
    """The dict behind a ``_DictProxy`` built from a protobuf Struct: every key is present from the start
    (so ``len``, iteration and ``in`` behave as usual) and each value is decoded on first read.

    Policies read values through the proxy (``_DictProxy.__getitem__`` indexes this dict), so they never
    see the placeholder. Only the proxy's ``__target`` escape hatch exposes this dict itself.
    """

    __slots__ = ("_fields", "_path")

    def __init__(self, fields: Any, path: list[str]) -> None:
        super().__init__(dict.fromkeys(fields, _PENDING))
        self._fields = fields
        self._path = path

    def __getitem__(self, key: Any) -> Any:
        value = dict.__getitem__(self, key)
        if value is _PENDING:
            value = _struct_view(self._fields[key], [*self._path, key])
            dict.__setitem__(self, key, value)
        return value


def _struct_view(v: Any, path: list[str]) -> Any:
    kind = v.WhichOneof("kind")
    if kind == "string_value":
        return v.string_value
    if kind == "number_value":
        return v.number_value
    if kind == "bool_value":
        return v.bool_value
    if kind == "struct_value":
        fields = v.struct_value.fields
        if SIG_KEY in fields:  # rare: a secret, asset or archive; decode that subtree the plain way
            return _view(struct_to_python(v.struct_value), path)
        return _DictProxy(_LazyStructDict(fields, path), path)
    if kind == "list_value":
        return _ListProxy([_struct_view(x, [*path, str(i)]) for i, x in enumerate(v.list_value.values)], path)
    return None


def validation_view_from_struct(struct: Any) -> _DictProxy:
    """What ``validation_view(struct_to_python(struct))`` gives, straight from a protobuf Struct and
    decoded lazily: the analyzer's hot path pays only for the properties policies actually read.

    Malformed special values raise DecodeError when read (the call then fails as a bad request).
    """
    fields = struct.fields
    if SIG_KEY in fields:
        return _view(struct_to_python(struct), [])
    return _DictProxy(_LazyStructDict(fields, []), [])


# ------------------------------------------------------------------------------------------------
# Remediation view
# ------------------------------------------------------------------------------------------------


def _plain(
    value: Any, path: list[str], proxy_secrets: bool, secret_paths: list[tuple[str, ...]] | None = None
) -> Any:
    """Deserialize to plain containers; secrets become ``Secret`` objects when ``proxy_secrets``."""
    t = type(value)
    if t is dict:
        if SIG_KEY in value:

            def inner(v: Any) -> Any:
                decoded = _plain(v, path, proxy_secrets, secret_paths)
                if proxy_secrets:
                    if secret_paths is not None:
                        secret_paths.append(tuple(path))
                    return Secret(decoded)
                return decoded

            return _special(value, path, inner)
        return {k: _plain(v, [*path, k], proxy_secrets, secret_paths) for k, v in value.items()}
    if t is list:
        return [_plain(v, [*path, str(i)], proxy_secrets, secret_paths) for i, v in enumerate(value)]
    return value


def _checked(value: Any, path: list[str]) -> Any:
    if isinstance(value, Secret):
        value = value.value
    if isinstance(value, str) and value in UNKNOWN_SENTINELS:
        raise UnknownValueError(value, path)
    if type(value) is dict:
        return _CheckedSecretsDict(value, path)
    if type(value) is list:
        return _CheckedSecretsList(value, path)
    return value


class _CheckedSecretsDict(_DictSecretsProxy):
    """``_DictSecretsProxy`` that also raises UnknownValueError on unknown reads (fix §9 #1)."""

    def __init__(self, target: dict[str, Any], path: list[str]):
        super().__init__(target)
        self._path = path

    def __getitem__(self, key: Any) -> Any:
        target = self._DictSecretsProxy__target  # type: ignore[attr-defined]
        if key == "__target":
            return target
        return _checked(target[key], [*self._path, str(key)])


class _CheckedSecretsList(_ListSecretsProxy):
    """``_ListSecretsProxy`` with unknown checks and index-based secret keeping (fixes §9 #1, #3)."""

    def __init__(self, target: list[Any], path: list[str]):
        super().__init__(target)
        self._path = path

    def __getitem__(self, key: Any) -> Any:
        target = self._ListSecretsProxy__target  # type: ignore[attr-defined]
        if key == "__target":
            return target
        if isinstance(key, slice):
            return [self[i] for i in range(*key.indices(len(target)))]
        return _checked(target[key], [*self._path, str(key)])

    def __setitem__(self, key: Any, value: Any) -> None:
        target = self._ListSecretsProxy__target  # type: ignore[attr-defined]
        if isinstance(key, int) and -len(target) <= key < len(target) and isinstance(target[key], Secret):
            value = Secret(value)
        target[key] = value


def remediation_view(props: dict[str, Any]) -> tuple[_CheckedSecretsDict, list[tuple[str, ...]]]:
    """The ``args.props`` a remediator sees, and the paths of every secret in ``props``."""
    secret_paths: list[tuple[str, ...]] = []
    plain = _plain(props, [], proxy_secrets=True, secret_paths=secret_paths)
    return _CheckedSecretsDict(plain, []), secret_paths


def reapply_secrets(wire: dict[str, Any], secret_paths: list[tuple[str, ...]]) -> dict[str, Any]:
    """Re-wrap values at ``secret_paths`` that a remediation returned as plaintext (fix §9 #2).

    A path that no longer exists is skipped; a value already secret (or under a secret) is left alone.
    """
    for path in secret_paths:
        if not path:
            continue
        parent: Any = wire
        for segment in path[:-1]:
            if isinstance(parent, dict):
                if parent.get(SIG_KEY) == SIG_SECRET:
                    parent = None
                    break
                parent = parent.get(segment)
            elif isinstance(parent, list) and segment.isdigit() and int(segment) < len(parent):
                parent = parent[int(segment)]
            else:
                parent = None
            if parent is None:
                break
        if parent is None or (isinstance(parent, dict) and parent.get(SIG_KEY) == SIG_SECRET):
            continue
        last = path[-1]
        if isinstance(parent, dict) and last in parent:
            current = parent[last]
            if not (isinstance(current, dict) and current.get(SIG_KEY) == SIG_SECRET):
                parent[last] = make_secret(current)
        elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
            current = parent[int(last)]
            if not (isinstance(current, dict) and current.get(SIG_KEY) == SIG_SECRET):
                parent[int(last)] = make_secret(current)
    return wire
