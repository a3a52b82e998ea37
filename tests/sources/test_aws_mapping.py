"""AWS discovery against a real AWS API endpoint (moto in server mode on loopback): every covered
type is seeded through boto3 and must come back as the pulumi-aws input shape a program would hold."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policy_host.sources.aws import AwsCredentialSource, DiscoveryOptions, discover_aws
from policy_host.sources.discovered import DiscoveredResource, DiscoveryResult, Relationship
from policy_host.wire.values import SIG_KEY, SIG_SECRET, redact_secrets

from ._aws_env import ACCOUNT_ID
from ._aws_seed import ADMIN, ASSUME_EC2, DENY_HTTP, LOG_DELIVERY, OTHER_CANONICAL_ID, READ_ONLY, seed

S3_TYPES = (
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
    "aws:s3/bucketAclV2:BucketAclV2",
    "aws:s3/bucketLoggingV2:BucketLoggingV2",
    "aws:s3/bucketPolicy:BucketPolicy",
)
BUCKET_KEY = "arn:aws:kms:us-east-1:123456789012:key/bucket-key"


def compact_json(doc: Any) -> str:
    return json.dumps(doc, separators=(",", ":"))


@pytest.fixture(scope="module")
def ids(moto_url: str) -> dict[str, Any]:
    return seed(moto_url)


@pytest.fixture(scope="module")
def scan(moto_url: str, ids: dict[str, Any]) -> DiscoveryResult:
    source = AwsCredentialSource(endpoint_url=moto_url)
    return discover_aws(source, DiscoveryOptions(regions=("us-east-1",), project="acme", max_workers=4))


def get(scan: DiscoveryResult, type_token: str, cloud_id: str) -> DiscoveredResource:
    found = scan.find(type_token, cloud_id)
    assert found is not None, f"{type_token} {cloud_id} not discovered; have {scan.counts_by_type()}"
    return found


def test_scan_has_no_errors_and_identifies_the_account(scan: DiscoveryResult) -> None:
    assert scan.errors == []
    assert scan.account == ACCOUNT_ID
    assert scan.provider == "aws"


# --------------------------------------------------------------------------------------------
# S3
# --------------------------------------------------------------------------------------------


def test_compliant_bucket_inline_inputs(scan: DiscoveryResult) -> None:
    bucket = get(scan, "aws:s3/bucket:Bucket", "compliant-bucket")
    assert bucket.properties == {
        "bucket": "compliant-bucket",
        "acl": "private",
        "policy": compact_json(DENY_HTTP),
        "versioning": {"enabled": True, "mfaDelete": False},
        "serverSideEncryptionConfiguration": {
            "rule": {
                "applyServerSideEncryptionByDefault": {
                    "sseAlgorithm": "aws:kms",
                    "kmsMasterKeyId": BUCKET_KEY,
                },
                "bucketKeyEnabled": True,
            }
        },
        "loggings": [{"targetBucket": "log-bucket", "targetPrefix": "compliant/"}],
        "tags": {"env": "prod", "owner": "team-a"},
    }
    assert (
        bucket.urn == "urn:insights:acme/123456789012/us-east-1::aws::aws:s3/bucket:Bucket::compliant-bucket"
    )
    assert bucket.resource.name == "compliant-bucket"
    assert bucket.arn == "arn:aws:s3:::compliant-bucket"
    assert bucket.region == "us-east-1"
    assert bucket.relationships == (Relationship("logsTo", "log-bucket"), Relationship("kmsKey", BUCKET_KEY))
    assert bucket.partial == ()


def test_non_compliant_buckets_inline_inputs(scan: DiscoveryResult, ids: dict[str, Any]) -> None:
    public = get(scan, "aws:s3/bucket:Bucket", "public-bucket")
    assert public.properties == {
        "bucket": "public-bucket",
        "acl": "public-read",
        "versioning": {"enabled": False, "mfaDelete": False},
        "loggings": [],
        "tags": {},
    }
    # grants that match no canned ACL are handed over as the v6 ``grants`` list instead of ``acl``
    shared = get(scan, "aws:s3/bucket:Bucket", "shared-bucket")
    assert shared.properties["grants"] == sorted(
        [
            {"type": "CanonicalUser", "id": ids["s3_owner"]["ID"], "permissions": ["FULL_CONTROL"]},
            {"type": "CanonicalUser", "id": OTHER_CANONICAL_ID, "permissions": ["READ"]},
        ],
        key=lambda g: g["id"],
    )
    assert "acl" not in shared.properties
    assert get(scan, "aws:s3/bucket:Bucket", "log-bucket").properties["acl"] == "log-delivery-write"


def test_split_s3_resources_exist_only_where_configured(scan: DiscoveryResult, ids: dict[str, Any]) -> None:
    pab = get(scan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "compliant-bucket")
    assert pab.properties == {
        "bucket": "compliant-bucket",
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    assert pab.relationships == (Relationship("bucket", "compliant-bucket"),)
    assert pab.urn.endswith("::aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::compliant-bucket")
    sse = get(
        scan,
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
        "compliant-bucket",
    )
    assert sse.properties == {
        "bucket": "compliant-bucket",
        "rules": [
            {
                "applyServerSideEncryptionByDefault": {
                    "sseAlgorithm": "aws:kms",
                    "kmsMasterKeyId": BUCKET_KEY,
                },
                "bucketKeyEnabled": True,
            }
        ],
    }
    versioning = get(scan, "aws:s3/bucketVersioningV2:BucketVersioningV2", "compliant-bucket")
    assert versioning.properties == {
        "bucket": "compliant-bucket",
        "versioningConfiguration": {"status": "Enabled"},
    }
    logging = get(scan, "aws:s3/bucketLoggingV2:BucketLoggingV2", "compliant-bucket")
    assert logging.properties == {
        "bucket": "compliant-bucket",
        "targetBucket": "log-bucket",
        "targetPrefix": "compliant/",
    }
    policy = get(scan, "aws:s3/bucketPolicy:BucketPolicy", "compliant-bucket")
    assert policy.properties == {"bucket": "compliant-bucket", "policy": compact_json(DENY_HTTP)}
    acl = get(scan, "aws:s3/bucketAclV2:BucketAclV2", "public-bucket")
    owner = ids["s3_owner"]
    assert acl.properties == {
        "bucket": "public-bucket",
        "acl": "public-read",
        "accessControlPolicy": {
            "owner": {"id": owner["ID"], "displayName": owner["DisplayName"]},
            "grants": [
                {"grantee": {"type": "CanonicalUser", "id": owner["ID"]}, "permission": "FULL_CONTROL"},
                {
                    "grantee": {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"},
                    "permission": "READ",
                },
            ],
        },
    }
    log_acl = get(scan, "aws:s3/bucketAclV2:BucketAclV2", "log-bucket")
    assert {"grantee": {"type": "Group", "uri": LOG_DELIVERY}, "permission": "WRITE"} in log_acl.properties[
        "accessControlPolicy"
    ]["grants"]
    # nothing configured, nothing emitted: a program without these resources would have none either
    for token in S3_TYPES[1:4] + S3_TYPES[5:]:
        assert scan.find(token, "public-bucket") is None, token
    assert {r.cloud_id for r in scan.by_type("aws:s3/bucketAclV2:BucketAclV2")} == {
        "compliant-bucket",
        "log-bucket",
        "public-bucket",
        "shared-bucket",
    }


def test_buckets_are_placed_in_their_own_region(
    moto_url: str, ids: dict[str, Any], scan: DiscoveryResult
) -> None:
    assert scan.find("aws:s3/bucket:Bucket", "west-bucket") is None  # us-west-2 was not scanned
    both = discover_aws(
        AwsCredentialSource(endpoint_url=moto_url),
        DiscoveryOptions(regions=("us-east-1", "us-west-2"), types=S3_TYPES, include_global=False),
    )
    assert both.errors == []
    west = get(both, "aws:s3/bucket:Bucket", "west-bucket")
    assert west.region == "us-west-2"
    assert west.urn == "urn:insights:default/123456789012/us-west-2::aws::aws:s3/bucket:Bucket::west-bucket"
    assert west.properties["versioning"] == {"enabled": False, "mfaDelete": False}
    suspended = get(both, "aws:s3/bucketVersioningV2:BucketVersioningV2", "west-bucket")
    assert suspended.properties["versioningConfiguration"] == {"status": "Suspended"}
    assert {r.type for r in both.resources} <= set(S3_TYPES)
    assert {r.cloud_id for r in both.by_type("aws:s3/bucket:Bucket")} == {
        "compliant-bucket",
        "log-bucket",
        "public-bucket",
        "shared-bucket",
        "west-bucket",
    }


def test_only_requested_derived_type_is_emitted(moto_url: str, ids: dict[str, Any]) -> None:
    only = discover_aws(
        AwsCredentialSource(endpoint_url=moto_url),
        DiscoveryOptions(
            types=("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",), include_global=False
        ),
    )
    assert [(r.type, r.cloud_id) for r in only.resources] == [
        ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "compliant-bucket")
    ]


# --------------------------------------------------------------------------------------------
# EC2
# --------------------------------------------------------------------------------------------


def _rule(from_port: int, to_port: int, protocol: str, **over: Any) -> dict[str, Any]:
    rule = {
        "fromPort": from_port,
        "toPort": to_port,
        "protocol": protocol,
        "cidrBlocks": [],
        "ipv6CidrBlocks": [],
        "prefixListIds": [],
        "securityGroups": [],
        "self": False,
        "description": "",
    }
    rule.update(over)
    return rule


def test_security_groups_with_rules(scan: DiscoveryResult, ids: dict[str, Any]) -> None:
    web = get(scan, "aws:ec2/securityGroup:SecurityGroup", ids["web"])
    assert web.properties == {
        "name": "web",
        "description": "web tier",
        "vpcId": ids["vpc"],
        "ingress": [
            _rule(22, 22, "tcp", cidrBlocks=["10.0.0.0/8"]),
            _rule(443, 443, "tcp", cidrBlocks=["0.0.0.0/0"], description="https"),
        ],
        "egress": [_rule(0, 0, "-1", cidrBlocks=["0.0.0.0/0"])],
        "tags": {},
    }
    assert web.arn == f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:security-group/{ids['web']}"
    assert web.relationships == (Relationship("vpc", ids["vpc"]),)
    bad = get(scan, "aws:ec2/securityGroup:SecurityGroup", ids["open_ssh"])
    assert bad.properties == {
        "name": "open-ssh",
        "description": "bad",
        "vpcId": ids["vpc"],
        "ingress": [
            _rule(0, 0, "-1", self=True),
            _rule(22, 22, "tcp", cidrBlocks=["0.0.0.0/0"], ipv6CidrBlocks=["::/0"]),
            _rule(5432, 5432, "tcp", securityGroups=[ids["web"]]),
        ],
        "egress": [],
        "tags": {"team": "ops"},
    }
    assert bad.relationships == (Relationship("vpc", ids["vpc"]), Relationship("references", ids["web"]))
    assert bad.resource.name == "open-ssh"


def test_instance_inputs_and_relationships(scan: DiscoveryResult, ids: dict[str, Any]) -> None:
    instance = get(scan, "aws:ec2/instance:Instance", ids["instance"])
    props = dict(instance.properties)
    root = props.pop("rootBlockDevice")
    metadata = props.pop("metadataOptions")
    assert root["deviceName"] == ids["root_device"]
    assert (root["encrypted"], root["volumeSize"], root["volumeType"]) == (True, 20, "gp3")
    assert metadata["httpTokens"] == "required" and metadata["httpEndpoint"] == "enabled"
    assert {
        k: props[k] for k in ("ami", "instanceType", "availabilityZone", "subnetId", "privateIp", "tags")
    } == {
        "ami": ids["ami"],
        "instanceType": "t3.micro",
        "availabilityZone": "us-east-1a",
        "subnetId": ids["subnet"],
        "privateIp": ids["instance_private_ip"],
        "tags": {"Name": "web-1", "env": "prod"},
    }
    assert props["vpcSecurityGroupIds"] == [ids["web"]]
    assert "userData" not in props
    assert instance.resource.name == "web-1"
    assert instance.arn == f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:instance/{ids['instance']}"
    assert instance.relationships[:3] == (
        Relationship("subnet", ids["subnet"]),
        Relationship("vpc", ids["vpc"]),
        Relationship("securityGroup", ids["web"]),
    )
    assert instance.relationships[3] == Relationship("volume", root["volumeId"])
    volume = get(scan, "aws:ebs/volume:Volume", root["volumeId"])
    assert Relationship("attachedTo", ids["instance"]) in volume.relationships


def test_volumes(scan: DiscoveryResult, ids: dict[str, Any]) -> None:
    encrypted = get(scan, "aws:ebs/volume:Volume", ids["encrypted_volume"])
    assert {k: v for k, v in encrypted.properties.items() if k not in ("kmsKeyId", "iops")} == {
        "availabilityZone": "us-east-1a",
        "encrypted": True,
        "size": 10,
        "type": "gp3",
        "tags": {"Name": "data"},
    }
    assert encrypted.resource.name == "data"
    plain = get(scan, "aws:ebs/volume:Volume", ids["plain_volume"])
    assert plain.properties == {
        "availabilityZone": "us-east-1b",
        "encrypted": False,
        "size": 5,
        "type": "gp2",
        "tags": {},
    }


def test_vpc_and_subnet(scan: DiscoveryResult, ids: dict[str, Any]) -> None:
    vpc = get(scan, "aws:ec2/vpc:Vpc", ids["vpc"])
    assert vpc.properties == {
        "cidrBlock": "10.0.0.0/16",
        "instanceTenancy": "default",
        "enableDnsSupport": True,
        "enableDnsHostnames": True,
        "tags": {"Name": "main"},
    }
    assert vpc.resource.name == "main"
    subnet = get(scan, "aws:ec2/subnet:Subnet", ids["subnet"])
    assert {
        k: subnet.properties[k]
        for k in ("vpcId", "cidrBlock", "availabilityZone", "mapPublicIpOnLaunch", "tags")
    } == {
        "vpcId": ids["vpc"],
        "cidrBlock": "10.0.1.0/24",
        "availabilityZone": "us-east-1a",
        "mapPublicIpOnLaunch": True,
        "tags": {"Name": "public-a"},
    }
    assert subnet.relationships == (Relationship("vpc", ids["vpc"]),)
    assert subnet.arn == f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:subnet/{ids['subnet']}"


# --------------------------------------------------------------------------------------------
# RDS, IAM, KMS
# --------------------------------------------------------------------------------------------


def test_rds_instances(scan: DiscoveryResult, ids: dict[str, Any]) -> None:
    good = get(scan, "aws:rds/instance:Instance", "orders-db")
    expected = {
        "identifier": "orders-db",
        "instanceClass": "db.t3.micro",
        "engine": "postgres",
        "allocatedStorage": 20,
        "storageEncrypted": True,
        "publiclyAccessible": False,
        "backupRetentionPeriod": 7,
        "deletionProtection": True,
        "username": "admin_user",
        "vpcSecurityGroupIds": [ids["web"]],
        "tags": {"env": "prod"},
    }
    assert {k: good.properties.get(k) for k in expected} == expected
    assert "password" not in good.properties
    assert good.arn == f"arn:aws:rds:us-east-1:{ACCOUNT_ID}:db:orders-db"
    bad = get(scan, "aws:rds/instance:Instance", "legacy-db")
    assert (bad.properties["storageEncrypted"], bad.properties["publiclyAccessible"]) == (False, True)
    assert bad.properties["engine"] == "mysql"
    assert bad.properties["tags"] == {}


def test_iam_user_role_policy(scan: DiscoveryResult, ids: dict[str, Any]) -> None:
    user = get(scan, "aws:iam/user:User", "alice")
    assert user.properties == {"name": "alice", "path": "/people/", "tags": {"team": "a"}}
    assert user.region == "global"
    assert user.urn == "urn:insights:acme/123456789012::aws::aws:iam/user:User::alice"
    role = get(scan, "aws:iam/role:Role", "app-role")
    assert role.properties == {
        "name": "app-role",
        "path": "/",
        "description": "app",
        "assumeRolePolicy": compact_json(ASSUME_EC2),
        "maxSessionDuration": 7200,
        "inlinePolicies": [{"name": "admin", "policy": compact_json(ADMIN)}],
        "managedPolicyArns": [ids["policy_arn"]],
        "tags": {},
    }
    assert role.arn == ids["role_arn"]
    assert role.relationships == (Relationship("attachedPolicy", ids["policy_arn"]),)
    policy = get(scan, "aws:iam/policy:Policy", ids["policy_arn"])
    assert policy.properties == {
        "name": "read-only-custom",
        "path": "/",
        "description": "reads objects",
        "policy": compact_json(READ_ONLY),
        "tags": {},
    }
    assert policy.resource.name == "read-only-custom"
    # the id (an ARN with "::") stays whole after the first three "::" separators
    assert policy.urn.split("::", 3)[3] == ids["policy_arn"]


def test_kms_keys_with_rotation(scan: DiscoveryResult, ids: dict[str, Any]) -> None:
    rotating = get(scan, "aws:kms/key:Key", ids["rotating_key"])
    assert rotating.properties["enableKeyRotation"] is True
    assert rotating.properties["description"] == "rotating key"
    assert rotating.properties["isEnabled"] is True
    assert rotating.properties["tags"] == {"env": "prod"}
    assert json.loads(rotating.properties["policy"])["Statement"][0]["Action"] == "kms:*"
    assert rotating.arn == ids["rotating_key_arn"]
    static = get(scan, "aws:kms/key:Key", ids["static_key"])
    assert static.properties["enableKeyRotation"] is False
    assert static.properties["tags"] == {}


# --------------------------------------------------------------------------------------------
# Lambda, DynamoDB, CloudTrail, EKS, ECR
# --------------------------------------------------------------------------------------------


def test_lambda_function_env_values_are_secrets(scan: DiscoveryResult, ids: dict[str, Any]) -> None:
    fn = get(scan, "aws:lambda/function:Function", "api")
    props = fn.properties
    assert {k: props[k] for k in ("name", "role", "runtime", "handler", "memorySize", "timeout", "tags")} == {
        "name": "api",
        "role": ids["role_arn"],
        "runtime": "python3.12",
        "handler": "index.handler",
        "memorySize": 256,
        "timeout": 30,
        "tags": {"team": "api"},
    }
    assert props["tracingConfig"] == {"mode": "Active"}
    assert props["environment"]["variables"]["DB_PASSWORD"] == {SIG_KEY: SIG_SECRET, "value": "hunter2"}
    assert redact_secrets(props)["environment"] == {
        "variables": {"DB_PASSWORD": "[secret]", "STAGE": "[secret]"}
    }
    assert "code" not in props
    assert fn.arn == ids["function_arn"]
    assert fn.relationships == (Relationship("role", ids["role_arn"]),)


def test_dynamodb_tables(scan: DiscoveryResult, ids: dict[str, Any]) -> None:
    orders = get(scan, "aws:dynamodb/table:Table", "orders")
    assert orders.properties == {
        "name": "orders",
        "billingMode": "PAY_PER_REQUEST",
        "hashKey": "id",
        "rangeKey": "ts",
        "attributes": [{"name": "id", "type": "S"}, {"name": "ts", "type": "N"}],
        "streamEnabled": False,
        "serverSideEncryption": {"enabled": True, "kmsKeyArn": ids["rotating_key_arn"]},
        "deletionProtectionEnabled": False,
        "pointInTimeRecovery": {"enabled": True},
        "ttl": {"enabled": True, "attributeName": "expires"},
        "tags": {"env": "prod"},
    }
    assert orders.arn == f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/orders"
    sessions = get(scan, "aws:dynamodb/table:Table", "sessions")
    assert sessions.properties == {
        "name": "sessions",
        "billingMode": "PROVISIONED",
        "hashKey": "sid",
        "attributes": [{"name": "sid", "type": "S"}],
        "readCapacity": 5,
        "writeCapacity": 5,
        "streamEnabled": False,
        "serverSideEncryption": {"enabled": False},
        "deletionProtectionEnabled": False,
        "pointInTimeRecovery": {"enabled": False},
        "ttl": {"enabled": False},
        "tags": {},
    }


def test_cloudtrail_trails(scan: DiscoveryResult) -> None:
    org = get(scan, "aws:cloudtrail/trail:Trail", "org-trail")
    assert org.properties == {
        "name": "org-trail",
        "s3BucketName": "log-bucket",
        "includeGlobalServiceEvents": True,
        "isMultiRegionTrail": True,
        "isOrganizationTrail": False,
        "enableLogFileValidation": True,
        "enableLogging": True,
        "tags": {},
    }
    assert org.arn == f"arn:aws:cloudtrail:us-east-1:{ACCOUNT_ID}:trail/org-trail"
    local = get(scan, "aws:cloudtrail/trail:Trail", "local-trail")
    assert (local.properties["isMultiRegionTrail"], local.properties["enableLogFileValidation"]) == (
        False,
        False,
    )
    assert local.properties["enableLogging"] is False


def test_eks_cluster(scan: DiscoveryResult, ids: dict[str, Any]) -> None:
    cluster = get(scan, "aws:eks/cluster:Cluster", "prod")
    props = dict(cluster.properties)
    props.pop("kubernetesNetworkConfig", None)  # the emulator's default service CIDR
    assert props == {
        "name": "prod",
        "roleArn": ids["role_arn"],
        "version": "1.30",
        "vpcConfig": {
            "subnetIds": [ids["subnet"]],
            "securityGroupIds": [ids["web"]],
            "endpointPrivateAccess": True,
            "endpointPublicAccess": False,
        },
        "enabledClusterLogTypes": ["api", "audit"],
        "encryptionConfig": {"provider": {"keyArn": ids["rotating_key_arn"]}, "resources": ["secrets"]},
        "tags": {"env": "prod"},
    }
    assert cluster.arn == f"arn:aws:eks:us-east-1:{ACCOUNT_ID}:cluster/prod"


def test_ecr_repositories(scan: DiscoveryResult) -> None:
    app = get(scan, "aws:ecr/repository:Repository", "app")
    assert app.properties == {
        "name": "app",
        "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfigurations": [{"encryptionType": "AES256"}],
        "tags": {"team": "api"},
    }
    legacy = get(scan, "aws:ecr/repository:Repository", "legacy")
    assert legacy.properties["imageScanningConfiguration"] == {"scanOnPush": False}
    assert legacy.properties["imageTagMutability"] == "MUTABLE"


def test_every_property_is_plain_json(scan: DiscoveryResult) -> None:
    for r in scan.resources:
        assert json.loads(json.dumps(r.properties)) == r.properties, r.urn
