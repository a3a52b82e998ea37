"""The entities policy groups apply to: stacks (``org/project/stack``) and cloud accounts."""

from __future__ import annotations

from dataclasses import dataclass, field

from .patterns import check_account_name, parse_stack_name

STACK = "stack"
ACCOUNT = "account"
# A stack whose organization the engine did not name (language-host mode on a DIY backend sends none)
# is filed under the DIY backend's own organization name.
DEFAULT_ORGANIZATION = "organization"


@dataclass(frozen=True)
class EntityRef:
    """A stack or an account, with the tags known for it (stack tags; empty for most accounts)."""

    kind: str  # "stack" | "account"
    name: str
    tags: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


def stack_ref(org: str, project: str, stack: str, tags: dict[str, str] | None = None) -> EntityRef:
    """A validated stack reference; an empty organization becomes ``organization``."""
    name = f"{org or DEFAULT_ORGANIZATION}/{project}/{stack}"
    parse_stack_name(name)
    return EntityRef(STACK, name, dict(tags or {}))


def parse_stack_ref(name: str, tags: dict[str, str] | None = None) -> EntityRef:
    parse_stack_name(name)
    return EntityRef(STACK, name, dict(tags or {}))


def account_ref(name: str, tags: dict[str, str] | None = None) -> EntityRef:
    check_account_name(name)
    return EntityRef(ACCOUNT, name, dict(tags or {}))
