"""The generic discovery loop against real HTTP endpoints on loopback: pagination, failures recorded
per service, throttling retries (a proxy in front of the emulator answers ThrottlingException),
bounded concurrency, progress, credential sources and the derived IAM permissions."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore import xform_name

from policy_host.errors import InputError, UsageError
from policy_host.sources.aws import (
    AwsCredentialSource,
    Backoff,
    DiscoveryOptions,
    Progress,
    create_session,
    discover_aws,
    policy_document,
    required_actions,
)
from policy_host.sources.aws.index import load_specs
from policy_host.sources.aws.permissions import iam_action

from ._aws_env import ACCOUNT_ID, ThrottlingProxy, closed_port

KMS = "aws:kms/key:Key"
ROLE = "aws:iam/role:Role"
BUCKET = "aws:s3/bucket:Bucket"
DB = "aws:rds/instance:Instance"
FAST = Backoff(attempts=4, base=0.01, cap=0.05)


@pytest.fixture(scope="module")
def seeded(moto_url: str) -> dict[str, list[str]]:
    iam = boto3.client("iam", endpoint_url=moto_url)
    doc = json.dumps({"Version": "2012-10-17", "Statement": []})
    roles = [f"role-{i}" for i in range(5)]
    for name in roles:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc)
    rds = boto3.client("rds", endpoint_url=moto_url)
    dbs = [f"db-{i}" for i in range(3)]
    for name in dbs:
        rds.create_db_instance(
            DBInstanceIdentifier=name,
            DBInstanceClass="db.t3.micro",
            Engine="postgres",
            AllocatedStorage=20,
            MasterUsername="u",
            MasterUserPassword="not-a-real-password",
        )
    kms = boto3.client("kms", endpoint_url=moto_url)
    keys = [kms.create_key(Description=f"key {i}")["KeyMetadata"]["KeyId"] for i in range(4)]
    kms.enable_key_rotation(KeyId=keys[0])
    boto3.client("s3", endpoint_url=moto_url).create_bucket(Bucket="survivor-bucket")
    return {"roles": roles, "dbs": dbs, "keys": keys}


def source(url: str, **overrides: str) -> AwsCredentialSource:
    return AwsCredentialSource(endpoint_url=url, endpoint_urls=overrides)


def test_pagination_reads_every_page(moto_url: str, seeded: dict[str, list[str]]) -> None:
    result = discover_aws(
        source(moto_url),
        DiscoveryOptions(types=(ROLE, DB), page_sizes={ROLE: 2, DB: 2}),
    )
    assert result.errors == []
    assert sorted(r.cloud_id for r in result.by_type(ROLE)) == seeded["roles"]
    assert sorted(r.cloud_id for r in result.by_type(DB)) == seeded["dbs"]
    # five roles in pages of two, three instances in pages of two
    assert result.api_calls["iam:ListRoles"] == 3
    assert result.api_calls["rds:DescribeDBInstances"] == 2
    assert result.api_calls["iam:GetRole"] == 5


def test_a_failing_service_is_recorded_and_the_rest_is_scanned(
    moto_url: str, seeded: dict[str, list[str]]
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    result = discover_aws(
        source(moto_url, kms=dead),
        DiscoveryOptions(types=(KMS, ROLE, BUCKET), max_attempts=1, connect_timeout=2),
    )
    assert [(e.service, e.region, e.type_token, e.operation, e.code) for e in result.errors] == [
        ("kms", "us-east-1", KMS, "list_keys", "EndpointConnectionError")
    ]
    assert "127.0.0.1" in result.errors[0].message
    assert str(result.errors[0]).startswith("aws kms in us-east-1: list_keys for aws:kms/key:Key failed:")
    assert result.by_type(KMS) == []
    assert sorted(r.cloud_id for r in result.by_type(ROLE)) == seeded["roles"]
    assert [r.cloud_id for r in result.by_type(BUCKET)] == ["survivor-bucket"]


def test_a_failing_region_is_recorded_per_region(moto_url: str, seeded: dict[str, list[str]]) -> None:
    # every service in the second region points at a closed port through a second source
    dead = f"http://127.0.0.1:{closed_port()}"
    good = discover_aws(source(moto_url), DiscoveryOptions(types=(KMS,), regions=("us-east-1",)))
    bad = discover_aws(
        source(dead, sts=moto_url),
        DiscoveryOptions(types=(KMS,), regions=("us-east-1", "eu-west-1"), max_attempts=1, connect_timeout=2),
    )
    assert {(e.region, e.code) for e in bad.errors} == {
        ("us-east-1", "EndpointConnectionError"),
        ("eu-west-1", "EndpointConnectionError"),
    }
    assert len(good.by_type(KMS)) >= len(seeded["keys"])


def test_throttled_detail_reads_are_retried_with_backoff(moto_url: str, seeded: dict[str, list[str]]) -> None:
    with ThrottlingProxy(moto_url, "GetKeyRotationStatus", throttle=3) as proxy:
        result = discover_aws(
            source(moto_url, kms=proxy.url),
            # botocore gives up at once (max_attempts=1), so every retry here is our own backoff
            DiscoveryOptions(types=(KMS,), max_attempts=1, backoff=FAST),
        )
    assert result.errors == []
    keys = {r.cloud_id: r for r in result.by_type(KMS)}
    assert keys[seeded["keys"][0]].properties["enableKeyRotation"] is True
    assert all(keys[k].properties["enableKeyRotation"] is False for k in seeded["keys"][1:])
    assert proxy.throttled == 3
    assert proxy.calls == len(keys) + 3


def test_botocore_retry_config_retries_throttling_too(moto_url: str, seeded: dict[str, list[str]]) -> None:
    with ThrottlingProxy(moto_url, "GetKeyRotationStatus", throttle=1) as proxy:
        result = discover_aws(
            source(moto_url, kms=proxy.url),
            DiscoveryOptions(types=(KMS,), max_attempts=3, backoff=Backoff(attempts=1)),
        )
    assert result.errors == []
    assert proxy.throttled == 1
    assert proxy.calls == len(result.by_type(KMS)) + 1
    assert all("enableKeyRotation" in r.properties for r in result.by_type(KMS))


def test_persistent_throttling_is_recorded_and_the_resource_marked_partial(
    moto_url: str, seeded: dict[str, list[str]]
) -> None:
    with ThrottlingProxy(moto_url, "GetKeyRotationStatus", throttle=1000) as proxy:
        result = discover_aws(
            source(moto_url, kms=proxy.url),
            DiscoveryOptions(types=(KMS,), max_attempts=1, backoff=Backoff(attempts=3, base=0.01, cap=0.02)),
        )
    keys = result.by_type(KMS)
    assert keys
    assert {(e.operation, e.code) for e in result.errors} == {
        ("get_key_rotation_status", "ThrottlingException")
    }
    assert sorted(e.resource_id for e in result.errors) == sorted(k.cloud_id for k in keys)
    for key in keys:
        assert key.partial == ("rotation",)
        assert "enableKeyRotation" not in key.properties  # unknown, not "disabled"
        assert key.properties["description"].startswith(("key ", "Default"))
    assert proxy.calls == 3 * len(keys)


def test_concurrency_is_bounded_by_max_workers(moto_url: str, seeded: dict[str, list[str]]) -> None:
    with ThrottlingProxy(moto_url, "None", throttle=0) as proxy:
        narrow = discover_aws(source(proxy.url, sts=moto_url), DiscoveryOptions(types=(KMS,), max_workers=1))
    assert proxy.peak == 1
    wide = discover_aws(source(moto_url), DiscoveryOptions(types=(KMS,), max_workers=8))
    assert [(r.urn, r.properties) for r in narrow.resources] == [
        (r.urn, r.properties) for r in wide.resources
    ]


def test_progress_is_reported_for_every_list_and_read(moto_url: str, seeded: dict[str, list[str]]) -> None:
    events: list[Progress] = []
    result = discover_aws(source(moto_url), DiscoveryOptions(types=(ROLE,)), on_progress=events.append)
    assert [e.event for e in events].count("listed") == 1
    reads = [e for e in events if e.event == "read"]
    assert len(reads) == len(result.by_type(ROLE)) == reads[-1].read
    assert reads[-1].resources == len(result.resources)
    assert all(e.type_token == ROLE for e in events)


# --------------------------------------------------------------------------------------------
# Credential sources
# --------------------------------------------------------------------------------------------


def test_assumed_role_credentials_are_used(moto_url: str, seeded: dict[str, list[str]]) -> None:
    role = AwsCredentialSource(
        kind="role", role_arn=f"arn:aws:iam::{ACCOUNT_ID}:role/auditor", endpoint_url=moto_url
    )
    session = create_session(role)
    identity = session.client("sts", endpoint_url=moto_url).get_caller_identity()
    assert ":assumed-role/auditor/policy-host-discovery" in identity["Arn"]
    assert session.get_credentials().get_frozen_credentials().access_key != "testing"
    result = discover_aws(role, DiscoveryOptions(types=(ROLE,)))
    assert result.errors == [] and result.account == ACCOUNT_ID
    assert "arn:aws:iam::123456789012:role/auditor" in role.describe()


def test_named_profile(moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = tmp_path / "credentials"
    creds.write_text("[audit]\naws_access_key_id = profilekey\naws_secret_access_key = profilesecret\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    profile = AwsCredentialSource(kind="profile", profile="audit", endpoint_url=moto_url)
    assert create_session(profile).get_credentials().access_key == "profilekey"
    assert discover_aws(profile, DiscoveryOptions(types=(ROLE,))).errors == []
    with pytest.raises(UsageError, match="AWS profile 'missing' not found"):
        discover_aws(AwsCredentialSource(kind="profile", profile="missing"), DiscoveryOptions(types=(ROLE,)))


def test_no_credentials_is_one_clear_error(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(
        InputError, match="no AWS credentials found for environment credentials at http://127"
    ):
        discover_aws(source(moto_url), DiscoveryOptions(types=(ROLE,)))


def test_bad_credential_sources_and_types_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="needs a role ARN"):
        AwsCredentialSource(kind="role")
    with pytest.raises(UsageError, match="unknown AWS credential source 'ldap'"):
        AwsCredentialSource.from_mapping({"kind": "ldap"})
    with pytest.raises(UsageError, match="unknown AWS credential source field"):
        AwsCredentialSource.from_mapping({"kind": "env", "secret_key": "x"})
    with pytest.raises(UsageError, match="unknown AWS resource type 'aws:nope/thing:Thing'"):
        discover_aws(AwsCredentialSource(), DiscoveryOptions(types=("aws:nope/thing:Thing",)))
    parsed = AwsCredentialSource.from_mapping(
        {"kind": "profile", "profile": "p", "endpoint_urls": {"s3": "http://x"}}
    )
    assert parsed.endpoint_for("s3") == "http://x" and parsed.endpoint_for("ec2") is None


# --------------------------------------------------------------------------------------------
# Permissions
# --------------------------------------------------------------------------------------------


def test_permissions_cover_every_call_a_full_scan_makes(moto_url: str, seeded: dict[str, list[str]]) -> None:
    result = discover_aws(source(moto_url), DiscoveryOptions())
    specs, _ = load_specs()
    declared: dict[tuple[str, str], str] = {("sts", "GetCallerIdentity"): "sts:GetCallerIdentity"}
    for spec in specs:
        declared[(spec.service, spec.list_call)] = iam_action(
            spec.service, spec.list_call, spec.list_iam_action
        )
        for call in spec.all_calls():
            service = call.service or spec.service
            declared[(service, call.operation)] = iam_action(service, call.operation, call.iam_action)
    actions = set(required_actions())
    for key in result.api_calls:
        service, operation = key.split(":")
        snake = "GetCallerIdentity" if service == "sts" else xform_name(operation)
        assert declared[(service, snake)] in actions, key


def test_permissions_are_read_only_and_named_as_iam_names_them() -> None:
    actions = required_actions()
    assert actions == sorted(set(actions))
    for action in actions:
        prefix, name = action.split(":")
        assert name.startswith(("Get", "List", "Describe")), action
    # IAM's names where they differ from the API operation
    for expected in (
        "s3:ListAllMyBuckets",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketPublicAccessBlock",
        "kms:GetKeyRotationStatus",
        "iam:GetRolePolicy",
        "ec2:DescribeVpcAttribute",
        "cloudtrail:GetTrailStatus",
        "dynamodb:DescribeContinuousBackups",
    ):
        assert expected in actions
    assert "s3:ListBuckets" not in actions and "s3:GetBucketEncryption" not in actions
    assert required_actions(["aws:s3/bucketVersioningV2:BucketVersioningV2"]) == sorted(
        a for a in actions if a.startswith("s3:") or a == "sts:GetCallerIdentity"
    )
    doc = policy_document(["aws:ecr/repository:Repository"])
    assert doc["Statement"][0]["Action"] == [
        "ecr:DescribeRepositories",
        "ecr:ListTagsForResource",
        "sts:GetCallerIdentity",
    ]
    assert doc["Statement"][0]["Effect"] == "Allow" and doc["Statement"][0]["Resource"] == "*"
