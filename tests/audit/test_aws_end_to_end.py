"""End to end against a real AWS API endpoint (moto in server mode on loopback): seed, add the account,
scan, evaluate ``packs/aws-baseline`` through the audit group, assert the exact findings; then change
resources, rescan, and assert the new versions and the changed findings (and the issues findings keeps).

Expected verdicts come from the seeded resources and the pack's rules (``packs/aws-baseline``), not from
a previous run: each row below says why it fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from sqlalchemy import select

from policy_host.audit.scan import scan
from policy_host.findings.models import Issue
from policy_host.model import EnforcementLevel, Outcome
from policy_host.packs.metadata import read_pack_info
from policy_host.store import Store

from .conftest import AWS_BASELINE, cli, reset_moto

ACCOUNT = "e2e"
REGION_ACCOUNT = "e2e/us-east-1"
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def seed(url: str) -> dict[str, str]:
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
    s3.create_bucket(Bucket="good-bucket")
    s3.put_bucket_versioning(Bucket="good-bucket", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket="good-bucket",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_public_access_block(
        Bucket="good-bucket",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.create_bucket(Bucket="open-bucket")
    s3.put_bucket_acl(Bucket="open-bucket", ACL="public-read")

    ec2 = boto3.client("ec2", endpoint_url=url, region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]

    def group(name: str, port: int, cidr: str) -> str:
        gid = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=gid,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}
            ],
        )
        return gid

    ids = {
        "vpc": vpc,
        "open_ssh": group("open-ssh", 22, "0.0.0.0/0"),
        "db_open": group("db-open", 5432, "0.0.0.0/0"),
        "web": group("web", 443, "10.0.0.0/8"),
    }
    kms = boto3.client("kms", endpoint_url=url, region_name="us-east-1")
    ids["key"] = kms.create_key(Description="data key")["KeyMetadata"]["KeyId"]
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1")
    ids["admin_policy"] = iam.create_policy(PolicyName="admin", PolicyDocument=json.dumps(ADMIN))["Policy"][
        "Arn"
    ]
    iam.create_policy(PolicyName="read", PolicyDocument=json.dumps(READ))
    return ids


def urn(type_: str, cloud_id: str, regional: bool = True) -> str:
    where = REGION_ACCOUNT if regional else ACCOUNT
    return f"urn:insights:default/{where}::aws::{type_}::{cloud_id}"


BUCKET = "aws:s3/bucket:Bucket"
ACL = "aws:s3/bucketAclV2:BucketAclV2"
SG = "aws:ec2/securityGroup:SecurityGroup"
KEY = "aws:kms/key:Key"
POLICY = "aws:iam/policy:Policy"
M, A, R = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY, EnforcementLevel.REMEDIATE


def verdicts(outcome) -> set[tuple]:
    """(entity, resource URN, policy, outcome, level, exemption id) of every non-passing result."""
    return {
        (e.entity, r.resource_urn, r.policy_name, r.outcome, r.level, r.exemption_id)
        for e in outcome.evaluations
        for r in e.run.results
    }


@pytest.fixture
def audited(moto_url: str, store: Store, tmp_path: Path) -> dict[str, str]:
    reset_moto(moto_url)
    ids = seed(moto_url)
    cli("pack", "publish", str(AWS_BASELINE), check=True)
    config = tmp_path / "audit-config.json"
    config.write_text(json.dumps({"kms-key-rotation": "remediate"}))
    cli(
        "group", "edit", "default-accounts-policy-group",
        "--add-policy-pack", "aws-baseline@latest", "--config", str(config), check=True,
    )  # fmt: skip
    cli(
        "exemption", "new", "--id", "ex-db", "--policy", "ec2-security-group-no-public-database-ports",
        "--urn", f"*{ids['db_open']}", "--account", "e2e/*", "--reason", "load test", "--owner", "qa", check=True,
    )  # fmt: skip
    cli(
        "account", "add", ACCOUNT, "--provider", "aws", "--env-credentials",
        "--endpoint-url", moto_url, "--region", "us-east-1", "--schedule", "none", check=True,
    )  # fmt: skip
    return ids


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_scan_evaluate_change_rescan(store: Store, audited: dict[str, str], moto_url: str):
    ids = audited
    first = scan(store, ACCOUNT)
    assert first.status == "succeeded", first
    assert [(a.account, a.status) for a in first.accounts] == [
        (ACCOUNT, "succeeded"),
        (REGION_ACCOUNT, "succeeded"),
    ]
    assert [(e.entity, e.recorded, e.errors) for e in first.evaluations] == [
        (ACCOUNT, "findings", []),
        (REGION_ACCOUNT, "findings", []),
    ]
    open_bucket = urn(BUCKET, "open-bucket")
    expected_first = {
        # the account-level (global) entity: IAM. "admin" allows Action * on Resource *; "read" does not.
        (ACCOUNT, urn(POLICY, ids["admin_policy"], regional=False), "iam-no-wildcard-admin-policy", Outcome.FAIL, M, None),
        # ...which holds no bucket, so the typed stack policy about buckets does not apply to it
        (ACCOUNT, "", "s3-bucket-public-access-block-present", Outcome.NOT_APPLICABLE, A, None),
        # open-bucket: canned ACL public-read on the bucket, and on its ACL resource both the canned ACL and
        # the AllUsers READ grant it implies; versioning reported as {enabled: false}; no encryption declared;
        # no public access block (the stack policy attributes that to the bucket).
        (REGION_ACCOUNT, open_bucket, "s3-bucket-no-public-acl", Outcome.FAIL, M, None),
        (REGION_ACCOUNT, open_bucket, "s3-bucket-versioning", Outcome.FAIL, A, None),
        (REGION_ACCOUNT, open_bucket, "s3-bucket-default-encryption", Outcome.FAIL, A, None),
        (REGION_ACCOUNT, open_bucket, "s3-bucket-public-access-block-present", Outcome.FAIL, A, None),
        (REGION_ACCOUNT, urn(ACL, "open-bucket"), "s3-bucket-no-public-acl", Outcome.FAIL, M, None),
        # SSH from anywhere (mandatory); PostgreSQL from anywhere (advisory, exempted by ex-db)
        (REGION_ACCOUNT, urn(SG, ids["open_ssh"]), "ec2-security-group-no-public-admin-ports", Outcome.FAIL, M, None),
        (REGION_ACCOUNT, urn(SG, ids["db_open"]), "ec2-security-group-no-public-database-ports", Outcome.FAIL, A, "ex-db"),
        # rotation off; the group config sets the policy to remediate, which audit records as such
        (REGION_ACCOUNT, urn(KEY, ids["key"]), "kms-key-rotation", Outcome.FAIL, R, None),
    }  # fmt: skip
    assert verdicts(first) == expected_first
    region_run = first.evaluations[1].run
    acl_results = [r for r in region_run.results if r.resource_urn == urn(ACL, "open-bucket")]
    assert sorted(r.message.split("\n", 1)[1] for r in acl_results) == [
        "An ACL grant gives everyone (AllUsers) READ.",
        "The canned ACL 'public-read' means anyone on the internet can list and read objects.",
    ]
    ssh = next(r for r in region_run.results if r.policy_name == "ec2-security-group-no-public-admin-ports")
    assert ssh.message.endswith(
        "Ingress from 0.0.0.0/0 reaches remote administration port(s) 22 (SSH) (protocol tcp, ports 22-22)."
    )
    key = next(r for r in region_run.results if r.policy_name == "kms-key-rotation")
    assert key.proposed_before["enableKeyRotation"] is False
    assert key.proposed_after == {**key.proposed_before, "enableKeyRotation": True}
    db = next(r for r in region_run.results if r.exemption_id == "ex-db")
    assert db.exemption_reason == "load test"
    # every resource of the region was judged, each named with its managed status and version
    judged = {r.urn: r for r in region_run.resources}
    assert judged[open_bucket].managed_by == "" and judged[open_bucket].version == "1"
    # every policy of the pack is enabled (none is disabled by default or by the group's config)
    assert len(region_run.policies) == len(read_pack_info(AWS_BASELINE).policies)

    # change: versioning on, the database group deleted, key rotation on
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    s3.put_bucket_versioning(Bucket="open-bucket", VersioningConfiguration={"Status": "Enabled"})
    ec2 = boto3.client("ec2", endpoint_url=moto_url, region_name="us-east-1")
    ec2.delete_security_group(GroupId=ids["db_open"])
    boto3.client("kms", endpoint_url=moto_url, region_name="us-east-1").enable_key_rotation(KeyId=ids["key"])

    second = scan(store, ACCOUNT)
    region = next(a for a in second.accounts if a.account == REGION_ACCOUNT)
    # bucket and key changed; the bucket's versioning resource is new; the group is gone
    assert (region.changes["changed"], region.changes["new"], region.changes["deleted"]) == (2, 1, 1)
    expected_second = expected_first - {
        (REGION_ACCOUNT, open_bucket, "s3-bucket-versioning", Outcome.FAIL, A, None),
        (REGION_ACCOUNT, urn(SG, ids["db_open"]), "ec2-security-group-no-public-database-ports", Outcome.FAIL, A, "ex-db"),
        (REGION_ACCOUNT, urn(KEY, ids["key"]), "kms-key-rotation", Outcome.FAIL, R, None),
    }  # fmt: skip
    assert verdicts(second) == expected_second
    judged = {r.urn: r for r in second.evaluations[1].run.resources}
    assert judged[open_bucket].version == "2" and judged[urn(KEY, ids["key"])].version == "2"
    assert urn(SG, ids["db_open"]) not in judged

    shown = json.loads(cli("resource", "get", open_bucket, "--json", check=True).stdout)
    assert [v["version"] for v in shown["versions"]] == [1, 2]
    assert shown["properties"]["versioning"]["enabled"] is True and shown["managedBy"] is None

    with store.read() as s:
        issues = {
            (i.resource_urn, i.policy): i.status
            for i in s.scalars(select(Issue).where(Issue.entity == REGION_ACCOUNT))
        }
    assert issues[(open_bucket, "s3-bucket-versioning")] == "fixed"
    assert issues[(urn(KEY, ids["key"]), "kms-key-rotation")] == "fixed"
    assert issues[(open_bucket, "s3-bucket-no-public-acl")] == "open"
    assert issues[(urn(SG, ids["open_ssh"]), "ec2-security-group-no-public-admin-ports")] == "open"

    # a standalone evaluation of the stored snapshot says the same as the scan's
    again = json.loads(cli("audit", "evaluate", ACCOUNT, "--json", check=True).stdout)
    assert {(e["entity"], r["urn"], r["policy"], r["outcome"]) for e in again for r in e["results"]} == {
        (v[0], v[1], v[2], v[3].value) for v in expected_second
    }
