"""Calling a policy's validator with the SDK's semantics but without its per-call overhead.

``ResourceValidationPolicy.validate`` (pulumi_policy 1.21.0) wraps one callable or a list: it calls each
in order (a sync exception stops the rest at once), collects returned awaitables and returns one
coroutine that awaits them one after another, turning any failure other than ``UnknownValueError`` or
not-applicable into ``RuntimeError("Validation failed: <e>")``. We bind the same behaviour once per policy
at prepare time. Subclasses that override ``validate`` keep their own method.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any

from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError

Validator = Callable[[Any, Callable[..., None]], Any]


async def _await_all(awaitables: list[Awaitable[Any]]) -> None:
    for result in awaitables:
        try:
            await result
        except (UnknownValueError, _NotApplicableError):
            raise
        except Exception as e:  # noqa: BLE001 - the SDK's exact wrapping
            raise RuntimeError(f"Validation failed: {e}") from e


def _single(fn: Validator) -> Validator:
    def call(args: Any, report: Callable[..., None]) -> Any:
        result = fn(args, report)
        if result is not None and isawaitable(result):
            return _await_all([result])
        return None

    return call


def _many(fns: list[Validator]) -> Validator:
    def call(args: Any, report: Callable[..., None]) -> Any:
        pending = None
        for fn in fns:
            result = fn(args, report)
            if result is not None and isawaitable(result):
                if pending is None:
                    pending = []
                pending.append(result)
        return _await_all(pending) if pending else None

    return call


def resource_validator(policy: Any) -> Validator:
    """The call that validates ``policy`` exactly as ``policy.validate`` would."""
    if type(policy) is ResourceValidationPolicy:
        fns = policy._ResourceValidationPolicy__validate  # noqa: SLF001 - bound once, read-only
        if fns is None:
            return policy.validate  # remediate-only: the SDK's own method returns None
        if isinstance(fns, list):
            return _many(list(fns))
        return _single(fns)
    return policy.validate


def stack_validator(policy: Any) -> Validator:
    """``StackValidationPolicy.validate`` returns the callable's awaitable as is; so do we."""
    if type(policy) is StackValidationPolicy:
        fn = policy._StackValidationPolicy__validate  # noqa: SLF001
        if fn is not None:
            return fn
    return policy.validate
