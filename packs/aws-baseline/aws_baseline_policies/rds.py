"""RDS: storage encryption and public accessibility."""

from __future__ import annotations

from policy_host.sdk import props_get, resource_policy

from ._common import cis

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"


def check_storage_encrypted(args, report_violation) -> None:
    p = args.props
    if props_get(p, "storageEncrypted") is True:
        return
    if args.resource_type == INSTANCE and props_get(p, "replicateSourceDb") is not None:
        return  # a read replica inherits its source's encryption
    if args.resource_type == CLUSTER and props_get(p, "engineMode") == "serverless":
        return  # Aurora Serverless v1 clusters are always encrypted
    report_violation(
        "storageEncrypted is not true; the database storage, backups and snapshots are unencrypted."
    )


storage_encrypted = resource_policy(
    "rds-storage-encrypted",
    "RDS instances and clusters must encrypt their storage.",
    types=[INSTANCE, CLUSTER],
    validate=check_storage_encrypted,
    severity="high",
    framework=cis("2.3.1"),
    tags=["rds", "encryption"],
    remediation_steps="Set storageEncrypted = true (and kmsKeyId for a customer-managed key). An existing "
    "database cannot be encrypted in place: restore an encrypted copy of a snapshot and switch over.",
    url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html",
)


def check_not_public(args, report_violation) -> None:
    if props_get(args.props, "publiclyAccessible") is True:
        report_violation("publiclyAccessible is true; the database gets a public DNS name and address.")


not_public = resource_policy(
    "rds-no-public-access",
    "RDS database instances must not be publicly accessible.",
    types=[INSTANCE, CLUSTER_INSTANCE],
    validate=check_not_public,
    severity="critical",
    level="mandatory",
    framework=cis("2.3.3"),
    tags=["rds", "network"],
    remediation_steps="Set publiclyAccessible = false, place the instance in private subnets, and reach it "
    "through the application's security group, a VPN or Session Manager port forwarding.",
    url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html",
)

POLICIES = [storage_encrypted, not_public]
