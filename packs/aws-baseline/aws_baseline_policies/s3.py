"""S3: public access blocks, public ACLs, default encryption and versioning.

Buckets come in three shapes: pulumi-aws v6 ``aws:s3/bucket:Bucket`` and v7 ``aws:s3/bucket:Bucket``
(inline ``versioning`` / ``serverSideEncryptionConfiguration`` objects), v6 ``aws:s3/bucketV2:BucketV2``
(deprecated inline lists ``versionings`` / ``serverSideEncryptionConfigurations``), plus the separate
configuration resources (``BucketVersioningV2``/``BucketVersioning``, ``BucketAclV2``/``BucketAcl``,
``BucketServerSideEncryptionConfigurationV2``/``...Configuration``, ``BucketPublicAccessBlock``).
"""

from __future__ import annotations

from typing import Any

from policy_host.sdk import props_get, remediate_props, resource_policy, stack_policy

from ._common import as_list, cis, first_of, fsbp, violations

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
BUCKETS = [BUCKET, BUCKET_V2]
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
ACLS = ["aws:s3/bucketAclV2:BucketAclV2", "aws:s3/bucketAcl:BucketAcl"]
VERSIONINGS = ["aws:s3/bucketVersioningV2:BucketVersioningV2", "aws:s3/bucketVersioning:BucketVersioning"]
ENCRYPTIONS = [
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
]

# -- public access block ------------------------------------------------------------------------

BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _flags_off(props: Any) -> list[str]:
    # Every flag defaults to false in the API, so an absent flag is an open door.
    return [flag for flag in BLOCK_FLAGS if props_get(props, flag, False) is not True]


def check_public_access_block(args, report_violation) -> None:
    off = _flags_off(args.props)
    if off:
        report_violation(
            f"{', '.join(off)} {'is' if len(off) == 1 else 'are'} not enabled, so public ACLs or bucket "
            "policies can still expose data."
        )


public_access_block = resource_policy(
    "s3-bucket-public-access-block",
    "S3 public access blocks must enable all four settings (block and ignore public ACLs, block and "
    "restrict public bucket policies).",
    types=[PUBLIC_ACCESS_BLOCK, ACCOUNT_PUBLIC_ACCESS_BLOCK],
    validate=check_public_access_block,
    severity="high",
    framework=cis("2.1.4"),
    tags=["s3", "public-access"],
    remediation_steps="Set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to "
    "true. Serve public content through CloudFront with an origin access control instead of a public bucket.",
    url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
)


def check_buckets_have_public_access_block(args, report_violation) -> None:
    blocks = [r for r in args.resources if r.resource_type == PUBLIC_ACCESS_BLOCK and not _flags_off(r.props)]
    accounts = [r for r in args.resources if r.resource_type == ACCOUNT_PUBLIC_ACCESS_BLOCK]
    if any(not _flags_off(a.props) for a in accounts):
        return  # an account-wide block covers every bucket
    blocked = {props_get(b.props, "bucket") for b in blocks}
    for bucket in args.resources:
        if bucket.resource_type not in BUCKETS:
            continue
        names = {props_get(bucket.props, "bucket"), props_get(bucket.props, "id")} - {None}
        if not names & blocked:
            report_violation(
                f"Bucket '{bucket.name}' has no BucketPublicAccessBlock with all four settings enabled "
                "(and the stack has no AccountPublicAccessBlock).",
                bucket.urn,
            )


public_access_block_present = stack_policy(
    "s3-bucket-public-access-block-present",
    "Every S3 bucket must be covered by a public access block declared in the stack.",
    types=[*BUCKETS, PUBLIC_ACCESS_BLOCK, ACCOUNT_PUBLIC_ACCESS_BLOCK],
    validate=check_buckets_have_public_access_block,
    severity="medium",
    framework=cis("2.1.4"),
    tags=["s3", "public-access"],
    remediation_steps="Add an aws.s3.BucketPublicAccessBlock for each bucket (bucket=bucket.id, all four "
    "settings true), or manage an aws.s3.AccountPublicAccessBlock. AWS enables the block on new buckets by "
    "default since April 2023; declaring it keeps it from being switched off unnoticed.",
    url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-bucket.html",
)

