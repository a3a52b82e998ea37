"""resource_policy / stack_policy build ordinary pulumi_policy policies whose type filter gives the same
verdicts as the host's fast path. Verdicts come from pulumi_policy's own servicer."""

import asyncio

import pulumi
import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)

from policy_host.model import Resource
from policy_host.sdk import (
    RESOURCE_TYPES_ATTR,
    PolicyDefinitionError,
    props_get,
    remediate_props,
    resource_policy,
    resource_types_of,
    stack_policy,
)
from policy_host.sdk.reference_harness import ReferenceHarness

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"


def require_versioning(args, report_violation):
    if props_get(args.props, "versioning.enabled") is not True:
        report_violation("Versioning is disabled.")


def enable_versioning(args):
    return remediate_props(args, {"versioning.enabled": True})


def versioning_policy(**kwargs):
    defaults = dict(types=[BUCKET, BUCKET_V2], validate=require_versioning, severity="high")
    defaults.update(kwargs)
    return resource_policy("s3-bucket-versioning", "S3 buckets must have versioning enabled.", **defaults)


# -- what gets built --------------------------------------------------------------------------


def test_builds_a_plain_sdk_policy_with_normalised_metadata():
    policy = versioning_policy(
        level="Mandatory",
        framework=("AWS Foundational Security Best Practices", "1.0.0", "S3.14"),
        tags=["s3", "resilience"],
        remediation_steps="Enable versioning.",
        url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
        config_schema={
            "properties": {"exempt": {"type": "array", "items": {"type": "string"}, "default": []}}
        },
        display_name="S3 versioning",
    )
    assert type(policy) is ResourceValidationPolicy
    assert policy.enforcement_level is EnforcementLevel.MANDATORY
    assert policy.severity is Severity.HIGH
    assert isinstance(policy.framework, PolicyComplianceFramework)
    assert (policy.framework.name, policy.framework.version, policy.framework.reference) == (
        "AWS Foundational Security Best Practices",
        "1.0.0",
        "S3.14",
    )
    assert policy.config_schema.properties["exempt"]["default"] == []
    assert policy.tags == ["s3", "resilience"]
    assert getattr(policy, RESOURCE_TYPES_ATTR) == frozenset({BUCKET, BUCKET_V2})
    assert resource_types_of(policy) == frozenset({BUCKET, BUCKET_V2})


def test_sdk_enums_and_framework_objects_are_accepted_as_is():
    framework = PolicyComplianceFramework(name="CIS", version="3.0.0", reference="2.1.4")
    policy = versioning_policy(level=EnforcementLevel.ADVISORY, severity=Severity.LOW, framework=framework)
    assert policy.enforcement_level is EnforcementLevel.ADVISORY
    assert policy.severity is Severity.LOW
    assert policy.framework is framework


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"level": "block"}, "level 'block' is not one of advisory, mandatory, remediate, disabled"),
        ({"severity": "urgent"}, "severity 'urgent' is not one of low, medium, high, critical"),
        ({"framework": "CIS"}, "framework must be"),
        ({"framework": {"name": "CIS", "ref": "1"}}, "framework has unknown field"),
        ({"tags": "s3"}, "tags must be a list of strings"),
        (
            {"config_schema": {"properties": {"n": {"type": "integer", "default": "x"}}}},
            "default does not match",
        ),
        ({"config_schema": {"properties": {}, "required": ["n"]}}, "requires 'n' but does not define it"),
        ({"config_schema": {"properties": {"enforcementLevel": {"type": "string"}}}}, "enforcementLevel"),
        ({"validate": None}, "pass validate, remediate or validate_remediate"),
        ({"validate": "nope"}, "validate must be callable"),
        ({"validate_remediate": require_versioning}, "cannot be combined"),
        ({"url": 3}, "url must be a string"),
    ],
)
def test_bad_definitions_fail_at_once_naming_the_policy(kwargs, message):
    with pytest.raises(PolicyDefinitionError, match=message) as info:
        versioning_policy(**kwargs)
    assert str(info.value).startswith("policy 's3-bucket-versioning': ")


def test_reserved_name_is_refused_as_a_definition_error():
    with pytest.raises(PolicyDefinitionError, match='"all" is a reserved name'):
        resource_policy("all", "d", types=[BUCKET], validate=require_versioning)


# -- verdicts under pulumi_policy's own servicer -------------------------------------------------


def test_matching_type_is_validated():
    harness = ReferenceHarness([versioning_policy()])
    verdict = harness.analyze(BUCKET, {"versioning": {"enabled": False}})
    assert [(v.policy, v.level, v.severity, v.detail) for v in verdict.violations] == [
        ("s3-bucket-versioning", "advisory", "high", "Versioning is disabled.")
    ]
    assert harness.analyze(BUCKET_V2, {"versioning": {"enabled": True}}).violations == []


def test_other_types_are_not_applicable_without_calling_the_validator():
    calls = []

    def validate(args, report_violation):
        calls.append(args.resource_type)

    harness = ReferenceHarness([versioning_policy(validate=validate)])
    verdict = harness.analyze("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"})
    assert verdict.violations == []
    assert verdict.not_applicable == {
        "s3-bucket-versioning": (
            "Policy only applies to resources of type 'aws:s3/bucket:Bucket', 'aws:s3/bucketV2:BucketV2'"
        )
    }
    assert calls == []


