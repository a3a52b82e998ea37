"""Exemptions: first-class, scoped, reasoned, owned and optionally expiring waivers of policies.

An exempted violation is still reported (marked with the exemption's id and reason); an exempted
mandatory violation does not block. ``match`` decides; the evaluation layer applies the marking.
"""

from __future__ import annotations

from .match import covers_entity, match, resource_tags, urn_type
from .model import ACTIVE, EXPIRED, Exemption, parse_expiry
from .service import create, get_exemption, list_exemptions, new_id, remove

__all__ = [
    "ACTIVE",
    "EXPIRED",
    "Exemption",
    "covers_entity",
    "create",
    "get_exemption",
    "list_exemptions",
    "match",
    "new_id",
    "parse_expiry",
    "remove",
    "resource_tags",
    "urn_type",
]
