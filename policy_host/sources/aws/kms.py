"""KMS customer-managed keys as ``aws:kms/key:Key``, with their rotation status.

AWS-managed keys (``alias/aws/...``) are skipped: no program can declare them.
"""

from __future__ import annotations

from typing import Any

from .props import compact, policy_json, tags
from .spec import DetailCall, RawResource, arn_from, aws_resource


def _key(raw: RawResource) -> dict[str, str]:
    return {"KeyId": raw.cloud_id}


@aws_resource(
    "aws:kms/key:Key",
    service="kms",
    list_call="list_keys",
    result_path="Keys",
    id_field="KeyId",
    detail_calls=(
        DetailCall("metadata", "describe_key", _key, result_path="KeyMetadata"),
        DetailCall(
            "rotation",
            "get_key_rotation_status",
            _key,
            # asymmetric and HMAC keys cannot rotate: the API refuses rather than answering False
            missing_codes=("UnsupportedOperationException",),
        ),
        DetailCall(
            "policy", "get_key_policy", lambda raw: {"KeyId": raw.cloud_id, "PolicyName": "default"}, "Policy"
        ),
        DetailCall("tags", "list_resource_tags", _key, result_path="Tags"),
    ),
    keep=lambda raw: raw.detail("metadata", "KeyManager") != "AWS",
    arn=arn_from("KeyArn"),
    name_of=lambda raw: raw.cloud_id,
)
def key_props(raw: RawResource) -> dict[str, Any]:
    """``aws:kms/key:Key`` inputs."""
    meta = raw.details.get("metadata") or {}
    props: dict[str, Any] = {
        "description": meta.get("Description", ""),
        "keyUsage": meta.get("KeyUsage"),
        "customerMasterKeySpec": meta.get("KeySpec") or meta.get("CustomerMasterKeySpec"),
        "isEnabled": meta.get("Enabled"),
        "multiRegion": meta.get("MultiRegion"),
        "customKeyStoreId": meta.get("CustomKeyStoreId"),
        "policy": policy_json(raw.details.get("policy")),
    }
    if "rotation" in raw.details:
        rotation = raw.details["rotation"] or {}
        props["enableKeyRotation"] = bool(rotation.get("KeyRotationEnabled"))
        if rotation.get("RotationPeriodInDays"):
            props["rotationPeriodInDays"] = rotation["RotationPeriodInDays"]
    if "tags" in raw.details:
        props["tags"] = tags(raw.details["tags"], key="TagKey", val="TagValue")
    return compact(props)
