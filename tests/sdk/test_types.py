"""Type filters: the not-applicable reason the host also uses, and resolving tokens or classes."""

import pulumi
import pytest

from policy_host.errors import InputError
from policy_host.sdk import PolicyDefinitionError, not_applicable_reason
from policy_host.sdk.types import resolve_types


def test_reason_lists_types_sorted_and_quoted():
    reason = not_applicable_reason(["aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket"])
    # plain string order: ':' sorts before 'V'
    assert (
        reason
        == "Policy only applies to resources of type 'aws:s3/bucket:Bucket', 'aws:s3/bucketV2:BucketV2'"
    )


def test_reason_for_stack_policies():
    reason = not_applicable_reason({"kubernetes:apps/v1:Deployment"}, stack=True)
    assert reason == "Policy only applies to stacks with resources of type 'kubernetes:apps/v1:Deployment'"


def test_classes_resolve_through_their_type_token():
    @pulumi.type_token("aws:s3/bucket:Bucket")
    class Bucket:
        pass

    assert resolve_types([Bucket, "aws:s3/bucketV2:BucketV2"], policy="p") == frozenset(
        {"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"}
    )


def test_class_without_token_is_refused_with_a_hint():
    class Legacy:
        pass

    with pytest.raises(PolicyDefinitionError, match=r"policy 'p': class .*Legacy has no Pulumi type token"):
        resolve_types([Legacy], policy="p")


@pytest.mark.parametrize(
    "types, message",
    [
        ("aws:s3/bucket:Bucket", "types must be a list"),
        ([], "at least one resource type"),
        (["Bucket"], "'Bucket' is not a type token"),
        ([42], "must be a type token string or a resource class"),
    ],
)
def test_bad_types_fail_at_definition(types, message):
    with pytest.raises(PolicyDefinitionError, match=message) as info:
        resolve_types(types, policy="my-policy")
    assert str(info.value).startswith("policy 'my-policy': ")
    # one of ours, so the CLI prints it as one line
    assert isinstance(info.value, InputError)


def test_provider_and_nested_module_tokens_are_accepted():
    tokens = resolve_types(["pulumi:providers:aws", "random:index/randomPassword:RandomPassword"], policy="p")
    assert "pulumi:providers:aws" in tokens
