"""gcp-baseline policies for the ``gcp`` provider (Cloud Storage, Compute Engine, Cloud SQL)."""

from __future__ import annotations

import json

from policy_host.sdk import props_get, resource_policy, to_plain

BUCKET = "gcp:storage/bucket:Bucket"
IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
IAM_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding"
IAM_POLICY = "gcp:storage/bucketIAMPolicy:BucketIAMPolicy"
BUCKET_ACL = "gcp:storage/bucketAccessControl:BucketAccessControl"
OBJECT_ACL = "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl"
INSTANCE = "gcp:compute/instance:Instance"
SQL_INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"

PUBLIC_PRINCIPALS = {"allUsers", "allAuthenticatedUsers"}


def cis_gcp(reference: str) -> tuple[str, str, str]:
    """A CIS Google Cloud Platform Foundation Benchmark 2.0.0 control."""
    return ("CIS Google Cloud Platform Foundation Benchmark", "2.0.0", reference)


# -- Cloud Storage ---------------------------------------------------------------------------------


def check_uniform_access(args, report_violation) -> None:
    if props_get(args.props, "uniformBucketLevelAccess") is not True:
        report_violation("uniformBucketLevelAccess is not true; object ACLs can grant access around IAM.")


uniform_access = resource_policy(
    "gcs-uniform-bucket-level-access",
    "Cloud Storage buckets must use uniform bucket-level access (IAM only, no object ACLs).",
    types=[BUCKET],
    validate=check_uniform_access,
    severity="medium",
    framework=cis_gcp("5.2"),
    tags=["gcp", "storage"],
    remediation_steps="Set uniformBucketLevelAccess = true after replacing any object ACL grants with IAM "
    "bindings; it can be reverted for 90 days only.",
    url="https://cloud.google.com/storage/docs/uniform-bucket-level-access",
)


def check_public_access_prevention(args, report_violation) -> None:
    value = props_get(args.props, "publicAccessPrevention")
    if value != "enforced":
        shown = "not set (inherited)" if value is None else f"'{value}'"
        report_violation(f"publicAccessPrevention is {shown}; the bucket can be made public.")


public_access_prevention = resource_policy(
    "gcs-public-access-prevention",
    "Cloud Storage buckets must enforce public access prevention.",
    types=[BUCKET],
    validate=check_public_access_prevention,
    severity="high",
    framework=cis_gcp("5.1"),
    tags=["gcp", "storage", "public-access"],
    remediation_steps="Set publicAccessPrevention = 'enforced' (or enforce the "
    "storage.publicAccessPrevention organization policy). Serve public content through a load balancer "
    "with Cloud CDN instead of a public bucket.",
    url="https://cloud.google.com/storage/docs/public-access-prevention",
)


def _members(args) -> list[str]:
    p = args.props
    if args.resource_type == IAM_MEMBER:
        return [props_get(p, "member")]
    if args.resource_type == IAM_BINDING:
        return list(props_get(p, "members", []))
    if args.resource_type in (BUCKET_ACL, OBJECT_ACL):
        return [props_get(p, "entity")]
    data = props_get(p, "policyData")
    policy = json.loads(data) if isinstance(data, str) else to_plain(data) or {}
    return [m for b in policy.get("bindings", []) for m in b.get("members", [])]


def check_public_members(args, report_violation) -> None:
    public = sorted({m for m in _members(args) if m in PUBLIC_PRINCIPALS})
    if public:
        report_violation(f"Grants access to {', '.join(public)}.")


no_public_members = resource_policy(
    "gcs-no-public-members",
    "Cloud Storage buckets must not grant access to allUsers or allAuthenticatedUsers.",
    types=[IAM_MEMBER, IAM_BINDING, IAM_POLICY, BUCKET_ACL, OBJECT_ACL],
    validate=check_public_members,
    severity="critical",
    level="mandatory",
    framework=cis_gcp("5.1"),
    tags=["gcp", "storage", "public-access"],
    remediation_steps="Remove allUsers/allAuthenticatedUsers from bucket IAM and ACLs; share with specific "
    "principals or signed URLs.",
    url="https://cloud.google.com/storage/docs/access-control/making-data-public",
)

# -- Compute Engine ----------------------------------------------------------------------------------


def check_public_ip(args, report_violation) -> None:
    for i, nic in enumerate(props_get(args.props, "networkInterfaces", [])):
        if props_get(nic, "accessConfigs", []):
            report_violation(f"Network interface {i} has an external IP (accessConfigs).")


no_public_ip = resource_policy(
    "gce-no-public-ip",
    "Compute Engine instances must not have external IP addresses.",
    types=[INSTANCE],
    validate=check_public_ip,
    severity="medium",
    framework=cis_gcp("4.9"),
    tags=["gcp", "compute", "network"],
    remediation_steps="Remove accessConfigs from the network interfaces; reach instances through IAP TCP "
    "forwarding and give them egress through Cloud NAT.",
    url="https://cloud.google.com/compute/docs/ip-addresses/configure-static-external-ip-address",
)

# -- Cloud SQL -------------------------------------------------------------------------------------


def check_sql_networks(args, report_violation) -> None:
    for network in props_get(args.props, "settings.ipConfiguration.authorizedNetworks", []):
        if props_get(network, "value") in ("0.0.0.0/0", "::/0"):
            report_violation(
                f"Authorized network '{props_get(network, 'name', '?')}' admits {props_get(network, 'value')}."
            )


sql_no_open_networks = resource_policy(
    "gcp-sql-no-public-authorized-networks",
    "Cloud SQL instances must not authorize connections from 0.0.0.0/0.",
    types=[SQL_INSTANCE],
    validate=check_sql_networks,
    severity="high",
    level="mandatory",
    framework=cis_gcp("6.5"),
    tags=["gcp", "sql", "network"],
    remediation_steps="Remove the 0.0.0.0/0 authorized network; connect through private IP or the Cloud SQL "
    "Auth Proxy.",
    url="https://cloud.google.com/sql/docs/mysql/authorize-networks",
)

POLICIES = [uniform_access, public_access_prevention, no_public_members, no_public_ip, sql_no_open_networks]
