"""Points in time on the command line: ``30d``, ``12h``, ``2w``, ``90m`` ago, or an ISO 8601 date/time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ..errors import UsageError

_AGO = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(text: str, *, now: datetime, what: str = "--since") -> datetime:
    """``text`` as an aware UTC datetime: a duration before ``now`` or an ISO date (UTC midnight) or time."""
    raw = text.strip()
    match = _AGO.match(raw)
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"invalid {what} {text!r}: expected a duration such as 30d, 12h, 2w, 90m or an ISO 8601 date"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def format_duration(seconds: float | None) -> str:
    """``2d 3h``, ``5h 12m``, ``42s``; ``-`` for None."""
    if seconds is None:
        return "-"
    total = int(round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"
