"""aws-baseline over the real stack exports in ../shared/corpus/states: the findings listed in the README.

The expected lists were derived by reading the exports' resource inputs (and outputs for the stack
policy) by hand: e.g. every EKS cluster's vpcConfig leaves endpointPublicAccess at its default (true)
with no publicAccessCidrs, the KMS key of the encryption-provider example has enableKeyRotation false,
and the migrated bastion security group opens port 22 to 0.0.0.0/0.
"""

from collections import Counter

import pytest

ENDPOINT = "eks-endpoint-not-public"
IMDS = "ec2-imdsv2-required"
SSH = "ec2-security-group-no-public-admin-ports"
NACL = "ec2-nacl-no-public-admin-ports"
EBS = "ebs-volume-encryption"
S3_FINDINGS = [
    "s3-bucket-default-encryption",
    "s3-bucket-versioning",
    "s3-bucket-public-access-block-present",
]

EXPECTED = {
    "azure-native__upgrade-networked-vm_2.76.0_stack.json": [],
    "eks__TestEksAuthModeUpgrade_upgrade_stack.json": [(ENDPOINT, "EksCluster-eksCluster")],
    "eks__TestIgnoringScalingChanges_stack.json": [
        (ENDPOINT, "ignore-scaling-config-eksCluster"),
        (IMDS, "ignore-scaling-config-ngv2-launchTemplate"),
    ],
    "eks__cluster_3.0.0_stack.json": [(ENDPOINT, f"example-cluster-{i}-eksCluster") for i in range(1, 5)]
    + [(IMDS, f"example-cluster-{i}-launchTemplate") for i in range(1, 5)],
    "eks__encryption-provider_3.0.0_stack.json": [
        ("kms-key-rotation", "secrets-encryption-key"),
        (ENDPOINT, "encryption-provider-eksCluster"),
        (IMDS, "encryption-provider-launchTemplate"),
    ],
    "eks__managed-nodegroups_3.0.0_stack.json": [(ENDPOINT, "example-managed-nodegroups-eksCluster")],
    "eks__oidc-iam-sa_3.0.0_stack.json": [
        (ENDPOINT, "example-oidc-iam-sa-eksCluster"),
        (IMDS, "example-oidc-iam-sa-launchTemplate"),
    ]
    + [(policy, "pod-irsa-job-bucket") for policy in S3_FINDINGS],
    "eks__storage-classes_3.0.0_stack.json": [
        (ENDPOINT, "example-storage-classes-1-eksCluster"),
        (ENDPOINT, "example-storage-classes-2-eksCluster"),
        (IMDS, "example-storage-classes-1-launchTemplate"),
        (IMDS, "example-storage-classes-2-launchTemplate"),
    ],
    "gcp__storage-bucket_6.67.0_stack.json": [],
    "pranavk1511__Csye-6225__stack-export.empty.json": [],
    "pulumi__stack-testdata__checkpoint-secrets.json": [
        ("lambda-supported-runtime", "countDown_watcher"),
        ("lambda-supported-runtime", "pulumi-foo-log-collector"),
        ("lambda-supported-runtime", "heartbeat"),
    ],
    # terraform-migrated stacks: five EC2 instances with unencrypted root volumes, the bastion security
    # group (inline ingress and its SecurityGroupRule) open to SSH, and the default network ACL allowing
    # all traffic from anywhere (reported once for 22 and once for 3389).
    "tfmigrate__dns-to-db-2026-04-05.pulumi-state.json": [(EBS, "this[0]")] * 5
    + [(SSH, "this_name_prefix[0]"), (SSH, "ingress_rules[0]"), (NACL, "this[0]"), (NACL, "this[0]")],
    "tfmigrate__dns-to-db-flat-state-2026-04-08.pulumi-state.json": [
        (EBS, 'ec2_private_app1["0"]_this[0]'),
        (EBS, 'ec2_private_app1["1"]_this[0]'),
        (EBS, 'ec2_private_app2["0"]_this[0]'),
        (EBS, 'ec2_private_app2["1"]_this[0]'),
        (EBS, "ec2_public_this[0]"),
        (SSH, "public_bastion_sg_this_name_prefix[0]"),
        (SSH, "public_bastion_sg_ingress_rules[0]"),
        (NACL, "vpc_this[0]"),
        (NACL, "vpc_this[0]"),
    ],
    "tfmigrate__s3bucket-test__test-upsert.checkpoint.json": [
        (policy, "test-bucket") for policy in S3_FINDINGS
    ],
}


def test_every_export_is_covered(corpus):
    assert sorted(EXPECTED) == corpus.exports()


@pytest.mark.parametrize("export", sorted(EXPECTED))
def test_findings_in_real_exports(runner, corpus, export):
    findings = corpus.findings(runner(), export)
    assert Counter((f.policy, f.resource) for f in findings) == Counter(EXPECTED[export])
    for f in findings:
        # the baseline's defaults: public SSH is mandatory, everything found here else is advisory
        assert f.level == ("mandatory" if f.policy == SSH else "advisory"), f


def test_ssh_findings_name_the_port_and_source(runner, corpus):
    findings = corpus.findings(runner(), "tfmigrate__dns-to-db-flat-state-2026-04-08.pulumi-state.json")
    details = {f.detail for f in findings if f.policy == SSH}
    assert details == {
        "Ingress from 0.0.0.0/0 reaches remote administration port(s) 22 (SSH) (protocol tcp, ports 22-22)."
    }
