"""Build a remediation's result: the complete new input map, with secretness preserved.

The engine *replaces* a resource's inputs with what a remediation returns, so the result must carry
every property (internal ``__`` keys and still-unknown values included), and any value that was a
secret must stay one. ``pulumi_policy`` keeps secretness only when authors mutate ``args.props`` in
place and return it; returning a fresh dict silently publishes secrets in plaintext (reference SDK
bug #2). ``remediate_props`` copies the raw inputs (``Secret`` wrappers intact), applies the changes,
re-wraps any new value that replaces a secret, and returns the same secrets-preserving proxy type
``pulumi_policy`` hands to remediations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import ResourceValidationArgs, Secret
from pulumi_policy.proxy import _DictProxy, _ListProxy
from pulumi_policy.secret import _DictSecretsProxy, _ListSecretsProxy, secrets_preserving_proxy

from ._paths import PathLike, is_unknown, split_path, unknown_error

__all__ = ["remediate_props"]

_PROXIES = (_DictProxy, _ListProxy, _DictSecretsProxy, _ListSecretsProxy)


def _raw_copy(value: Any) -> Any:
    """Deep copy to plain dicts/lists, unwrapping proxies but keeping ``Secret`` wrappers and sentinels."""
    if isinstance(value, _PROXIES):
        # "__target" is the proxies' escape hatch to the backing container (no unknown check, no unwrap).
        return _raw_copy(value["__target"])
    if isinstance(value, Secret):
        return Secret(_raw_copy(value.value))
    if isinstance(value, Mapping):
        return {k: _raw_copy(value[k]) for k in value}
    if isinstance(value, list | tuple):
        return [_raw_copy(v) for v in value]
    return value


def _keep_secretness(old: Any, new: Any) -> Any:
    """``new`` (already a raw copy), with every part that replaces a secret part of ``old`` made secret."""
    if isinstance(new, Secret):
        return new
    if isinstance(old, Secret):
        return Secret(_keep_secretness(old.value, new))
    if isinstance(old, dict) and isinstance(new, dict):
        return {k: _keep_secretness(old.get(k), v) for k, v in new.items()}
    if isinstance(old, list) and isinstance(new, list):
        return [_keep_secretness(old[i] if i < len(old) else None, v) for i, v in enumerate(new)]
    return new


def _child(node: Any, key: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(str(key))
    if isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return None


def _set_path(root: dict[str, Any], path: PathLike, value: Any) -> None:
    keys = split_path(path)
    node: Any = root
    walked: list[str | int] = []
    for key in keys[:-1]:
        walked.append(key)
        child = _child(node, key)
        holder = None
        if isinstance(child, Secret):
            # Descend into the secret; its wrapper stays, so the whole subtree remains secret.
            holder, child = child, child.value
        if is_unknown(child):
            raise unknown_error(child, walked)
        if child is None:
            child = {}
            if holder is not None:
                holder.value = child
            else:
                _assign(node, key, child, walked)
        elif not isinstance(child, dict | list):
            raise TypeError(
                f"cannot set {'.'.join(map(str, keys))}: {'.'.join(map(str, walked))} is not an object"
            )
        node = child
    leaf = keys[-1]
    new = _keep_secretness(_child(node, leaf), _raw_copy(value))
    _assign(node, leaf, new, [*walked, leaf])


def _assign(node: Any, key: str | int, value: Any, walked: Sequence[str | int]) -> None:
    if isinstance(node, dict):
        node[str(key)] = value
    elif isinstance(key, int) and 0 <= key < len(node):
        node[key] = value
    else:
        raise IndexError(f"cannot set {'.'.join(map(str, walked))}: index out of range")


def remediate_props(
    args: ResourceValidationArgs | Mapping[str, Any], changes: Mapping[Any, Any]
) -> Mapping[str, Any]:
    """The resource's complete inputs with ``changes`` applied, ready to return from a remediation.

    ``changes`` maps property paths (``"versioning.enabled"`` or ``("tags", "team")``) to new values;
    missing intermediate objects are created. A new value that replaces a secret (or part of one) is
    stored as a secret; wrap a value in ``pulumi_policy.Secret`` to make it secret explicitly. Every
    other property is carried through untouched, including internal keys and unknown values.

    Setting a path *through* an unknown value raises ``UnknownValueError`` (reported as "can't run
    remediation"). The result is a ``pulumi_policy`` secrets-preserving proxy over a fresh dict:
    reads give plaintext, serialization keeps secrets. ``args.props`` is not modified.
    """
    props = args.props if isinstance(args, ResourceValidationArgs) else args
    new = _raw_copy(props)
    if not isinstance(new, dict):
        raise TypeError("remediate_props needs a resource's property map")
    for path, value in changes.items():
        _set_path(new, path, value)
    return secrets_preserving_proxy(new)
