"""Rules over S3 buckets and AWS providers, run against real stack exports in the engine tests."""

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)


def bucket_prefix(args, report_violation):
    if args.resource_type != "aws:s3/bucket:Bucket":
        args.not_applicable("only S3 buckets")
    prefix = args.get_config().get("prefix", "")
    bucket = args.props.get("bucket") or ""
    if not bucket.startswith(prefix):
        report_violation(f"bucket {bucket!r} does not start with {prefix!r}")


def provider_region(args, report_violation):
    if args.provider is None or args.provider.resource_type != "pulumi:providers:aws":
        return
    region = args.provider.props.get("region")
    allowed = args.get_config().get("allowedRegions", [])
    if region not in allowed:
        report_violation(f"region {region} is not one of {', '.join(allowed)}")


def buckets_tagged(args, report_violation):
    for r in args.resources:
        if r.resource_type == "aws:s3/bucket:Bucket" and not r.props.get("tagsAll"):
            report_violation(f"bucket {r.name} has no tags")


def always_urn(args, report_violation):
    buckets = [r for r in args.resources if r.resource_type == "aws:s3/bucket:Bucket"]
    for r in buckets:
        report_violation("attributed to the bucket", r.urn)
    report_violation("attributed to an unknown URN", "urn:pulumi:nowhere::none::x:y:Z::gone")


PolicyPack(
    name="s3-rules",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        ResourceValidationPolicy(
            name="s3-bucket-prefix",
            description="Bucket names carry the corporate prefix.",
            validate=bucket_prefix,
            enforcement_level=EnforcementLevel.MANDATORY,
            severity=Severity.HIGH,
            remediation_steps="Rename the bucket.",
            config_schema=PolicyConfigSchema(properties={"prefix": {"type": "string", "default": "corp-"}}),
        ),
        ResourceValidationPolicy(
            name="provider-region",
            description="Providers stay in approved regions.",
            validate=provider_region,
            severity=Severity.LOW,
            config_schema=PolicyConfigSchema(
                properties={
                    "allowedRegions": {
                        "type": "array",
                        "items": {"type": "string"},
                        "minItems": 1,
                        "default": ["us-east-1"],
                    }
                }
            ),
        ),
        StackValidationPolicy(
            name="buckets-tagged",
            description="Every bucket has tags.",
            validate=buckets_tagged,
            severity=Severity.MEDIUM,
        ),
        StackValidationPolicy(
            name="stack-urns",
            description="Reports with explicit URNs.",
            validate=always_urn,
        ),
    ],
)
