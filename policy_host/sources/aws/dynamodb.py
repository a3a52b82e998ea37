"""DynamoDB tables as ``aws:dynamodb/table:Table``."""

from __future__ import annotations

from typing import Any

from .props import compact, rels, tags
from .spec import DetailCall, RawResource, aws_resource


def _table(raw: RawResource) -> dict[str, str]:
    return {"TableName": raw.cloud_id}


def _keys(schema: list[dict[str, Any]] | None) -> tuple[str | None, str | None]:
    hash_key = next((k["AttributeName"] for k in schema or [] if k.get("KeyType") == "HASH"), None)
    range_key = next((k["AttributeName"] for k in schema or [] if k.get("KeyType") == "RANGE"), None)
    return hash_key, range_key


def _index(index: dict[str, Any], provisioned: bool) -> dict[str, Any]:
    hash_key, range_key = _keys(index.get("KeySchema"))
    projection = index.get("Projection") or {}
    throughput = index.get("ProvisionedThroughput") or {}
    return compact(
        {
            "name": index.get("IndexName"),
            "hashKey": hash_key,
            "rangeKey": range_key,
            "projectionType": projection.get("ProjectionType"),
            "nonKeyAttributes": sorted(projection.get("NonKeyAttributes") or []) or None,
            "readCapacity": throughput.get("ReadCapacityUnits") if provisioned else None,
            "writeCapacity": throughput.get("WriteCapacityUnits") if provisioned else None,
        }
    )


@aws_resource(
    "aws:dynamodb/table:Table",
    service="dynamodb",
    list_call="list_tables",
    result_path="TableNames",
    id_field="TableName",
    detail_calls=(
        DetailCall("table", "describe_table", _table, result_path="Table"),
        DetailCall(
            "backups", "describe_continuous_backups", _table, result_path="ContinuousBackupsDescription"
        ),
        DetailCall("ttl", "describe_time_to_live", _table, result_path="TimeToLiveDescription"),
        DetailCall(
            "tags",
            "list_tags_of_resource",
            lambda raw: (
                {"ResourceArn": raw.detail("table", "TableArn")} if raw.detail("table", "TableArn") else None
            ),
            result_path="Tags",
        ),
    ),
    arn=lambda raw: raw.detail("table", "TableArn"),
    name_of=lambda raw: raw.cloud_id,
    relationships=lambda raw: rels("kmsKey", raw.detail("table", "SSEDescription.KMSMasterKeyArn")),
)
def table_props(raw: RawResource) -> dict[str, Any]:
    """``aws:dynamodb/table:Table`` inputs."""
    t = raw.details.get("table") or {}
    billing = (t.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
    provisioned = billing == "PROVISIONED"
    hash_key, range_key = _keys(t.get("KeySchema"))
    throughput = t.get("ProvisionedThroughput") or {}
    sse = t.get("SSEDescription") or {}
    stream = t.get("StreamSpecification") or {}
    props: dict[str, Any] = {
        "name": raw.cloud_id,
        "billingMode": billing,
        "hashKey": hash_key,
        "rangeKey": range_key,
        "attributes": sorted(
            (
                {"name": a["AttributeName"], "type": a["AttributeType"]}
                for a in t.get("AttributeDefinitions") or []
            ),
            key=lambda a: a["name"],
        ),
        "readCapacity": throughput.get("ReadCapacityUnits") if provisioned else None,
        "writeCapacity": throughput.get("WriteCapacityUnits") if provisioned else None,
        "globalSecondaryIndexes": [_index(i, provisioned) for i in t.get("GlobalSecondaryIndexes") or []]
        or None,
        "localSecondaryIndexes": [_index(i, False) for i in t.get("LocalSecondaryIndexes") or []] or None,
        "streamEnabled": bool(stream.get("StreamEnabled")),
        "streamViewType": stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
        # No SSEDescription means the AWS-owned default key, which the provider reads as enabled=false.
        "serverSideEncryption": compact(
            {
                "enabled": sse.get("Status") in ("ENABLED", "ENABLING", "UPDATING"),
                "kmsKeyArn": sse.get("KMSMasterKeyArn"),
            }
        ),
        "deletionProtectionEnabled": t.get("DeletionProtectionEnabled"),
        "tableClass": (t.get("TableClassSummary") or {}).get("TableClass"),
    }
    if "backups" in raw.details:
        pitr = (raw.details["backups"] or {}).get("PointInTimeRecoveryDescription") or {}
        props["pointInTimeRecovery"] = {"enabled": pitr.get("PointInTimeRecoveryStatus") == "ENABLED"}
    if "ttl" in raw.details:
        ttl = raw.details["ttl"] or {}
        props["ttl"] = compact(
            {
                "enabled": ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"),
                "attributeName": ttl.get("AttributeName"),
            }
        )
    if "tags" in raw.details:
        props["tags"] = tags(raw.details["tags"])
    return compact(props)
