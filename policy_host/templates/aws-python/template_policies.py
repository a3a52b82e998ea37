"""The __PACK_NAME__ policies. Add policies here and list them in POLICIES."""

from policy_host.sdk import props_get, resource_policy

PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}


def check_bucket_acl(args, report_violation):
    # props_get reads through pulumi_policy's proxies: a value unknown during preview raises, and the
    # runtime reports "can't run policy" instead of a false violation.
    acl = props_get(args.props, "acl")
    if acl in PUBLIC_ACLS:
        report_violation(f"The canned ACL '{acl}' makes the bucket's objects readable by outsiders.")


s3_no_public_read = resource_policy(
    "s3-no-public-read",
    "S3 buckets must not use public canned ACLs.",
    types=["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2", "aws:s3/bucketAclV2:BucketAclV2"],
    validate=check_bucket_acl,
    severity="high",
    level="mandatory",
    framework=("AWS Foundational Security Best Practices", "1.0.0", "S3.2"),
    remediation_steps="Use acl 'private' and share objects through presigned URLs or CloudFront.",
    url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl",
)

POLICIES = [s3_no_public_read]
