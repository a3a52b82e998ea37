"""Scan schedules: ``none``, ``12h``, ``daily`` or a five-field cron expression (UTC), and when a scan is due.

The product's schedules are ``none | 12h | daily``; cron expressions are accepted on top (croniter).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from croniter import croniter

from ..errors import UsageError

NONE = "none"
INTERVALS = {"12h": timedelta(hours=12), "daily": timedelta(days=1)}
DEFAULT_SCHEDULE = "daily"


def parse_schedule(text: str) -> str:
    """The schedule in canonical spelling; UsageError naming the accepted forms otherwise."""
    value = " ".join((text or "").split())
    lowered = value.lower()
    if lowered in (NONE, *INTERVALS):
        return lowered
    if lowered == "24h":
        return "daily"
    if len(value.split(" ")) == 5 and croniter.is_valid(value):
        return value
    raise UsageError(
        f"invalid schedule {text!r}: use none, 12h, daily or a cron expression such as '0 3 * * *'"
    )


def next_due(
    schedule: str, last_start: datetime | None, now: datetime, *, interval: float | None = None
) -> datetime | None:
    """When the next scan is due, or None for ``none``.

    Never scanned: due now. ``interval`` (seconds) replaces every schedule other than ``none`` (tests and
    operators who want a tight loop). Cron times are computed from the last scan's start, so a missed
    slot (the scheduler was down) is caught up once, not once per missed slot.
    """
    if schedule == NONE:
        return None
    if last_start is None:
        return now
    if interval is not None:
        return last_start + timedelta(seconds=interval)
    step = INTERVALS.get(schedule)
    if step is not None:
        return last_start + step
    return croniter(schedule, last_start).get_next(datetime)
