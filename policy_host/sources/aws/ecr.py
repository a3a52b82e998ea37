"""ECR repositories as ``aws:ecr/repository:Repository``."""

from __future__ import annotations

from typing import Any

from .props import compact, rels, tags
from .spec import DetailCall, RawResource, arn_from, aws_resource


@aws_resource(
    "aws:ecr/repository:Repository",
    service="ecr",
    list_call="describe_repositories",
    result_path="repositories",
    id_field="repositoryName",
    detail_calls=(
        DetailCall(
            "tags",
            "list_tags_for_resource",
            lambda raw: {"resourceArn": raw.get("repositoryArn")},
            result_path="tags",
        ),
    ),
    arn=arn_from("repositoryArn"),
    name_of=lambda raw: raw.cloud_id,
    relationships=lambda raw: rels("kmsKey", raw.get("encryptionConfiguration.kmsKey")),
)
def repository_props(raw: RawResource) -> dict[str, Any]:
    """``aws:ecr/repository:Repository`` inputs."""
    encryption = raw.get("encryptionConfiguration") or {}
    scanning = raw.get("imageScanningConfiguration") or {}
    props = {
        "name": raw.cloud_id,
        "imageTagMutability": raw.get("imageTagMutability"),
        "imageScanningConfiguration": {"scanOnPush": bool(scanning.get("scanOnPush"))},
        "encryptionConfigurations": [
            compact({"encryptionType": encryption.get("encryptionType"), "kmsKey": encryption.get("kmsKey")})
        ]
        if encryption
        else None,
    }
    if "tags" in raw.details:
        props["tags"] = tags(raw.details["tags"])
    return compact(props)
