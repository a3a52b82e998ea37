"""The read-only IAM actions discovery needs, computed from the specs (never kept by hand).

Each list call and detail call names a boto3 operation; botocore's service model turns it into the
API operation name (``list_buckets`` -> ``ListBuckets``) and the service's IAM prefix. Where IAM
names the action differently from the operation (``s3:ListAllMyBuckets``), the spec says so in
``list_iam_action`` / ``DetailCall.iam_action``; ``permissions_augment`` adds the rare extra.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any

import botocore.session
from botocore import xform_name

from .index import load_specs

# IAM prefixes that differ from botocore's signing name (none of the covered services today; kept as
# the one place to say so when one is added).
IAM_PREFIX_OVERRIDES: dict[str, str] = {}

POLICY_SID = "PolicyHostDiscoveryReadOnly"


@functools.cache
def _service(service: str) -> tuple[str, dict[str, str]]:
    model = botocore.session.get_session().get_service_model(service)
    prefix = IAM_PREFIX_OVERRIDES.get(service) or model.signing_name or service
    return prefix, {xform_name(op): op for op in model.operation_names}


def iam_action(service: str, operation: str, override: str | None = None) -> str:
    """``iam_action("s3", "get_bucket_acl")`` -> ``s3:GetBucketAcl``; ``override`` wins."""
    if override:
        return override
    prefix, operations = _service(service)
    try:
        return f"{prefix}:{operations[operation]}"
    except KeyError:
        raise ValueError(f"{service} has no operation {operation!r}") from None


def required_actions(types: Iterable[str] | None = None) -> list[str]:
    """Sorted IAM actions needed to discover ``types`` (all discoverable types when None)."""
    specs, _ = load_specs(types)
    actions = {"sts:GetCallerIdentity"}
    for spec in specs:
        actions.add(iam_action(spec.service, spec.list_call, spec.list_iam_action))
        for call in spec.all_calls():
            actions.add(iam_action(call.service or spec.service, call.operation, call.iam_action))
        actions.update(spec.permissions_augment)
    return sorted(actions)


def policy_document(types: Iterable[str] | None = None) -> dict[str, Any]:
    """An IAM policy document granting exactly :func:`required_actions`."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": POLICY_SID, "Effect": "Allow", "Action": required_actions(types), "Resource": "*"}
        ],
    }


def policy_json(types: Iterable[str] | None = None) -> str:
    """:func:`policy_document` as indented JSON, ready to paste into the IAM console."""
    return json.dumps(policy_document(types), indent=2)
