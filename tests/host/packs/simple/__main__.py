from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy


def no_public_acl(args, report_violation):
    if args.resource_type == "aws:s3/bucket:Bucket" and args.props.get("acl") == "public-read":
        report_violation("acl is public-read")


def max_count(args, report_violation):
    if len(args.resources) > 3:
        report_violation(f"{len(args.resources)} resources")


PolicyPack(
    name="simple",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy("no-public-acl", "No public ACLs.", no_public_acl),
        StackValidationPolicy(
            "max-count", "At most 3 resources.", max_count, enforcement_level=EnforcementLevel.ADVISORY
        ),
    ],
)
