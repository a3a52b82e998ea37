"""Does an exemption cover this violation? ``match`` is called per diagnostic, so it stays cheap."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..entities.patterns import compile_account_pattern, compile_stack_pattern
from ..entities.ref import ACCOUNT, STACK, EntityRef
from ..errors import InputError
from ..model import Resource
from ..wire.values import is_secret
from .model import Exemption, check_id

_POLICY_REF = re.compile(r"^(?:(?P<pack>[A-Za-z0-9_.\-]{1,100}):)?(?P<policy>[^:\s]+)$")
# Where providers keep resource tags, in order of preference.
_TAG_PATHS: tuple[tuple[str, ...], ...] = (("tags",), ("tagsAll",), ("labels",), ("metadata", "labels"))


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern))


def glob_match(pattern: str, value: str) -> bool:
    """``fnmatch`` semantics, case-sensitive: ``*`` matches any characters, ``/`` and ``:`` included."""
    return _glob(pattern).match(value) is not None


def split_policy_ref(ref: str) -> tuple[str | None, str]:
    """``[pack:]policy-glob`` -> (pack or None, policy glob); InputError when malformed."""
    m = _POLICY_REF.match(ref or "")
    if m is None:
        raise InputError(f"invalid policy reference {ref!r}: expected POLICY or PACK:POLICY (globs allowed)")
    return m["pack"], m["policy"]


def validate(ex: Exemption) -> Exemption:
    """Check every field's syntax; returns ``ex`` unchanged or raises InputError naming the field."""
    check_id(ex.id)
    if not ex.policies:
        raise InputError(f"exemption {ex.id}: name at least one policy")
    for ref in ex.policies:
        split_policy_ref(ref)
    if not ex.reason.strip():
        raise InputError(f"exemption {ex.id}: a reason is required")
    if not ex.owner.strip():
        raise InputError(f"exemption {ex.id}: an owner is required")
    if ex.stack is not None:
        compile_stack_pattern(ex.stack)
    if ex.account is not None:
        compile_account_pattern(ex.account)
    for key in ex.resource_tags:
        if not str(key).strip():
            raise InputError(f"exemption {ex.id}: empty resource tag key")
    return ex


def urn_type(urn: str) -> str:
    """The resource type token inside a URN (``urn:pulumi:stack::project::[parent$]type::name``)."""
    parts = urn.split("::")
    if len(parts) < 4:
        return ""
    return parts[2].rsplit("$", 1)[-1]


def _unsecret(value: Any) -> Any:
    return value.get("value") if is_secret(value) else value


def resource_tags(resource: Resource) -> dict[str, str]:
    """The resource's tags from its properties (``tags``, ``tagsAll``, ``labels``, ``metadata.labels``)."""
    for path in _TAG_PATHS:
        value: Any = resource.properties
        for key in path:
            value = _unsecret(value)
            value = value.get(key) if isinstance(value, dict) else None
        value = _unsecret(value)
        if isinstance(value, dict) and value:
            return {str(k): str(_unsecret(v)) for k, v in value.items() if not isinstance(_unsecret(v), dict)}
    return {}


def covers_entity(ex: Exemption, entity: EntityRef) -> bool:
    """True when the exemption's stack/account scope admits ``entity`` (no scope admits all)."""
    if ex.stack is None and ex.account is None:
        return True
    if entity.kind == STACK and ex.stack is not None:
        return compile_stack_pattern(ex.stack).match(entity.name) is not None
    if entity.kind == ACCOUNT and ex.account is not None:
        return compile_account_pattern(ex.account).match(entity.name) is not None
    return False


def covers_policy(ex: Exemption, policy_name: str, pack_name: str | None = None) -> bool:
    for ref in ex.policies:
        pack, policy = split_policy_ref(ref)
        if pack is not None and pack != pack_name:
            continue
        if glob_match(policy, policy_name):
            return True
    return False


def covers_resource(ex: Exemption, resource: Resource | str | None) -> bool:
    """URN, type and tag scope. A URN string alone carries no tags; ``None`` (a stack-level violation
    without a resource) is covered only by an exemption with no resource scope."""
    if resource is None:
        return ex.urn is None and ex.resource_type is None and not ex.resource_tags
    if isinstance(resource, str):
        urn, rtype, tags = resource, urn_type(resource), None
    else:
        urn, rtype, tags = resource.urn, resource.type or urn_type(resource.urn), None
    if ex.urn is not None and not glob_match(ex.urn, urn):
        return False
    if ex.resource_type is not None and not glob_match(ex.resource_type, rtype):
        return False
    if ex.resource_tags:
        if isinstance(resource, str):
            return False
        tags = resource_tags(resource)
        for key, pattern in ex.resource_tags.items():
            if key not in tags or not glob_match(str(pattern), tags[key]):
                return False
    return True


def match(
    exemptions: Iterable[Exemption],
    resource: Resource | str | None,
    entity: EntityRef,
    policy_name: str,
    now: datetime,
    *,
    pack_name: str | None = None,
) -> Exemption | None:
    """The first active exemption (by id) covering ``policy_name`` on ``resource`` in ``entity``, or None.

    ``resource`` may be a Resource, a bare URN, or None for a stack-level violation. Expired exemptions
    never match. ``pack_name`` lets ``pack:policy`` references tell same-named policies apart.
    """
    for ex in sorted(exemptions, key=lambda e: e.id):
        if not ex.is_active(now):
            continue
        if (
            covers_policy(ex, policy_name, pack_name)
            and covers_entity(ex, entity)
            and covers_resource(ex, resource)
        ):
            return ex
    return None
