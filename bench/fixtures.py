"""The benchmark's inputs: an S3 bucket shaped like a real stack export, and stacks of N resources.

Shapes come from real ``pulumi stack export`` files in the shared corpus: the bucket from
``eks__oidc-iam-sa_3.0.0_stack.json`` (24 outputs: versioning, serverSideEncryptionConfiguration, ...)
with the identity of ``tfmigrate__s3bucket-test__test-upsert.checkpoint.json`` (names, region, tagsAll);
``lifecycleRules``, ``loggings`` and ``tags`` are filled with one realistic entry each (empty in the
export) so that policies reading nested lists have something to walk. The IAM role and security group
follow ``eks__TestEksAuthModeUpgrade_upgrade_stack.json``; the EC2 instance a trimmed
``tfmigrate__dns-to-db`` instance. The values are copied into this module so the bench runs without
the corpus.
"""

from __future__ import annotations

import copy
from typing import Any

from pulumi.runtime import proto

from policy_host.model import ProviderRef, Resource, ResourceOptions
from policy_host.wire import convert

PROJECT = "s3bucket-test"
STACK = "test-upsert"
STACK_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
PROVIDER = ProviderRef(
    type="pulumi:providers:aws",
    urn=f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:aws::default::7844429e-9c0b-4f50-b610-4d8a4bb2bcfa",
    name="default",
    properties={"region": "us-west-2", "skipCredentialsValidation": "false", "version": "6.58.0"},
)
BUCKET_TYPE = "aws:s3/bucket:Bucket"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"


def s3_bucket_props(name: str = "test-bucket-upsert-demo") -> dict[str, Any]:
    """~25 properties of an ``aws:s3/bucket:Bucket``, nested the way pulumi-aws v6 reports them."""
    return {
        "accelerationStatus": "",
        "acl": "private",
        "arn": f"arn:aws:s3:::{name}",
        "bucket": name,
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketPrefix": None,
        "bucketRegionalDomainName": f"{name}.s3.us-west-2.amazonaws.com",
        "corsRules": [],
        "forceDestroy": False,
        "grants": [],
        "hostedZoneId": "Z3BJ6K6RIION7M",
        "id": name,
        "lifecycleRules": [
            {
                "abortIncompleteMultipartUploadDays": 7,
                "enabled": True,
                "expiration": {"days": 365, "expiredObjectDeleteMarker": False},
                "id": "expire-old",
                "noncurrentVersionExpiration": {"days": 30},
                "prefix": "logs/",
                "tags": {},
                "transitions": [{"days": 30, "storageClass": "STANDARD_IA"}],
            }
        ],
        "loggings": [{"targetBucket": "access-logs-bucket", "targetPrefix": f"s3/{name}/"}],
        "objectLockConfiguration": None,
        "policy": None,
        "region": "us-west-2",
        "replicationConfiguration": None,
        "requestPayer": "BucketOwner",
        "serverSideEncryptionConfiguration": {
            "rule": {
                "applyServerSideEncryptionByDefault": {"kmsMasterKeyId": "", "sseAlgorithm": "AES256"},
                "bucketKeyEnabled": False,
            }
        },
        "tags": {"app": "s3bucket-test", "env": "test", "owner": "platform"},
        "tagsAll": {"app": "s3bucket-test", "env": "test", "owner": "platform"},
        "versioning": {"enabled": False, "mfaDelete": False},
        "website": None,
        "websiteDomain": None,
        "websiteEndpoint": None,
    }


def s3_bucket(name: str = "test-bucket") -> Resource:
    """The Analyze input: a bucket registered under the stack, with its provider."""
    return Resource(
        type=BUCKET_TYPE,
        urn=urn(BUCKET_TYPE, name),
        name=name,
        properties=s3_bucket_props(f"{name}-upsert-demo"),
        options=ResourceOptions(parent=STACK_URN),
        provider=PROVIDER,
        parent=STACK_URN,
    )


def analyze_request() -> Any:
    """``AnalyzeRequest`` for :func:`s3_bucket`, as the engine sends it."""
    return convert.analyze_request_from_resource(s3_bucket())


# ---------------------------------------------------------------------------------------------
# Stacks
# ---------------------------------------------------------------------------------------------


def _role_props(name: str) -> dict[str, Any]:
    return {
        "arn": f"arn:aws:iam::894850187425:role/{name}",
        "assumeRolePolicy": '{"Statement":[{"Action":["sts:AssumeRole"],"Effect":"Allow",'
        '"Principal":{"Service":["eks.amazonaws.com"]}}],"Version":"2012-10-17"}',
        "description": "Allows EKS to manage clusters on your behalf.",
        "forceDetachPolicies": False,
        "inlinePolicies": [],
        "managedPolicyArns": ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"],
        "maxSessionDuration": 3600,
        "name": name,
        "path": "/",
        "permissionsBoundary": "",
        "tags": {"owner": "platform"},
        "tagsAll": {"owner": "platform"},
    }


