"""Resource type filters for authored policies: the attribute the host reads and the reason it reports.

A policy built by :func:`policy_host.sdk.resource_policy` (or :func:`~policy_host.sdk.stack_policy` with
``types=``) carries :data:`RESOURCE_TYPES_ATTR`, a frozenset of type tokens. The host uses it as a fast
path: a resource whose type is not in the set is reported not-applicable without decoding it. The
policy's own wrapper does the same check under ``pulumi_policy``'s server, with the reason built here,
so both runtimes give identical verdicts. Keep this the only place that formats the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pulumi

# The attribute and the reason text live below the SDK (the evaluation core reads them too).
from ..packs.typed import RESOURCE_TYPES_ATTR, not_applicable_reason, resource_types_of
from ._errors import PolicyDefinitionError

__all__ = ["RESOURCE_TYPES_ATTR", "not_applicable_reason", "resolve_types", "resource_types_of"]

# <package>:<module>:<Type>; the module part may be empty (``pulumi:providers:aws`` has three parts,
# ``random:index/randomPassword:RandomPassword`` has a slash in the middle).
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_.-]+:[A-Za-z0-9_./-]*:[A-Za-z0-9_.-]+$")


def resolve_types(types: Iterable[Any], *, policy: str) -> frozenset[str]:
    """Normalise type tokens or provider SDK classes into a frozenset of type tokens.

    A class is resolved with ``pulumi.get_type_token`` (provider SDKs generated with the
    ``@pulumi.type_token`` decorator). Anything else fails here, at definition, naming the policy.
    """
    if isinstance(types, str | bytes) or not isinstance(types, Iterable):
        raise PolicyDefinitionError(f"policy '{policy}': types must be a list of type tokens, got {types!r}")
    tokens: set[str] = set()
    for item in types:
        if isinstance(item, type):
            token = pulumi.get_type_token(item)
            if not token:
                raise PolicyDefinitionError(
                    f"policy '{policy}': class {item.__module__}.{item.__qualname__} has no Pulumi type token "
                    "(provider SDK too old?); pass the type token string instead"
                )
        elif isinstance(item, str):
            token = item
        else:
            raise PolicyDefinitionError(
                f"policy '{policy}': a type must be a type token string or a resource class, got {item!r}"
            )
        if not _TOKEN_RE.match(token):
            raise PolicyDefinitionError(
                f"policy '{policy}': {token!r} is not a type token like 'aws:s3/bucket:Bucket'"
            )
        tokens.add(token)
    if not tokens:
        raise PolicyDefinitionError(f"policy '{policy}': types must name at least one resource type")
    return frozenset(tokens)
