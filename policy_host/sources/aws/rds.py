"""RDS DB instances as ``aws:rds/instance:Instance``. The master password is never readable."""

from __future__ import annotations

from typing import Any

from .props import compact, rels, tags
from .spec import RawResource, arn_from, aws_resource


def _relationships(raw: RawResource):
    return (
        rels("securityGroup", [g.get("VpcSecurityGroupId") for g in raw.get("VpcSecurityGroups") or []])
        + rels("kmsKey", raw.get("KmsKeyId"))
        + rels("vpc", raw.get("DBSubnetGroup.VpcId"))
    )


@aws_resource(
    "aws:rds/instance:Instance",
    service="rds",
    list_call="describe_db_instances",
    result_path="DBInstances",
    id_field="DBInstanceIdentifier",
    arn=arn_from("DBInstanceArn"),
    name_of=lambda raw: raw.cloud_id,
    relationships=_relationships,
)
def db_instance_props(raw: RawResource) -> dict[str, Any]:
    """``aws:rds/instance:Instance`` inputs."""
    parameter_groups = raw.get("DBParameterGroups") or []
    option_groups = raw.get("OptionGroupMemberships") or []
    return compact(
        {
            "identifier": raw.cloud_id,
            "instanceClass": raw.get("DBInstanceClass"),
            "engine": raw.get("Engine"),
            "engineVersion": raw.get("EngineVersion"),
            "allocatedStorage": raw.get("AllocatedStorage"),
            "maxAllocatedStorage": raw.get("MaxAllocatedStorage"),
            "storageType": raw.get("StorageType"),
            "iops": raw.get("Iops"),
            "storageThroughput": raw.get("StorageThroughput"),
            "storageEncrypted": bool(raw.get("StorageEncrypted")),
            "kmsKeyId": raw.get("KmsKeyId"),
            "publiclyAccessible": bool(raw.get("PubliclyAccessible")),
            "multiAz": raw.get("MultiAZ"),
            "availabilityZone": raw.get("AvailabilityZone"),
            "dbName": raw.get("DBName"),
            "username": raw.get("MasterUsername"),
            "port": raw.get("Endpoint.Port") or raw.get("DbInstancePort") or None,
            "backupRetentionPeriod": raw.get("BackupRetentionPeriod"),
            "backupWindow": raw.get("PreferredBackupWindow"),
            "maintenanceWindow": raw.get("PreferredMaintenanceWindow"),
            "autoMinorVersionUpgrade": raw.get("AutoMinorVersionUpgrade"),
            "copyTagsToSnapshot": raw.get("CopyTagsToSnapshot"),
            "deletionProtection": raw.get("DeletionProtection"),
            "iamDatabaseAuthenticationEnabled": raw.get("IAMDatabaseAuthenticationEnabled"),
            "performanceInsightsEnabled": raw.get("PerformanceInsightsEnabled"),
            "performanceInsightsKmsKeyId": raw.get("PerformanceInsightsKMSKeyId"),
            "monitoringInterval": raw.get("MonitoringInterval"),
            "monitoringRoleArn": raw.get("MonitoringRoleArn"),
            "enabledCloudwatchLogsExports": raw.get("EnabledCloudwatchLogsExports"),
            "caCertIdentifier": raw.get("CACertificateIdentifier"),
            "licenseModel": raw.get("LicenseModel"),
            "dbSubnetGroupName": raw.get("DBSubnetGroup.DBSubnetGroupName"),
            "parameterGroupName": parameter_groups[0].get("DBParameterGroupName")
            if parameter_groups
            else None,
            "optionGroupName": option_groups[0].get("OptionGroupName") if option_groups else None,
            "vpcSecurityGroupIds": sorted(
                g["VpcSecurityGroupId"] for g in raw.get("VpcSecurityGroups") or []
            ),
            "replicateSourceDb": raw.get("ReadReplicaSourceDBInstanceIdentifier"),
            "tags": tags(raw.get("TagList")),
        }
    )
