"""Pulumi URNs: ``urn:pulumi:<stack>::<project>::<qualified type>::<name>``.

The qualified type chains parent types with ``$`` (``eks:index:Cluster$aws:eks/cluster:Cluster``); the
resource's own type is the last segment. Names may themselves contain ``::``.
"""

from __future__ import annotations

PREFIX = "urn:pulumi:"


def is_urn(urn: str) -> bool:
    """A well-formed Pulumi URN (what the display needs to print ``(type: name)``)."""
    return urn.startswith(PREFIX) and len(urn.split("::", 3)) == 4


def urn_name(urn: str) -> str:
    """The resource name part of a URN (everything after the type); the input itself if not a URN."""
    pieces = urn.split("::", 3)
    return pieces[3] if len(pieces) == 4 else urn


def urn_type(urn: str) -> str:
    """The resource's own type token; empty if not a URN."""
    pieces = urn.split("::", 3)
    return pieces[2].rsplit("$", 1)[-1] if len(pieces) == 4 else ""


def urn_stack_project(urn: str) -> tuple[str, str]:
    """(stack, project) of a URN; empty strings if not a URN."""
    if not urn.startswith(PREFIX):
        return "", ""
    pieces = urn[len(PREFIX) :].split("::")
    return (pieces[0], pieces[1]) if len(pieces) >= 2 else ("", "")


def stack_urn(stack: str, project: str) -> str:
    """The root stack resource's URN, as the engine builds it."""
    return f"{PREFIX}{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"