def _security_group_props(name: str, open_to_world: bool) -> dict[str, Any]:
    cidr = "0.0.0.0/0" if open_to_world else "10.0.0.0/16"
    return {
        "arn": f"arn:aws:ec2:us-west-2:894850187425:security-group/sg-{name}",
        "description": "Managed by Pulumi",
        "egress": [{"cidrBlocks": ["0.0.0.0/0"], "fromPort": 0, "protocol": "-1", "toPort": 0}],
        "ingress": [{"cidrBlocks": [cidr], "fromPort": 443, "protocol": "tcp", "toPort": 443}],
        "name": name,
        "revokeRulesOnDelete": True,
        "tags": {"Name": name},
        "tagsAll": {"Name": name},
        "vpcId": "vpc-0908b9f6d32b008fb",
    }


def _instance_props(name: str, encrypted: bool) -> dict[str, Any]:
    return {
        "ami": "ami-0771b6766e1e61632",
        "associatePublicIpAddress": False,
        "availabilityZone": "us-west-2a",
        "instanceType": "t3.micro",
        "metadataOptions": {
            "httpEndpoint": "enabled",
            "httpPutResponseHopLimit": 1,
            "httpTokens": "required",
        },
        "monitoring": False,
        "privateIp": "10.0.1.56",
        "rootBlockDevice": {
            "deleteOnTermination": True,
            "encrypted": encrypted,
            "volumeSize": 8,
            "volumeType": "gp2",
        },
        "tags": {"Name": name, "owner": "platform"},
        "vpcSecurityGroupIds": ["sg-0697431457b6f6a34"],
    }


def _templates() -> list[Resource]:
    """One resource per variant; a stack cycles through them (buckets are every other resource)."""
    plain = s3_bucket("bucket")
    unlogged = s3_bucket("bucket")
    unlogged.properties["loggings"] = []
    unlogged.properties["versioning"] = {"enabled": True, "mfaDelete": False}
    kms = s3_bucket("bucket")
    sse = kms.properties["serverSideEncryptionConfiguration"]["rule"]["applyServerSideEncryptionByDefault"]
    sse.update(sseAlgorithm="aws:kms", kmsMasterKeyId="arn:aws:kms:us-west-2:894850187425:key/1")
    untagged = s3_bucket("bucket")
    untagged.properties["tags"] = {}

    first_bucket = urn(BUCKET_TYPE, "bucket-0")  # the first generated resource (see stack_request)

    def other(type_: str, props: dict[str, Any]) -> Resource:
        return Resource(
            type=type_,
            urn=urn(type_, "x"),
            name="x",
            properties=props,
            options=ResourceOptions(parent=STACK_URN),
            provider=PROVIDER,
            parent=STACK_URN,
            dependencies=(first_bucket,),
            property_dependencies={"tags": (first_bucket,)},
        )

    return [
        plain,
        other("aws:iam/role:Role", _role_props("role")),
        unlogged,
        other("aws:ec2/securityGroup:SecurityGroup", _security_group_props("sg", open_to_world=False)),
        kms,
        other("aws:ec2/instance:Instance", _instance_props("web", encrypted=True)),
        untagged,
        other("aws:ec2/securityGroup:SecurityGroup", _security_group_props("sg", open_to_world=True)),
        copy.deepcopy(plain),
        other("aws:ec2/instance:Instance", _instance_props("web", encrypted=False)),
    ]


def stack_request(n: int) -> Any:
    """``AnalyzeStackRequest`` with ``n`` resources: the root stack, the provider, then a mix of
    buckets (half), IAM roles, security groups and instances, each with a unique URN and name.

    Messages are built once per variant and copied, so 100,000 resources take seconds, not minutes.
    """
    request = proto.AnalyzeStackRequest()
    root = Resource(type="pulumi:pulumi:Stack", urn=STACK_URN, name=f"{PROJECT}-{STACK}")
    provider = Resource(
        type=PROVIDER.type, urn=PROVIDER.urn, name=PROVIDER.name, properties=PROVIDER.properties
    )
    head = [root, provider][: max(0, n)]
    request.resources.extend(convert.analyzer_resource_from_resource(r) for r in head)
    templates = [convert.analyzer_resource_from_resource(t) for t in _templates()]
    for i in range(n - len(head)):
        template = templates[i % len(templates)]
        msg = request.resources.add()
        msg.CopyFrom(template)
        name = f"{template.type.rsplit(':', 1)[-1].lower()}-{i}"
        msg.name = name
        msg.urn = urn(template.type, name)
        if template.type == BUCKET_TYPE:
            msg.properties["bucket"] = name
            msg.properties["id"] = name
    return request
