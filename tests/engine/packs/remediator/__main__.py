"""A remediation pack: tags buckets, then checks the tags (the check runs on remediated inputs)."""

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def add_tags(args):
    if args.resource_type != "aws:s3/bucket:Bucket":
        return None
    props = dict(args.props)
    tags = dict(props.get("tags") or {})
    if tags.get("managed-by") == "policy":
        return None
    tags["managed-by"] = "policy"
    props["tags"] = tags
    return props


def note_internal_keys(args):
    # Remediate sees internal keys; record what it saw so the test can tell.
    if args.resource_type != "aws:s3/bucket:Bucket":
        return None
    props = dict(args.props)
    if "sawInternal" in props:
        return None
    props["sawInternal"] = sorted(k for k in props if k.startswith("__"))
    return props


def check_tags(args, report_violation):
    if args.resource_type == "aws:s3/bucket:Bucket" and not args.props.get("tags"):
        report_violation("bucket has no tags")
    if "__defaults" in args.props:
        report_violation("Analyze saw internal keys")


PolicyPack(
    name="remediator",
    policies=[
        ResourceValidationPolicy(
            name="add-tags",
            description="Adds the managed-by tag.",
            remediate=add_tags,
            enforcement_level=EnforcementLevel.REMEDIATE,
        ),
        ResourceValidationPolicy(
            name="note-internal-keys",
            description="Records internal keys seen by Remediate.",
            remediate=note_internal_keys,
            enforcement_level=EnforcementLevel.REMEDIATE,
        ),
        ResourceValidationPolicy(
            name="check-tags",
            description="Buckets have tags.",
            validate=check_tags,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
    ],
)
