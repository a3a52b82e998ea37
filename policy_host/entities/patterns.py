"""Name patterns for membership selectors and exemption scopes.

Stack and account patterns are globs over ``/``-separated names:

- ``*`` matches any run of characters inside one segment (never ``/``), ``?`` one such character,
  ``[abc]``/``[a-z]``/``[!abc]`` one character of (or not of) a set;
- a whole segment ``**`` matches any number of segments, none included;
- everything else matches itself. A stack pattern has exactly three segments ``org/project/stack``
  unless it uses ``**``.

Tag selectors are ``key=value`` pairs joined by commas (all must hold); the value is a glob where ``*``
and ``?`` match any characters. Bad syntax raises InputError naming the pattern.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass

from ..errors import InputError

_NAME_CHARS = r"A-Za-z0-9_.\-"
_SEGMENT_NAME = re.compile(rf"^[{_NAME_CHARS}]+$")
# Account names are freer (cloud account ids, ``production/us-west-2``, ``team@example``).
_ACCOUNT_SEGMENT = re.compile(r"^[A-Za-z0-9_.\-:@+]+$")
_GLOB_SEGMENT_CHARS = re.compile(r"^[A-Za-z0-9_.\-:@+*?\[\]!]+$")


def _segment_regex(segment: str, pattern: str, what: str) -> str:
    out = []
    i = 0
    while i < len(segment):
        c = segment[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = segment.find("]", i + 2 if segment[i + 1 : i + 2] in ("!", "]") else i + 1)
            if end == -1:
                raise InputError(f"invalid {what} {pattern!r}: '[' without a closing ']'")
            body = segment[i + 1 : end]
            negate = body.startswith("!")
            if negate:
                body = body[1:]
            if not body:
                raise InputError(f"invalid {what} {pattern!r}: empty character set '[]'")
            out.append(("[^/" if negate else "[") + re.escape(body).replace(r"\-", "-") + "]")
            i = end
        elif c == "]":
            raise InputError(f"invalid {what} {pattern!r}: ']' without an opening '['")
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def compile_path_glob(pattern: str, what: str = "pattern", segments: int | None = None) -> re.Pattern[str]:
    """Compile a ``/``-segmented glob; ``segments`` demands that many segments when ``**`` is absent."""
    if not pattern or pattern != pattern.strip():
        raise InputError(f"invalid {what} {pattern!r}: empty or surrounded by spaces")
    parts = pattern.split("/")
    if any(p == "" for p in parts):
        raise InputError(
            f"invalid {what} {pattern!r}: empty segment (check for '//' or a leading/trailing '/')"
        )
    has_globstar = "**" in parts
    if segments is not None and not has_globstar and len(parts) != segments:
        raise InputError(
            f"invalid {what} {pattern!r}: expected {segments} segments 'org/project/stack', got {len(parts)}"
        )
    pieces = []
    for p in parts:
        if p == "**":
            pieces.append(None)
            continue
        if "**" in p:
            raise InputError(f"invalid {what} {pattern!r}: '**' must be a whole segment")
        if not _GLOB_SEGMENT_CHARS.match(p):
            raise InputError(f"invalid {what} {pattern!r}: segment {p!r} has characters not allowed in names")
        pieces.append(_segment_regex(p, pattern, what))
    # '**' eats zero or more whole segments together with their separators.
    if all(piece is None for piece in pieces):
        return re.compile(r"^[^/]+(?:/[^/]+)*$")
    regex = ""
    pending_sep = False  # whether the next plain segment needs a leading '/'
    for piece in pieces:
        if piece is None:
            regex += "(?:/[^/]+)*" if pending_sep else "(?:[^/]+/)*"
            continue
        regex += ("/" if pending_sep else "") + piece
        pending_sep = True
    return re.compile(f"^{regex}$")


def compile_stack_pattern(pattern: str) -> re.Pattern[str]:
    return compile_path_glob(pattern, "stack pattern", 3)


def compile_account_pattern(pattern: str) -> re.Pattern[str]:
    return compile_path_glob(pattern, "account pattern", None)


def parse_stack_name(name: str) -> tuple[str, str, str]:
    """``org/project/stack`` -> its three parts; InputError otherwise."""
    parts = name.split("/")
    if len(parts) != 3 or not all(_SEGMENT_NAME.match(p) for p in parts):
        raise InputError(
            f"invalid stack name {name!r}: expected 'org/project/stack' made of letters, digits, '-', '_', '.'"
        )
    return parts[0], parts[1], parts[2]


def check_account_name(name: str) -> str:
    parts = name.split("/")
    if not name or not all(_ACCOUNT_SEGMENT.match(p) for p in parts):
        raise InputError(
            f"invalid account name {name!r}: use '/'-separated segments of letters, digits and '-_.:@+'"
        )
    return name


@dataclass(frozen=True)
class TagSelector:
    """``key=glob`` pairs that must all match an entity's tags."""

    pairs: tuple[tuple[str, str], ...]

    @property
    def expr(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.pairs)

    def matches(self, tags: dict[str, str]) -> bool:
        return all(k in tags and fnmatch.fnmatchcase(str(tags[k]), v) for k, v in self.pairs)


@functools.lru_cache(maxsize=1024)
def parse_tag_selector(expr: str) -> TagSelector:
    """Parse ``key=value[,key=value]``; normalizes spacing around keys and values."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    if not expr.strip():
        raise InputError("invalid tag selector '': expected key=value")
    for item in expr.split(","):
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise InputError(f"invalid tag selector {expr!r}: expected key=value, got {item.strip()!r}")
        if key in seen:
            raise InputError(f"invalid tag selector {expr!r}: key {key!r} given twice")
        seen.add(key)
        pairs.append((key, value))
    return TagSelector(tuple(pairs))


def parse_tag(expr: str) -> tuple[str, str]:
    """One ``key=value`` (stack tags on the command line)."""
    key, sep, value = expr.partition("=")
    if not sep or not key.strip():
        raise InputError(f"invalid tag {expr!r}: expected key=value")
    return key.strip(), value.strip()
