"""Exemptions as plain data: which policies, where, why, who, until when."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from ..errors import InputError

ACTIVE = "active"
EXPIRED = "expired"
_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")


@dataclass(frozen=True)
class Exemption:
    """Policy refs x scope. Unset scope fields match anything; set ones must all match.

    ``policies`` holds globs over policy names, optionally ``pack:policy`` to name one pack's policy.
    ``stack``/``account`` are entity patterns (a stack exemption never matches an account and back).
    ``resource_tags`` are ``key -> value glob`` that must all hold for the resource's tags.
    """

    id: str
    policies: tuple[str, ...]
    reason: str
    owner: str
    urn: str | None = None
    resource_type: str | None = None
    stack: str | None = None
    account: str | None = None
    resource_tags: dict[str, str] = field(default_factory=dict, hash=False)
    expires_at: datetime | None = None
    created_at: datetime | None = field(default=None, compare=False)

    def status(self, now: datetime) -> str:
        """``active`` or ``expired`` at ``now`` (an exemption expires at its ``expires_at`` instant)."""
        return EXPIRED if self.expires_at is not None and now >= self.expires_at else ACTIVE

    def is_active(self, now: datetime) -> bool:
        return self.status(now) == ACTIVE

    @property
    def scope_text(self) -> str:
        parts = []
        for label, value in (
            ("urn", self.urn),
            ("type", self.resource_type),
            ("stack", self.stack),
            ("account", self.account),
        ):
            if value:
                parts.append(f"{label}={value}")
        parts.extend(f"tag:{k}={v}" for k, v in sorted(self.resource_tags.items()))
        return " ".join(parts) or "everywhere"


def check_id(value: str) -> str:
    if not _ID.match(value or ""):
        raise InputError(f"invalid exemption id {value!r}: use 1-100 letters, digits, '-', '_' or '.'")
    return value


def parse_expiry(value: str | date | datetime | None) -> datetime | None:
    """A date (valid through that day, UTC) or an ISO 8601 datetime (naive means UTC) -> aware UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        return datetime.combine(value + timedelta(days=1), time(0), UTC)
    else:
        text = str(value).strip()
        try:
            if len(text) == 10:
                return datetime.combine(date.fromisoformat(text) + timedelta(days=1), time(0), UTC)
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(
                f"invalid expiry {text!r}: expected a date YYYY-MM-DD or an ISO 8601 time like 2026-01-31T18:00Z"
            ) from None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def format_time(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z`` (seconds precision unless finer is needed)."""
    if dt is None:
        return None
    dt = dt.astimezone(UTC)
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if dt.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return dt.strftime(fmt)
