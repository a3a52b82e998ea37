"""EBS volumes as ``aws:ebs/volume:Volume``."""

from __future__ import annotations

from typing import Any

from .props import compact, name_tag, rels, tags
from .spec import RawResource, arn_template, aws_resource


@aws_resource(
    "aws:ebs/volume:Volume",
    service="ec2",
    list_call="describe_volumes",
    result_path="Volumes",
    id_field="VolumeId",
    arn=arn_template("arn:{partition}:ec2:{region}:{account}:volume/{id}"),
    name_of=lambda raw: name_tag(raw.get("Tags"), raw.cloud_id),
    relationships=lambda raw: (
        rels("attachedTo", [a.get("InstanceId") for a in raw.get("Attachments") or []])
        + rels("kmsKey", raw.get("KmsKeyId"))
    ),
)
def volume_props(raw: RawResource) -> dict[str, Any]:
    """``aws:ebs/volume:Volume`` inputs."""
    return compact(
        {
            "availabilityZone": raw.get("AvailabilityZone"),
            "encrypted": bool(raw.get("Encrypted")),
            "kmsKeyId": raw.get("KmsKeyId"),
            "size": raw.get("Size"),
            "type": raw.get("VolumeType"),
            "iops": raw.get("Iops"),
            "throughput": raw.get("Throughput"),
            "multiAttachEnabled": raw.get("MultiAttachEnabled"),
            "snapshotId": raw.get("SnapshotId") or None,
            "outpostArn": raw.get("OutpostArn"),
            "tags": tags(raw.get("Tags")),
        }
    )
