"""A tiny name -> object map used for every extension point of the sources layer.

The registered name is the word users type (in flags and config) and the key other code looks things
up by: for AWS mappers it is the Pulumi type token (``aws:s3/bucket:Bucket``), for Kubernetes kinds the
pulumi-kubernetes token (``kubernetes:apps/v1:Deployment``). Registration is explicit, either as a
decorator or as a plain call, so grep finds where every entry comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar, overload

from ..errors import UsageError

T = TypeVar("T")


class Registry(Generic[T]):
    """An ordered map of names to objects of one kind.

    ``kind`` names the kind in error messages ("AWS resource type", "report format", ...).
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._aliases: dict[str, str] = {}

    @overload
    def register(self, name: str, obj: T, *, aliases: tuple[str, ...] = ()) -> T: ...

    @overload
    def register(self, name: str, *, aliases: tuple[str, ...] = ()) -> Callable[[T], T]: ...

    def register(self, name: str, obj: T | None = None, *, aliases: tuple[str, ...] = ()):
        """Register ``obj`` under ``name``; without ``obj``, return a decorator that does so.

        Registering a name twice is a programming error and raises ``ValueError``.
        """

        def add(value: T) -> T:
            for key in (name, *aliases):
                if key in self._entries or key in self._aliases:
                    raise ValueError(f"{self.kind} {key!r} is already registered")
            self._entries[name] = value
            for alias in aliases:
                self._aliases[alias] = name
            return value

        if obj is None:
            return add
        return add(obj)

    def get(self, name: str) -> T:
        """Return the entry for ``name`` (or one of its aliases); an unknown name is a UsageError."""
        key = self._aliases.get(name, name)
        try:
            return self._entries[key]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "none"
            raise UsageError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def find(self, name: str) -> T | None:
        """Return the entry for ``name`` or None."""
        return self._entries.get(self._aliases.get(name, name))

    def names(self) -> list[str]:
        """Registered names (not aliases), in registration order."""
        return list(self._entries)

    def items(self) -> list[tuple[str, T]]:
        return list(self._entries.items())

    def values(self) -> list[T]:
        return list(self._entries.values())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._entries or name in self._aliases)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self._entries)} entries)"
