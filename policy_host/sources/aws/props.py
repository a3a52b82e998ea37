"""Small converters from AWS API shapes to pulumi-aws input shapes, shared by the service mappers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

from ..discovered import Relationship


def compact(value: Any) -> Any:
    """Drop None values from dicts, recursively: an unset input is absent, not null."""
    if isinstance(value, dict):
        return {k: compact(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [compact(v) for v in value]
    return value


def tags(
    pairs: Iterable[Mapping[str, Any]] | Mapping[str, Any] | None, key: str = "Key", val: str = "Value"
) -> dict:
    """AWS tag lists (``[{"Key": k, "Value": v}]``, or a plain map) as the provider's ``tags`` map.

    Tags whose key starts with ``aws:`` are set by AWS itself, never by a program, so they are left out.
    """
    if not pairs:
        return {}
    if isinstance(pairs, Mapping):
        items = [(str(k), str(v)) for k, v in pairs.items()]
    else:
        items = [(str(p[key]), str(p.get(val, ""))) for p in pairs]
    return {k: v for k, v in sorted(items) if not k.startswith("aws:")}


def policy_json(document: Any) -> str | None:
    """A policy document as the compact JSON string the provider holds.

    IAM answers carry URL-encoded JSON (botocore usually decodes it into a dict already); other
    services return JSON text. Key order is kept as AWS returned it.
    """
    if document is None or document == "":
        return None
    if isinstance(document, str):
        text = document
        if text.lstrip().startswith("%7B") or "%22" in text:
            text = unquote(text)
        try:
            document = json.loads(text)
        except ValueError:
            return text  # not JSON: hand it over as is rather than guess
    return json.dumps(document, separators=(",", ":"))


def name_tag(raw_tags: Iterable[Mapping[str, Any]] | None, default: str) -> str:
    """The value of the ``Name`` tag, or ``default``."""
    for t in raw_tags or ():
        if t.get("Key") == "Name" and t.get("Value"):
            return str(t["Value"])
    return default


def partition_of(region: str) -> str:
    """The ARN partition of a region."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-iso-"):
        return "aws-iso"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    return "aws"


def rels(kind: str, targets: Iterable[Any] | Any) -> list[Relationship]:
    """Relationships of one kind to each non-empty target (a single value or an iterable)."""
    if targets is None:
        return []
    if isinstance(targets, str):
        targets = [targets]
    return [Relationship(kind, str(t)) for t in targets if t]


def last_segment(arn: str | None) -> str | None:
    """``arn:aws:iam::1:instance-profile/path/web`` -> ``web``."""
    if not arn:
        return None
    return arn.rsplit("/", 1)[-1]