# -- public ACLs ----------------------------------------------------------------------------------

PUBLIC_CANNED_ACLS = {
    "public-read": "anyone on the internet can list and read objects",
    "public-read-write": "anyone on the internet can read and write objects",
    "authenticated-read": "every AWS account can read objects",
}
PUBLIC_GRANTEES = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "everyone (AllUsers)",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "every AWS account (AuthenticatedUsers)",
}


def check_public_acl(args, report_violation) -> None:
    acl = props_get(args.props, "acl")
    if acl in PUBLIC_CANNED_ACLS:
        report_violation(f"The canned ACL '{acl}' means {PUBLIC_CANNED_ACLS[acl]}.")
    if args.resource_type in ACLS:
        grants = [
            (props_get(g, "grantee.uri"), as_list(props_get(g, "permission")))
            for g in props_get(args.props, "accessControlPolicy.grants", [])
        ]
    else:
        grants = [
            (props_get(g, "uri"), as_list(props_get(g, "permissions")))
            for g in props_get(args.props, "grants", [])
        ]
    for uri, permissions in grants:
        if uri in PUBLIC_GRANTEES:
            report_violation(
                f"An ACL grant gives {PUBLIC_GRANTEES[uri]} {', '.join(permissions) or 'access'}."
            )


no_public_acl = resource_policy(
    "s3-bucket-no-public-acl",
    "S3 buckets must not grant access to everyone or to all AWS accounts through ACLs.",
    types=[*BUCKETS, *ACLS],
    validate=check_public_acl,
    severity="critical",
    level="mandatory",
    framework=fsbp("S3.2, S3.3"),
    tags=["s3", "public-access"],
    remediation_steps="Use acl 'private' (or no ACL with BucketOwnershipControls 'BucketOwnerEnforced') and "
    "remove grants to the AllUsers and AuthenticatedUsers groups; share objects with presigned URLs or "
    "CloudFront instead.",
    url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl",
)

# -- default encryption ---------------------------------------------------------------------------

SSE_ALGORITHMS = {"AES256", "aws:kms", "aws:kms:dsse"}

ENCRYPTION_SCHEMA = {
    "properties": {
        "requireInlineConfiguration": {
            "type": "boolean",
            "default": True,
            "description": "Report buckets that declare no inline default encryption. Set false when "
            "encryption is managed with separate BucketServerSideEncryptionConfiguration resources "
            "(which this policy checks too).",
        },
        "requireKms": {
            "type": "boolean",
            "default": False,
            "description": "Require SSE-KMS (aws:kms or aws:kms:dsse) instead of accepting SSE-S3 (AES256).",
        },
    }
}


def _declared_algorithms(args) -> list[Any] | None:
    """The default-encryption algorithms a resource declares, or None when it declares none."""
    p = args.props
    if args.resource_type in ENCRYPTIONS:
        return [
            props_get(r, "applyServerSideEncryptionByDefault.sseAlgorithm") for r in props_get(p, "rules", [])
        ]
    inline = props_get(
        p, "serverSideEncryptionConfiguration.rule.applyServerSideEncryptionByDefault.sseAlgorithm"
    )
    if inline is not None:
        return [inline]
    rules = props_get(p, "serverSideEncryptionConfigurations.0.rules")
    if rules is not None:
        return [props_get(r, "applyServerSideEncryptionByDefaults.0.sseAlgorithm") for r in rules]
    return None


