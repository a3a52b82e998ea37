"""Policy groups as plain data (what ``group get`` shows and policy-as-code exports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

STACKS = "stacks"
ACCOUNTS = "accounts"
PREVENTATIVE = "preventative"
AUDIT = "audit"
ENTITY_TYPES = (STACKS, ACCOUNTS)
MODES = (PREVENTATIVE, AUDIT)

DEFAULT_STACKS_GROUP = "default-policy-group"
DEFAULT_ACCOUNTS_GROUP = "default-accounts-policy-group"
# The older names some Pulumi docs use; both resolve to the same groups.
DEFAULT_ALIASES = {
    "default-preventative-policy-group": STACKS,
    "default-audit-policy-group": ACCOUNTS,
}
DEFAULT_NAMES = {STACKS: DEFAULT_STACKS_GROUP, ACCOUNTS: DEFAULT_ACCOUNTS_GROUP}

EXPLICIT = "explicit"
JOINED_BY_DEFAULT = "default"


@dataclass(frozen=True)
class Member:
    kind: str  # "stack" | "account"
    name: str
    source: str = EXPLICIT  # "explicit" | "default" (joined its default group when first seen)


@dataclass(frozen=True)
class PackPin:
    """A pack enabled in a group: ``version`` is a published version or ``latest``."""

    name: str
    version: str
    config: dict[str, Any] = field(default_factory=dict)
    modified_at: datetime | None = field(default=None, compare=False)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class Group:
    name: str
    entity_type: str
    mode: str
    is_default: bool
    members: tuple[Member, ...] = ()
    stack_patterns: tuple[str, ...] = ()
    account_patterns: tuple[str, ...] = ()
    tag_selectors: tuple[str, ...] = ()
    packs: tuple[PackPin, ...] = ()
    created_at: datetime | None = field(default=None, compare=False)
    modified_at: datetime | None = field(default=None, compare=False)
    revision: int = field(default=0, compare=False)

    @property
    def aliases(self) -> tuple[str, ...]:
        if not self.is_default:
            return ()
        return tuple(a for a, kind in DEFAULT_ALIASES.items() if kind == self.entity_type)

    @property
    def stacks(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.members if m.kind == "stack")

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.members if m.kind == "account")


@dataclass
class GroupEdit:
    """One ``group edit``: every list is applied in one transaction, removals before additions."""

    new_name: str | None = None
    add_stacks: list[str] = field(default_factory=list)
    remove_stacks: list[str] = field(default_factory=list)
    add_accounts: list[str] = field(default_factory=list)
    remove_accounts: list[str] = field(default_factory=list)
    add_stack_patterns: list[str] = field(default_factory=list)
    remove_stack_patterns: list[str] = field(default_factory=list)
    add_account_patterns: list[str] = field(default_factory=list)
    remove_account_patterns: list[str] = field(default_factory=list)
    add_tag_selectors: list[str] = field(default_factory=list)
    remove_tag_selectors: list[str] = field(default_factory=list)
    # (name, version-or-latest, config object in --policy-pack-config format or None, source for messages)
    add_packs: list[tuple[str, str, dict[str, Any] | None, str]] = field(default_factory=list)
    # (name, version or None for whichever is enabled)
    remove_packs: list[tuple[str, str | None]] = field(default_factory=list)
