"""aws-baseline: each policy on compliant, non-compliant and unknown (preview) inputs, plus remediations.

Resource shapes follow pulumi-aws inputs as they appear in real stack exports (camelCase keys; v6
inline bucket blocks, v6 BucketV2 lists, split S3 resources, SecurityGroupRule vs inline ingress).
Everything runs through the test kit (``runner`` in ../../conftest.py is ``PackRunner.load``)."""

import pytest

from policy_host.testing import resource, secret, unknown

UNKNOWN_STRING = unknown("string")
UNKNOWN_BOOL = unknown("boolean")
UNKNOWN_ARRAY = unknown("array")

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
BPA = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
NACL = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ALL_ON = {
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
ADMIN_DOC = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"}]}'
)
READ_DOC = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}]}'
)
SSE = {"rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}}

# (policy, type, props, expected detail fragment or None when compliant, expected level)
CASES = [
    ("s3-bucket-public-access-block", BPA, {"bucket": "b", **ALL_ON}, None, None),
    (
        "s3-bucket-public-access-block",
        BPA,
        {"bucket": "b", "blockPublicAcls": True},
        "blockPublicPolicy",
        "advisory",
    ),
    (
        "s3-bucket-public-access-block",
        "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
        {**ALL_ON, "restrictPublicBuckets": False},
        "restrictPublicBuckets is not enabled",
        "advisory",
    ),
    ("s3-bucket-no-public-acl", BUCKET, {"acl": "private"}, None, None),
    ("s3-bucket-no-public-acl", BUCKET, {"acl": "public-read"}, "'public-read'", "mandatory"),
    (
        "s3-bucket-no-public-acl",
        BUCKET_V2,
        {"grants": [{"type": "Group", "uri": ALL_USERS, "permissions": ["READ"]}]},
        "everyone (AllUsers) READ",
        "mandatory",
    ),
    (
        "s3-bucket-no-public-acl",
        "aws:s3/bucketAclV2:BucketAclV2",
        {
            "accessControlPolicy": {
                "grants": [{"grantee": {"type": "Group", "uri": ALL_USERS}, "permission": "WRITE"}]
            }
        },
        "everyone (AllUsers) WRITE",
        "mandatory",
    ),
    (
        "s3-bucket-no-public-acl",
        "aws:s3/bucketAcl:BucketAcl",
        {"acl": "authenticated-read"},
        "every AWS",
        "mandatory",
    ),
    ("s3-bucket-default-encryption", BUCKET, {"serverSideEncryptionConfiguration": SSE}, None, None),
    ("s3-bucket-default-encryption", BUCKET, {"bucket": "b"}, "declares no default encryption", "advisory"),
    (
        "s3-bucket-default-encryption",
        BUCKET_V2,
        {
            "serverSideEncryptionConfigurations": [
                {"rules": [{"applyServerSideEncryptionByDefaults": [{"sseAlgorithm": "aws:kms"}]}]}
            ]
        },
        None,
        None,
    ),
    (
        "s3-bucket-default-encryption",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
        {"bucket": "b", "rules": []},
        "no valid algorithm",
        "advisory",
    ),
    ("s3-bucket-versioning", BUCKET, {"versioning": {"enabled": True}}, None, None),
    ("s3-bucket-versioning", BUCKET, {"versioning": {"enabled": False}}, "not enabled", "advisory"),
    ("s3-bucket-versioning", BUCKET_V2, {"versionings": [{"enabled": True}]}, None, None),
    ("s3-bucket-versioning", BUCKET, {"bucket": "b"}, "not enabled", "advisory"),
    (
        "s3-bucket-versioning",
        "aws:s3/bucketVersioningV2:BucketVersioningV2",
        {"bucket": "b", "versioningConfiguration": {"status": "Suspended"}},
        "'Suspended'",
        "advisory",
    ),
    ("rds-storage-encrypted", "aws:rds/instance:Instance", {"storageEncrypted": True}, None, None),
    (
        "rds-storage-encrypted",
        "aws:rds/instance:Instance",
        {"engine": "mysql"},
        "storageEncrypted",
        "advisory",
    ),
    ("rds-storage-encrypted", "aws:rds/instance:Instance", {"replicateSourceDb": "db-1"}, None, None),
    (
        "rds-storage-encrypted",
        "aws:rds/cluster:Cluster",
        {"engine": "aurora-postgresql"},
        "storageEncrypted",
        "advisory",
    ),
    ("rds-no-public-access", "aws:rds/instance:Instance", {"publiclyAccessible": False}, None, None),
    (
        "rds-no-public-access",
        "aws:rds/clusterInstance:ClusterInstance",
        {"publiclyAccessible": True},
        "public",
        "mandatory",
    ),
    (
        "ec2-security-group-no-public-admin-ports",
        SG,
        {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["10.0.0.0/16"]}]},
        None,
        None,
    ),
    (
        "ec2-security-group-no-public-admin-ports",
        SG,
        {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]},
        "0.0.0.0/0 reaches remote administration port(s) 22 (SSH) (protocol tcp, ports 22-22)",
        "mandatory",
    ),
    (
        "ec2-security-group-no-public-admin-ports",
        SG_RULE,
        {"type": "ingress", "protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["::/0"]},
        "::/0 reaches remote administration port(s) 22 (SSH), 3389 (RDP) (all protocols and ports)",
        "mandatory",
    ),
    (
        "ec2-security-group-no-public-admin-ports",
        SG_RULE,
        {"type": "egress", "protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]},
        None,
        None,
    ),
    (
        "ec2-security-group-no-public-admin-ports",
        INGRESS_RULE,
        {"ipProtocol": "tcp", "fromPort": 3000, "toPort": 4000, "cidrIpv4": "0.0.0.0/0"},
        "3389 (RDP)",
        "mandatory",
    ),
    (
        "ec2-security-group-no-public-admin-ports",
        SG,
        {"ingress": [{"protocol": "icmp", "fromPort": -1, "toPort": -1, "cidrBlocks": ["0.0.0.0/0"]}]},
        None,
        None,
    ),
    (
        "ec2-security-group-no-public-database-ports",
        SG_RULE,
        {"type": "ingress", "protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["0.0.0.0/0"]},
        "5432 (PostgreSQL)",
        "advisory",
    ),
    (
        "ec2-security-group-no-public-database-ports",
        SG,
        {"ingress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}]},
        None,
        None,
    ),
    (
        "ec2-nacl-no-public-admin-ports",
        NACL,
        {
            "ingress": [
                {
                    "action": "allow",
                    "protocol": "-1",
                    "fromPort": 0,
                    "toPort": 0,
                    "cidrBlock": "0.0.0.0/0",
                    "ruleNo": 100,
                }
            ]
        },
        "Rule 100 allows 0.0.0.0/0 to port 22 (SSH)",
        "advisory",
    ),
    (
        "ec2-nacl-no-public-admin-ports",
        NACL,
        {
            "ingress": [
                {
                    "action": "allow",
                    "protocol": "-1",
                    "fromPort": 0,
                    "toPort": 0,
                    "cidrBlock": "0.0.0.0/0",
                    "ruleNo": 100,
                },
                {
                    "action": "deny",
                    "protocol": "tcp",
                    "fromPort": 22,
                    "toPort": 22,
                    "cidrBlock": "0.0.0.0/0",
                    "ruleNo": 10,
                },
                {
                    "action": "deny",
                    "protocol": "tcp",
                    "fromPort": 3389,
                    "toPort": 3389,
                    "cidrBlock": "0.0.0.0/0",
                    "ruleNo": 11,
                },
            ]
        },
        None,
        None,
    ),
    ("iam-no-wildcard-admin-policy", "aws:iam/policy:Policy", {"policy": READ_DOC}, None, None),
    (
        "iam-no-wildcard-admin-policy",
        "aws:iam/policy:Policy",
        {"policy": ADMIN_DOC},
        "allows Action '*' on Resource '*' (statement 'All')",
        "mandatory",
    ),
    (
        "iam-no-wildcard-admin-policy",
        "aws:iam/rolePolicy:RolePolicy",
        {"policy": {"Statement": {"Effect": "Allow", "Action": ["*:*"], "Resource": ["*"]}}},
        "allows Action '*'",
        "mandatory",
    ),
    (
        "iam-no-wildcard-admin-policy",
        "aws:iam/role:Role",
        {"inlinePolicies": [{"name": "admin", "policy": ADMIN_DOC}]},
        "Inline policy 'admin' allows",
        "mandatory",
    ),
    (
        "iam-no-wildcard-admin-policy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
        "Attaches arn:aws:iam::aws:policy/AdministratorAccess",
        "mandatory",
    ),
    (
        "iam-no-wildcard-admin-policy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"},
        None,
        None,
    ),
    ("ebs-volume-encryption", "aws:ebs/volume:Volume", {"size": 8, "encrypted": True}, None, None),
    ("ebs-volume-encryption", "aws:ebs/volume:Volume", {"size": 8}, "not encrypted", "advisory"),
    (
        "ebs-volume-encryption",
        INSTANCE,
        {"rootBlockDevice": {"volumeSize": 8, "volumeType": "gp2"}},
        "root volume is not declared encrypted",
        "advisory",
    ),
    (
        "ebs-volume-encryption",
        INSTANCE,
        {
            "rootBlockDevice": {"encrypted": True},
            "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": False}],
        },
        "/dev/sdf is not encrypted",
        "advisory",
    ),
    (
        "ebs-volume-encryption",
        LAUNCH_TEMPLATE,
        {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}]},
        None,
        None,
    ),
    ("ebs-volume-encryption", LAUNCH_TEMPLATE, {"blockDeviceMappings": []}, None, None),
    (
        "ebs-encryption-by-default",
        "aws:ebs/encryptionByDefault:EncryptionByDefault",
        {"enabled": False},
        "disabled",
        "advisory",
    ),
    ("ebs-encryption-by-default", "aws:ebs/encryptionByDefault:EncryptionByDefault", {}, None, None),
    ("ec2-imdsv2-required", INSTANCE, {"metadataOptions": {"httpTokens": "required"}}, None, None),
    (
        "ec2-imdsv2-required",
        INSTANCE,
        {"metadataOptions": {"httpTokens": "optional"}},
        "'optional'",
        "advisory",
    ),
    ("ec2-imdsv2-required", LAUNCH_TEMPLATE, {"name": "lt"}, "not set to 'required'", "advisory"),
    ("ec2-imdsv2-required", LAUNCH_TEMPLATE, {"metadataOptions": {"httpEndpoint": "disabled"}}, None, None),
    ("cloudtrail-multi-region", "aws:cloudtrail/trail:Trail", {"isMultiRegionTrail": True}, None, None),
    (
        "cloudtrail-multi-region",
        "aws:cloudtrail/trail:Trail",
        {"s3BucketName": "logs"},
        "isMultiRegionTrail",
        "advisory",
    ),
    (
        "cloudtrail-log-file-validation",
        "aws:cloudtrail/trail:Trail",
        {"enableLogFileValidation": True},
        None,
        None,
    ),
    (
        "cloudtrail-log-file-validation",
        "aws:cloudtrail/trail:Trail",
        {},
        "enableLogFileValidation",
        "advisory",
    ),
    ("kms-key-rotation", "aws:kms/key:Key", {"enableKeyRotation": True}, None, None),
    (
        "kms-key-rotation",
        "aws:kms/key:Key",
        {"enableKeyRotation": False},
        "enableKeyRotation is not true",
        "advisory",
    ),
    ("lambda-supported-runtime", "aws:lambda/function:Function", {"runtime": "python3.12"}, None, None),
    (
        "lambda-supported-runtime",
        "aws:lambda/function:Function",
        {"runtime": "nodejs6.10"},
        "'nodejs6.10' is deprecated",
        "advisory",
    ),
    (
        "lambda-supported-runtime",
        "aws:lambda/function:Function",
        {"packageType": "Image", "imageUri": "x"},
        None,
        None,
    ),
    (
        "eks-endpoint-not-public",
        "aws:eks/cluster:Cluster",
        {"vpcConfig": {"endpointPublicAccess": False}},
        None,
        None,
    ),
    (
        "eks-endpoint-not-public",
        "aws:eks/cluster:Cluster",
        {"vpcConfig": {"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]}},
        None,
        None,
    ),
    (
        "eks-endpoint-not-public",
        "aws:eks/cluster:Cluster",
        {"vpcConfig": {"subnetIds": ["subnet-1"]}},
        "open to 0.0.0.0/0 (publicAccessCidrs not set)",
        "advisory",
    ),
    (
        "ecr-scan-on-push",
        "aws:ecr/repository:Repository",
        {"imageScanningConfiguration": {"scanOnPush": True}},
        None,
        None,
    ),
    (
        "ecr-scan-on-push",
        "aws:ecr/repository:Repository",
        {"name": "app"},
        "scanOnPush is not true",
        "advisory",
    ),
    ("ecr-immutable-tags", "aws:ecr/repository:Repository", {"imageTagMutability": "IMMUTABLE"}, None, None),
    ("ecr-immutable-tags", "aws:ecr/repository:Repository", {"name": "app"}, "'MUTABLE'", "advisory"),
]


def details(found):
    return [d.message.partition("\n")[2] for d in found]


@pytest.mark.parametrize("policy, type_, props, expected, level", CASES)
def test_policy_verdicts(runner, policy, type_, props, expected, level):
    verdict = runner().analyze(resource(type_, props))
    if expected is None:
        verdict.assert_passes(policy)  # no violation, and not reported not-applicable either
    else:
        found = verdict.assert_violation(policy)
        assert any(expected in text for text in details(found)), details(found)
        assert {d.level for d in found} == {level}


# (policy, type, props holding an unknown where the decision depends on it)
UNKNOWN_CASES = [
    ("s3-bucket-public-access-block", BPA, {**ALL_ON, "blockPublicPolicy": UNKNOWN_BOOL}),
    ("s3-bucket-no-public-acl", BUCKET, {"acl": UNKNOWN_STRING}),
    ("s3-bucket-default-encryption", BUCKET, {"serverSideEncryptionConfiguration": UNKNOWN_STRING}),
    ("s3-bucket-versioning", BUCKET, {"versioning": {"enabled": UNKNOWN_BOOL}}),
    ("rds-storage-encrypted", "aws:rds/instance:Instance", {"storageEncrypted": UNKNOWN_BOOL}),
    ("rds-no-public-access", "aws:rds/instance:Instance", {"publiclyAccessible": UNKNOWN_BOOL}),
    (
        "ec2-security-group-no-public-admin-ports",
        SG_RULE,
        {"type": "ingress", "protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": UNKNOWN_ARRAY},
    ),
    ("ec2-security-group-no-public-database-ports", SG, {"ingress": UNKNOWN_ARRAY}),
    (
        "ec2-nacl-no-public-admin-ports",
        NACL,
        {"ingress": [{"action": "allow", "protocol": "-1", "cidrBlock": UNKNOWN_STRING, "ruleNo": 1}]},
    ),
    ("iam-no-wildcard-admin-policy", "aws:iam/policy:Policy", {"policy": UNKNOWN_STRING}),
    ("ebs-volume-encryption", "aws:ebs/volume:Volume", {"encrypted": UNKNOWN_BOOL}),
    (
        "ebs-encryption-by-default",
        "aws:ebs/encryptionByDefault:EncryptionByDefault",
        {"enabled": UNKNOWN_BOOL},
    ),
    ("ec2-imdsv2-required", INSTANCE, {"metadataOptions": UNKNOWN_STRING}),
    ("cloudtrail-multi-region", "aws:cloudtrail/trail:Trail", {"isMultiRegionTrail": UNKNOWN_BOOL}),
    (
        "cloudtrail-log-file-validation",
        "aws:cloudtrail/trail:Trail",
        {"enableLogFileValidation": UNKNOWN_BOOL},
    ),
    ("kms-key-rotation", "aws:kms/key:Key", {"enableKeyRotation": UNKNOWN_BOOL}),
    ("lambda-supported-runtime", "aws:lambda/function:Function", {"runtime": UNKNOWN_STRING}),
    (
        "eks-endpoint-not-public",
        "aws:eks/cluster:Cluster",
        {"vpcConfig": {"publicAccessCidrs": UNKNOWN_ARRAY}},
    ),
    (
        "ecr-scan-on-push",
        "aws:ecr/repository:Repository",
        {"imageScanningConfiguration": {"scanOnPush": UNKNOWN_BOOL}},
    ),
    ("ecr-immutable-tags", "aws:ecr/repository:Repository", {"imageTagMutability": UNKNOWN_STRING}),
]


@pytest.mark.parametrize("policy, type_, props", UNKNOWN_CASES)
def test_unknown_inputs_are_never_violations(runner, policy, type_, props):
    # Even at mandatory, an unknown value yields only the runtime's advisory "can't run" diagnostic.
    verdict = runner({"all": "mandatory"}).analyze(resource(type_, props))
    [diagnostic] = verdict.violations_of(policy)
    assert diagnostic.level == "advisory"
    assert diagnostic.message.startswith(
        f"can't run policy '{policy}' from policy pack 'aws-baseline@v1.0.0'"
    )


def test_every_policy_is_exercised(pack):
    names = {p.name for p in pack.POLICIES}
    assert len(names) == len(pack.POLICIES) >= 15
    covered = {c[0] for c in CASES if c[3] is not None} | {c[0] for c in UNKNOWN_CASES}
    assert names - covered == {"s3-bucket-public-access-block-present"}  # a stack policy, tested below


def test_every_policy_has_review_metadata(pack):
    for policy in pack.POLICIES:
        assert policy.severity is not None, policy.name
        assert policy.remediation_steps and policy.url and policy.framework, policy.name


def test_asymmetric_kms_keys_are_not_applicable(runner):
    verdict = runner().analyze(
        resource("aws:kms/key:Key", {"customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"})
    )
    verdict.assert_not_applicable(
        "kms-key-rotation", reason="Only symmetric encryption keys support automatic rotation"
    )


def test_database_ports_are_configurable(runner):
    rule = resource(
        SG_RULE,
        {"type": "ingress", "protocol": "tcp", "fromPort": 8080, "toPort": 8080, "cidrBlocks": ["0.0.0.0/0"]},
    )
    policy = "ec2-security-group-no-public-database-ports"
    runner().analyze(rule).assert_passes(policy)
    [v] = runner({policy: {"ports": [8080]}}).analyze(rule).violations_of(policy)
    assert "8080 (database)" in details([v])[0]


def test_inline_configuration_requirement_can_be_relaxed(runner):
    relaxed = runner({"s3-bucket-versioning": {"requireInlineConfiguration": False}})
    relaxed.analyze(resource(BUCKET, {"bucket": "b"})).assert_no_violation("s3-bucket-versioning")
    relaxed.analyze(resource(BUCKET, {"versioning": {"enabled": False}})).assert_violation(
        "s3-bucket-versioning"
    )


def test_kms_can_be_required_for_default_encryption(runner):
    strict = runner({"s3-bucket-default-encryption": {"requireKms": True}})
    verdict = strict.analyze(resource(BUCKET, {"serverSideEncryptionConfiguration": SSE}))
    [v] = verdict.violations_of("s3-bucket-default-encryption")
    assert "AES256; SSE-KMS is required" in details([v])[0]


# -- remediations ---------------------------------------------------------------------------------

# (policy, type, props before, the properties the remediation must produce)
REMEDIATIONS = [
    ("s3-bucket-versioning", BUCKET, {"bucket": "b"}, {"bucket": "b", "versioning": {"enabled": True}}),
    (
        "s3-bucket-versioning",
        "aws:s3/bucketVersioningV2:BucketVersioningV2",
        {"bucket": "b", "versioningConfiguration": {"status": "Suspended"}},
        {"bucket": "b", "versioningConfiguration": {"status": "Enabled"}},
    ),
    (
        "s3-bucket-default-encryption",
        BUCKET,
        {"bucket": "b"},
        {"bucket": "b", "serverSideEncryptionConfiguration": SSE},
    ),
    (
        "kms-key-rotation",
        "aws:kms/key:Key",
        {"description": "k"},
        {"description": "k", "enableKeyRotation": True},
    ),
    (
        "ecr-immutable-tags",
        "aws:ecr/repository:Repository",
        {"name": "app"},
        {"name": "app", "imageTagMutability": "IMMUTABLE"},
    ),
    (
        "ecr-scan-on-push",
        "aws:ecr/repository:Repository",
        {"name": "app"},
        {"name": "app", "imageScanningConfiguration": {"scanOnPush": True}},
    ),
    (
        "cloudtrail-log-file-validation",
        "aws:cloudtrail/trail:Trail",
        {"name": "t"},
        {"name": "t", "enableLogFileValidation": True},
    ),
    (
        "cloudtrail-multi-region",
        "aws:cloudtrail/trail:Trail",
        {"name": "t"},
        {"name": "t", "isMultiRegionTrail": True},
    ),
    (
        "ebs-encryption-by-default",
        "aws:ebs/encryptionByDefault:EncryptionByDefault",
        {"enabled": False},
        {"enabled": True},
    ),
]


@pytest.mark.parametrize("policy, type_, before, after", REMEDIATIONS)
def test_remediations_fix_the_violation(runner, policy, type_, before, after):
    pack = runner({policy: "remediate"})
    fixed = pack.remediate(resource(type_, before))
    assert [r.policy_name for r in fixed.remediations] == [policy]
    fixed.assert_remediated(policy, **after)
    assert fixed.after == after
    # the engine then analyzes the remediated inputs: the policy must now pass
    pack.analyze(resource(type_, fixed.after)).assert_no_violation(policy)


def test_remediation_keeps_internal_keys_and_secrets(runner):
    pack = runner({"kms-key-rotation": "remediate"})
    before = {"__defaults": ["isEnabled"], "policy": secret('{"Statement":[]}'), "tags": {"team": "sec"}}
    after = pack.remediate(resource("aws:kms/key:Key", before)).after
    assert after["__defaults"] == ["isEnabled"]
    assert after["policy"] == secret('{"Statement":[]}')  # still the wire's secret object, not plaintext
    assert after["enableKeyRotation"] is True


def test_no_remediation_without_a_safe_fix(runner):
    # A BucketV2 keeps its deprecated inline list: the fix is a separate BucketVersioningV2 resource.
    pack = runner({"s3-bucket-versioning": "remediate", "s3-bucket-default-encryption": "remediate"})
    pack.remediate(resource(BUCKET_V2, {"bucket": "b"})).assert_not_remediated()
    # Compliant or already-declared resources are left alone.
    compliant = {"versioning": {"enabled": True}, "serverSideEncryptionConfiguration": SSE}
    pack.remediate(resource(BUCKET, compliant)).assert_not_remediated()


# -- the stack policy -----------------------------------------------------------------------------


def stack(*resources):
    """Stack resources (outputs) named ``n`` with URNs in a ``dev`` stack of project ``app``."""
    return [resource(t, p, name=n, urn=f"urn:pulumi:dev::app::{t}::{n}") for t, n, p in resources]


STACK_BUCKETS = stack(
    (BUCKET, "covered", {"bucket": "covered-123", "id": "covered-123"}),
    (BUCKET, "bare", {"bucket": "bare-456", "id": "bare-456"}),
    (BPA, "covered-block", {"bucket": "covered-123", **ALL_ON}),
)
STACK_ACCOUNT_BLOCK = stack(
    (BUCKET, "bare", {"bucket": "bare-456"}),
    ("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", "account", ALL_ON),
)
STACK_WITHOUT_BUCKETS = stack(("aws:ec2/vpc:Vpc", "vpc", {}))


def test_buckets_need_a_public_access_block(runner):
    policy = "s3-bucket-public-access-block-present"
    [v] = runner().analyze_stack(STACK_BUCKETS).violations_of(policy)
    assert v.urn == f"urn:pulumi:dev::app::{BUCKET}::bare"
    assert "Bucket 'bare' has no BucketPublicAccessBlock" in details([v])[0]


def test_an_account_block_covers_every_bucket(runner):
    runner().analyze_stack(STACK_ACCOUNT_BLOCK).assert_no_violation("s3-bucket-public-access-block-present")


def test_stacks_without_buckets_are_not_applicable(runner):
    verdict = runner().analyze_stack(STACK_WITHOUT_BUCKETS)
    [reason] = [
        n.reason for n in verdict.not_applicable if n.policy_name == "s3-bucket-public-access-block-present"
    ]
    assert reason.startswith("Policy only applies to stacks with resources of type")
