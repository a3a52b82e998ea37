"""A pack touching every pulumi_policy feature; run unchanged under pulumi_policy and policy-host."""

import asyncio

import pulumi
from conformance_helpers import describe  # a local module: the pack dir must be first on sys.path
from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    PolicyPack,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)
from pulumi_policy.proxy import _DictProxy, _ListProxy


def public_acl(args, report_violation):
    if args.resource_type != "aws:s3/bucket:Bucket":
        return
    if args.props.get("acl") in ("public-read", "public-read-write"):
        report_violation(f"bucket {args.name} has acl {args.props['acl']}")


def needs_tags(args, report_violation):
    # `in` on the proxy raises UnknownValueError when tags is unknown (reference behaviour).
    if "tags" not in args.props:
        report_violation("")
        return
    tags = args.props["tags"]
    for key in args.get_config().get("required", ["owner"]):
        if key not in tags:
            report_violation(f"missing tag {key}", "ignored-urn")


def proxy_types(args, report_violation):
    for key, value in args.props.items():
        if isinstance(value, dict) or isinstance(value, list):
            report_violation(f"{key} is a plain container")
        if type(value) is _DictProxy:
            report_violation(f"{key}: dict proxy of {len(value)}")
        elif type(value) is _ListProxy:
            report_violation(f"{key}: list proxy of {len(value)}")
        elif isinstance(value, float):
            report_violation(f"{key}: float {value!r}")
        elif isinstance(value, pulumi.Asset | pulumi.Archive):
            report_violation(f"{key}: {type(value).__name__}")


def only_buckets(args, report_violation):
    if args.resource_type != "aws:s3/bucket:Bucket":
        args.not_applicable(f"not a bucket: {args.resource_type}")
    if args.props.get("acl") == "na-without-reason":
        args.not_applicable()


def first(args, report_violation):
    report_violation("first ran")
    if args.props.get("stopAfterFirst"):
        args.not_applicable("stop")


def second(args, report_violation):
    report_violation("second ran")


async def async_check(args, report_violation):
    await asyncio.sleep(0)
    if args.props.get("size", 0) > 100:
        report_violation(f"size {args.props['size']} > 100")


def options_and_provider(args, report_violation):
    o = args.opts
    report_violation(
        f"protect={o.protect} ignore={list(o.ignore_changes)} dbr={o.delete_before_replace} "
        f"aliases={list(o.aliases)} timeouts={o.custom_timeouts.create_seconds},{o.custom_timeouts.update_seconds},"
        f"{o.custom_timeouts.delete_seconds} aso={list(o.additional_secret_outputs)} parent={o.parent}"
    )
    if args.provider is not None:
        report_violation(
            f"provider {args.provider.resource_type} {args.provider.name} region={args.provider.props.get('region')}"
        )
    report_violation(f"tags={dict(args.stack_tags)}")


def runtime_data(args, report_violation):
    if args.resource_type != "pulumi:pulumi:Stack":
        return
    cfg = pulumi.Config("conf")
    report_violation(
        f"stack={pulumi.get_stack()} project={pulumi.get_project()} dry={pulumi.runtime.is_dry_run()} value={cfg.get('value')}"
    )


def tag_remediation(args):
    if args.resource_type != "aws:s3/bucket:Bucket":
        return None
    props = args.props
    tags = dict(props.get("tags") or {})
    if tags.get("managed-by") == "policy":
        return None
    tags["managed-by"] = "policy"
    props["tags"] = tags
    return props


def acl_validate_remediate(args, report_violation):
    if args.resource_type == "aws:s3/bucket:Bucket" and args.props.get("acl") == "public-read-write":
        report_violation("public-read-write")
        props = args.props
        props["acl"] = "private"
        return props
    return None


def stack_graph(args, report_violation):
    for r in args.resources:
        parent = r.parent.urn if r.parent is not None else None
        deps = [d.name for d in r.dependencies]
        pdeps = {k: [d.name for d in v] for k, v in r.property_dependencies.items()}
        report_violation(f"{r.name} parent={parent} deps={deps} pdeps={pdeps} {describe(r.props)}", r.urn)
        if r.parent is not None and r.parent not in args.resources:
            report_violation("parent identity lost")


def stack_unknown(args, report_violation):
    for r in args.resources:
        if r.resource_type == "aws:s3/bucket:Bucket":
            _ = r.props.get("arn")  # unknown during preview


def stack_config(args, report_violation):
    limit = args.get_config().get("limit", 2)
    if len(args.resources) > limit:
        report_violation(f"{len(args.resources)} > {limit}")


PolicyPack(
    name="conformance",
    enforcement_level=EnforcementLevel.ADVISORY,
    initial_config={"needs-tags": {"required": ["owner"]}},
    description="conformance pack",
    display_name="Conformance",
    tags=["test"],
    policies=[
        ResourceValidationPolicy(
            "public-acl",
            "Buckets must not be public.",
            public_acl,
            enforcement_level=EnforcementLevel.MANDATORY,
            severity=Severity.HIGH,
            framework=PolicyComplianceFramework(name="CIS", version="1.4", reference="2.1.5"),
            tags=["s3"],
            remediation_steps="Set acl to private.",
            url="https://example.com/public-acl",
            display_name="Public ACL",
        ),
        ResourceValidationPolicy(
            "needs-tags",
            "Resources need tags.",
            needs_tags,
            config_schema=PolicyConfigSchema(
                properties={"required": {"type": "array", "items": {"type": "string"}, "default": ["owner"]}},
                required=["required"],
            ),
            severity=Severity.LOW,
        ),
        ResourceValidationPolicy("proxy-types", "Reports how values look.", proxy_types),
        ResourceValidationPolicy("only-buckets", "Only buckets.", only_buckets),
        ResourceValidationPolicy("listed", "Two validators.", [first, second]),
        ResourceValidationPolicy("async-size", "Async check.", async_check, severity=Severity.CRITICAL),
        ResourceValidationPolicy("options", "Options and provider.", options_and_provider),
        ResourceValidationPolicy("runtime-data", "Runtime data.", runtime_data),
        ResourceValidationPolicy("tagger", "Adds a managed-by tag.", remediate=tag_remediation),
        ResourceValidationPolicy(
            "acl-fixer", "Fixes public-read-write.", validate_remediate=acl_validate_remediate
        ),
        StackValidationPolicy("stack-graph", "Stack graph.", stack_graph, severity=Severity.MEDIUM),
        StackValidationPolicy("stack-unknown", "Reads an unknown output.", stack_unknown),
        StackValidationPolicy(
            "stack-config",
            "Resource count.",
            stack_config,
            enforcement_level=EnforcementLevel.REMEDIATE,
            config_schema=PolicyConfigSchema(properties={"limit": {"type": "integer", "default": 2}}),
        ),
    ],
)
