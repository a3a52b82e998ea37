"""Policies exercising every kind of audit result: violations, a fix proposed with and without a
violation, a policy that raises, a decided not-applicable, and a stack policy attributing a violation."""

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ResourceValidationPolicy,
    StackValidationPolicy,
)


def needs_owner(args, report_violation):
    if "owner" not in (args.props.get("tags") or {}):
        report_violation("no owner tag")


def add_owner(args):
    tags = dict(args.props.get("tags") or {})
    if "owner" in tags:
        return None
    props = dict(args.props)
    props["tags"] = {**tags, "owner": "platform"}
    return props


def add_label(args):
    if args.props.get("label") == "audited":
        return None
    return {**dict(args.props), "label": "audited"}


def boom(args, report_violation):
    if args.resource_type == "test:index:Boom":
        raise RuntimeError("kaboom")


def size(args, report_violation):
    if args.props.get("skip"):
        args.not_applicable("skipped on purpose")
    if args.props.get("size", 0) > 10:
        report_violation(f"size {args.props['size']} is over 10")


def too_many(args, report_violation):
    things = [r for r in args.resources if r.resource_type == "test:index:Thing"]
    if len(things) > 2:
        report_violation(f"{len(things)} things; at most 2", things[-1].urn)
    report_violation("the stack as a whole")


PolicyPack(
    name="audit-unit",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        ResourceValidationPolicy(
            "owner-tag", "Things need an owner tag.", validate=needs_owner, remediate=add_owner
        ),
        ResourceValidationPolicy("label", "Things carry the audited label.", remediate=add_label),
        ResourceValidationPolicy("no-boom", "Nothing explodes.", validate=boom),
        ResourceValidationPolicy(
            "size-limit", "Size at most 10.", validate=size, enforcement_level=EnforcementLevel.MANDATORY
        ),
        ResourceValidationPolicy("off", "Disabled by config.", validate=needs_owner),
        StackValidationPolicy("thing-count", "At most two things.", validate=too_many),
    ],
)
