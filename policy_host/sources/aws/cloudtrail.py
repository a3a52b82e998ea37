"""CloudTrail trails as ``aws:cloudtrail/trail:Trail``.

Each trail is reported once, in its home region (``includeShadowTrails=False``), even when it is a
multi-region trail.
"""

from __future__ import annotations

from typing import Any

from .props import compact, rels, tags
from .spec import DetailCall, RawResource, arn_from, aws_resource


def _relationships(raw: RawResource):
    return (
        rels("bucket", raw.get("S3BucketName"))
        + rels("kmsKey", raw.get("KmsKeyId"))
        + rels("logGroup", raw.get("CloudWatchLogsLogGroupArn"))
    )


@aws_resource(
    "aws:cloudtrail/trail:Trail",
    service="cloudtrail",
    list_call="describe_trails",
    list_params={"includeShadowTrails": False},
    result_path="trailList",
    id_field="Name",
    detail_calls=(
        DetailCall("status", "get_trail_status", lambda raw: {"Name": raw.get("TrailARN") or raw.cloud_id}),
        DetailCall(
            "tags",
            "list_tags",
            lambda raw: {"ResourceIdList": [raw.get("TrailARN")]} if raw.get("TrailARN") else None,
            result_path="ResourceTagList[0].TagsList",
        ),
    ),
    arn=arn_from("TrailARN"),
    name_of=lambda raw: raw.cloud_id,
    relationships=_relationships,
)
def trail_props(raw: RawResource) -> dict[str, Any]:
    """``aws:cloudtrail/trail:Trail`` inputs."""
    props: dict[str, Any] = {
        "name": raw.cloud_id,
        "s3BucketName": raw.get("S3BucketName"),
        "s3KeyPrefix": raw.get("S3KeyPrefix"),
        "snsTopicName": raw.get("SnsTopicName"),
        "includeGlobalServiceEvents": bool(raw.get("IncludeGlobalServiceEvents")),
        "isMultiRegionTrail": bool(raw.get("IsMultiRegionTrail")),
        "isOrganizationTrail": bool(raw.get("IsOrganizationTrail")),
        "enableLogFileValidation": bool(raw.get("LogFileValidationEnabled")),
        "kmsKeyId": raw.get("KmsKeyId"),
        "cloudWatchLogsGroupArn": raw.get("CloudWatchLogsLogGroupArn"),
        "cloudWatchLogsRoleArn": raw.get("CloudWatchLogsRoleArn"),
    }
    if "status" in raw.details:
        props["enableLogging"] = bool((raw.details["status"] or {}).get("IsLogging"))
    if "tags" in raw.details:
        props["tags"] = tags(raw.details["tags"])
    return compact(props)
