"""The __PACK_NAME__ policies. Add policies here and list them in POLICIES."""

from policy_host.sdk import props_get, resource_policy


def check_uniform_access(args, report_violation):
    if props_get(args.props, "uniformBucketLevelAccess") is not True:
        report_violation("uniformBucketLevelAccess is not enabled; object ACLs can bypass IAM.")


gcs_uniform_access = resource_policy(
    "gcs-uniform-bucket-level-access",
    "Cloud Storage buckets must use uniform bucket-level access.",
    types=["gcp:storage/bucket:Bucket"],
    validate=check_uniform_access,
    severity="medium",
    framework=("CIS Google Cloud Platform Foundation Benchmark", "2.0.0", "5.2"),
    remediation_steps="Set uniformBucketLevelAccess = true after moving ACL grants to IAM.",
    url="https://cloud.google.com/storage/docs/uniform-bucket-level-access",
)

POLICIES = [gcs_uniform_access]