def check_default_encryption(args, report_violation) -> None:
    config = args.get_config()
    algorithms = _declared_algorithms(args)
    if algorithms is None:
        if config.get("requireInlineConfiguration", True):
            report_violation("The bucket declares no default encryption.")
        return
    invalid = [a for a in algorithms if a not in SSE_ALGORITHMS]
    if not algorithms or invalid:
        report_violation(f"Default encryption has no valid algorithm (got {invalid or 'no rules'}).")
    elif config.get("requireKms", False) and any(not a.startswith("aws:kms") for a in algorithms):
        report_violation(
            f"Default encryption uses {', '.join(sorted(set(algorithms)))}; SSE-KMS is required."
        )


def add_default_encryption(args):
    # Only the v6/v7 aws:s3/bucket:Bucket inline shape is rewritten, and only when nothing is declared:
    # SSE-S3 is what AWS applies anyway, so the change is safe. Everything else needs a human.
    if args.resource_type != BUCKET or _declared_algorithms(args) is not None:
        return None
    if args.get_config().get("requireKms", False):
        return None
    rule = {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
    return remediate_props(args, {"serverSideEncryptionConfiguration": {"rule": rule}})


default_encryption = resource_policy(
    "s3-bucket-default-encryption",
    "S3 buckets must declare default server-side encryption.",
    types=[*BUCKETS, *ENCRYPTIONS],
    validate=check_default_encryption,
    remediate=add_default_encryption,
    severity="low",
    framework=("CIS AWS Foundations Benchmark", "1.4.0", "2.1.1"),
    tags=["s3", "encryption"],
    config_schema=ENCRYPTION_SCHEMA,
    remediation_steps="Declare default encryption (serverSideEncryptionConfiguration, or an "
    "aws.s3.BucketServerSideEncryptionConfiguration) with sseAlgorithm AES256 or aws:kms. AWS applies SSE-S3 "
    "to new buckets since January 2023; declaring it makes the choice reviewable and allows requiring KMS. "
    "At level remediate, SSE-S3 is added to aws:s3/bucket:Bucket resources that declare nothing.",
    url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html",
)

# -- versioning -----------------------------------------------------------------------------------

VERSIONING_SCHEMA = {
    "properties": {
        "requireInlineConfiguration": {
            "type": "boolean",
            "default": True,
            "description": "Report buckets that declare no inline versioning. Set false when versioning "
            "is managed with separate BucketVersioning resources (which this policy checks too).",
        }
    }
}


def check_versioning(args, report_violation) -> None:
    if args.resource_type in VERSIONINGS:
        status = props_get(args.props, "versioningConfiguration.status")
        if status != "Enabled":
            report_violation(f"Versioning status is '{status}'; it must be 'Enabled'.")
        return
    enabled = first_of(args.props, "versioning.enabled", "versionings.0.enabled")
    declared = first_of(args.props, "versioning", "versionings.0") is not None
    if enabled is True:
        return
    if declared or args.get_config().get("requireInlineConfiguration", True):
        report_violation("Versioning is not enabled on the bucket.")


def enable_versioning(args):
    if not violations(check_versioning, args):
        return None
    if args.resource_type in VERSIONINGS:
        return remediate_props(args, {"versioningConfiguration.status": "Enabled"})
    if args.resource_type == BUCKET:
        return remediate_props(args, {"versioning.enabled": True})
    return None  # BucketV2's inline list is deprecated; move it to a BucketVersioningV2 resource instead


versioning = resource_policy(
    "s3-bucket-versioning",
    "S3 buckets must have versioning enabled so that overwritten and deleted objects can be recovered.",
    types=[*BUCKETS, *VERSIONINGS],
    validate=check_versioning,
    remediate=enable_versioning,
    severity="medium",
    framework=fsbp("S3.14"),
    tags=["s3", "resilience"],
    config_schema=VERSIONING_SCHEMA,
    remediation_steps="Enable versioning (versioning.enabled = true on aws.s3.Bucket, or an "
    "aws.s3.BucketVersioning with versioningConfiguration.status 'Enabled'), and add a lifecycle rule that "
    "expires noncurrent versions to bound storage cost. At level remediate this is done automatically.",
    url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
)

POLICIES = [public_access_block, public_access_block_present, no_public_acl, default_encryption, versioning]