def test_unknown_values_give_the_runtime_advisory_not_a_violation():
    harness = ReferenceHarness([versioning_policy(level="mandatory")])
    verdict = harness.analyze(BUCKET, {"versioning": {"enabled": UNKNOWN_BOOL}})
    assert [(v.level, v.message) for v in verdict.violations] == [
        (
            "advisory",
            "can't run policy 's3-bucket-versioning' from policy pack 'test-pack@v0.0.1' during preview: "
            "boolean value at .versioning.enabled can't be known during preview",
        )
    ]


def test_validators_run_in_order_and_async_ones_are_awaited():
    order = []

    def first(args, report_violation):
        order.append("first")

    async def second(args, report_violation):
        await asyncio.sleep(0)
        order.append("second")
        report_violation("from async")

    harness = ReferenceHarness([versioning_policy(validate=[first, second])])
    verdict = harness.analyze(BUCKET, {})
    assert order == ["first", "second"]
    assert [v.detail for v in verdict.violations] == ["from async"]


def test_provider_classes_are_accepted_as_types():
    @pulumi.type_token(BUCKET)
    class Bucket:
        pass

    policy = resource_policy("p", "d", types=[Bucket], validate=require_versioning)
    assert resource_types_of(policy) == frozenset({BUCKET})
    assert ReferenceHarness([policy]).analyze(BUCKET, {}).violated == {"p"}


def test_remediation_runs_only_for_matching_types():
    policy = versioning_policy(remediate=enable_versioning)
    harness = ReferenceHarness([policy], config={"s3-bucket-versioning": "remediate"})
    fixed = harness.remediate(BUCKET, {"bucket": "logs"})
    assert fixed.properties == {"bucket": "logs", "versioning": {"enabled": True}}
    other = harness.remediate("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"})
    assert other.remediations == []
    assert other.not_applicable["s3-bucket-versioning"].startswith("Policy only applies to resources of type")


def test_remediate_only_policy_keeps_the_sdk_reason_in_analyze():
    policy = resource_policy("fix-only", "d", types=[BUCKET], remediate=enable_versioning)
    verdict = ReferenceHarness([policy]).analyze("aws:ec2/vpc:Vpc", {})
    assert verdict.not_applicable == {"fix-only": "Policy does not implement validate"}


def test_validate_remediate_validates_and_remediates_with_one_function():
    def both(args, report_violation):
        if props_get(args.props, "versioning.enabled") is not True:
            report_violation("Versioning is disabled.")
            return remediate_props(args, {"versioning.enabled": True})
        return None

    policy = resource_policy("both", "d", types=[BUCKET], validate_remediate=both)
    assert ReferenceHarness([policy]).analyze(BUCKET, {}).violated == {"both"}
    fixed = ReferenceHarness([policy], config={"both": "remediate"}).remediate(BUCKET, {})
    assert fixed.properties == {"versioning": {"enabled": True}}


# -- stack policies ----------------------------------------------------------------------------


def _res(type_, name, **props):
    return Resource(type=type_, urn=f"urn:pulumi:dev::app::{type_}::{name}", name=name, properties=props)


def test_stack_policy_sees_only_the_declared_types():
    seen = []

    def validate(args, report_violation):
        seen.extend(r.name for r in args.resources)
        assert args.get_config() == {"limit": 1}
        if len(args.resources) > args.get_config()["limit"]:
            report_violation("too many buckets", args.resources[-1].urn)

    policy = stack_policy(
        "few-buckets",
        "At most N buckets.",
        types=[BUCKET],
        validate=validate,
        config_schema={"properties": {"limit": {"type": "integer", "default": 1}}},
    )
    assert type(policy) is StackValidationPolicy
    assert resource_types_of(policy) == frozenset({BUCKET})
    verdict = ReferenceHarness([policy]).analyze_stack(
        [_res("aws:ec2/vpc:Vpc", "vpc"), _res(BUCKET, "a"), _res(BUCKET, "b")]
    )
    assert seen == ["a", "b"]
    assert [(v.detail, v.urn) for v in verdict.violations] == [
        ("too many buckets", f"urn:pulumi:dev::app::{BUCKET}::b")
    ]


def test_stack_policy_without_matching_resources_is_not_applicable():
    policy = stack_policy("few-buckets", "d", types=[BUCKET], validate=lambda args, rv: rv("never"))
    verdict = ReferenceHarness([policy]).analyze_stack([_res("aws:ec2/vpc:Vpc", "vpc")])
    assert verdict.violations == []
    assert verdict.not_applicable == {
        "few-buckets": "Policy only applies to stacks with resources of type 'aws:s3/bucket:Bucket'"
    }


def test_stack_policy_without_types_sees_everything_and_has_no_filter():
    policy = stack_policy("count", "d", validate=lambda args, rv: rv(str(len(args.resources))))
    assert resource_types_of(policy) is None
    verdict = ReferenceHarness([policy]).analyze_stack([_res("aws:ec2/vpc:Vpc", "vpc"), _res(BUCKET, "a")])
    assert [v.detail for v in verdict.violations] == ["2"]
