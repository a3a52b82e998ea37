"""Reading resource properties safely: nested paths, tags, plain copies.

These work on whatever a runtime hands a policy: ``pulumi_policy``'s unknown-checking proxies
(validation), its secrets-preserving proxies (remediation, where 1.21.0 does *not* check unknowns),
or plain dicts in hand-written tests. In every case an unknown value raises
``pulumi_policy.proxy.UnknownValueError`` (which the runtime turns into the advisory "can't run policy"
diagnostic) instead of being compared as if it were data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._paths import PathLike, is_unknown, split_path, unknown_error, unwrap_secret

__all__ = ["props_get", "tags_of", "to_plain"]


def _checked(value: Any, walked: list[str | int]) -> Any:
    value = unwrap_secret(value)
    if is_unknown(value):
        raise unknown_error(value, walked)
    return value


def props_get(props: Any, path: PathLike, default: Any = None) -> Any:
    """The value at ``path`` (``"a.b.0.c"`` or ``("tags", "kubernetes.io/role")``), or ``default``.

    Missing keys, out-of-range indices, ``null`` values and paths that run into a scalar all give
    ``default``. An unknown value anywhere along the path raises ``UnknownValueError``; a secret is
    returned as its plaintext. Containers are returned as the runtime gave them (proxies stay
    proxies), so nested reads keep checking unknowns.
    """
    current = _checked(props, [])
    walked: list[str | int] = []
    for key in split_path(path):
        if current is None:
            return default
        if isinstance(current, Mapping):
            try:
                current = current[key if isinstance(key, str) else str(key)]
            except KeyError:
                return default
        elif isinstance(current, Sequence) and not isinstance(current, str | bytes):
            if not isinstance(key, int) or key < 0 or key >= len(current):
                return default
            current = current[key]
        else:
            return default
        walked.append(key)
        current = _checked(current, walked)
    return default if current is None else current


def tags_of(props: Any, key: str = "tags", *, merge: Sequence[str] = ()) -> dict[str, Any]:
    """A resource's tags (or labels) as a plain dict; ``{}`` when it has none.

    ``merge`` names further maps to union in, e.g. ``merge=["tagsAll"]`` for AWS resources whose
    provider-level default tags appear in ``tagsAll``. An unknown map or tag value raises
    ``UnknownValueError``.
    """
    result: dict[str, Any] = {}
    for name in (*merge, key):
        tags = props_get(props, [name])
        if tags is None:
            continue
        if not isinstance(tags, Mapping):
            raise TypeError(f"property {name!r} is not a map of tags")
        result.update(to_plain(tags, (name,)))
    return result


def to_plain(value: Any, path: Sequence[str | int] = ()) -> Any:
    """A deep plain copy (dicts, lists, scalars) of a property value; secrets become their plaintext.

    Use it to hand a value to code that needs real dicts (``json.dumps``, comparisons). Raises
    ``UnknownValueError`` if any part is unknown. ``path`` only labels the error.
    """
    walked = list(path)
    value = _checked(value, walked)
    if isinstance(value, Mapping):
        return {k: to_plain(value[k], [*walked, k]) for k in value}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [to_plain(value[i], [*walked, i]) for i in range(len(value))]
    return value
