"""Retry on throttling with exponential backoff and full jitter.

botocore already retries every call (``retries`` in the client config: standard or adaptive mode).
Detail reads run many calls per resource in parallel, so they get a second, slower layer here: when
botocore gives up on a throttled call, wait ``random(0, min(cap, base * 2**attempt))`` and try again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from botocore.exceptions import ClientError

T = TypeVar("T")

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError, else the exception's class name."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "ClientError")
    return type(exc).__name__


def is_throttling(exc: BaseException) -> bool:
    return isinstance(exc, ClientError) and error_code(exc) in THROTTLING_CODES


@dataclass(frozen=True)
class Backoff:
    """``attempts`` tries in all; delays grow from ``base`` seconds, capped at ``cap``."""

    attempts: int = 4
    base: float = 0.25
    cap: float = 20.0

    def delay(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Full-jitter delay before retry number ``attempt`` (0-based)."""
        return rng() * min(self.cap, self.base * (2**attempt))


def call_with_backoff(
    fn: Callable[[], T],
    backoff: Backoff,
    *,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
    on_retry: Callable[[int, BaseException], None] | None = None,
) -> T:
    """Call ``fn``; on a throttling error wait and retry, up to ``backoff.attempts`` tries in all.

    Any other error, and the last throttling error, propagate unchanged.
    """
    attempt = 0
    while True:
        try:
            return fn()
        except ClientError as exc:
            if not is_throttling(exc) or attempt + 1 >= backoff.attempts:
                raise
            if on_retry is not None:
                on_retry(attempt, exc)
            sleep(backoff.delay(attempt, rng))
            attempt += 1
