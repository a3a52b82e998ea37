"""A mandatory stack policy and a remediate-level one (reported as mandatory)."""

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy


def count(args, report_violation):
    if len(args.resources) > 1:
        report_violation(f"{len(args.resources)} resources")


def flagged(args, report_violation):
    if args.props.get("flag") is True:
        report_violation("flag is set")


PolicyPack(
    name="stack-policy",
    policies=[
        StackValidationPolicy(
            name="too-many",
            description="At most one resource.",
            validate=count,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
        ResourceValidationPolicy(
            name="no-flag",
            description="No flag.",
            validate=flagged,
            enforcement_level=EnforcementLevel.REMEDIATE,
        ),
    ],
)
