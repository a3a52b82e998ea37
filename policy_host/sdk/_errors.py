"""The error raised when a policy is declared with a bad argument."""

from __future__ import annotations

from ..errors import InputError

__all__ = ["PolicyDefinitionError"]


class PolicyDefinitionError(InputError, ValueError):
    """A policy was declared with a bad value (level, severity, types, schema, ...).

    Raised at definition time, i.e. when the pack module is imported, with one line naming the
    policy and the argument. It is also a ``ValueError`` so plain-Python callers can catch it.
    """
