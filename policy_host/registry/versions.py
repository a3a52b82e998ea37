"""Ordering of pack version tags: semantic versioning 2.0 precedence, deterministic for anything else.

A leading ``v`` is ignored and missing minor/patch numbers count as 0 (``v1.2`` == ``1.2.0``). Tags that
are not semver at all (allowed by Pulumi's tag syntax) sort below every semver tag, among themselves by
their text, so "newest" is always defined.
"""

from __future__ import annotations

import re

_SEMVER = re.compile(
    r"^v?(?P<major>0|[1-9]\d*)(?:\.(?P<minor>0|[1-9]\d*))?(?:\.(?P<patch>0|[1-9]\d*))?"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)

# Build metadata (+...) is ignored by semver precedence; the raw text is the final tie-break so that two
# distinct tags never compare equal.
VersionKey = tuple


def is_semver(tag: str) -> bool:
    return _SEMVER.match(tag) is not None


def version_key(tag: str) -> VersionKey:
    """A sort key: ``sorted(tags, key=version_key)`` runs oldest to newest."""
    m = _SEMVER.match(tag)
    if m is None:
        return (0, (), (), tag)
    core = (int(m["major"]), int(m["minor"] or 0), int(m["patch"] or 0))
    pre = m["pre"]
    if pre is None:
        # A release ranks above all of its pre-releases.
        pre_key: tuple = ((2,),)
    else:
        # Numeric identifiers rank below alphanumeric ones and compare numerically.
        pre_key = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
        pre_key = ((1,), *pre_key)
    return (1, core, pre_key, tag)


def newest(tags: list[str]) -> str | None:
    """The newest of ``tags`` by :func:`version_key`, or None if empty."""
    return max(tags, key=version_key) if tags else None
