"""tagging over the real stack exports, with the default config (Owner and Environment required).

Read by hand: no resource in the corpus carries an "Environment" tag (the migrated stacks use a
lowercase "environment"), so every resource of a taggable type is reported once; the counts per type
below are the exports' resource counts for the taggable types. The GCP bucket has no labels.
"""

from collections import Counter

EKS_NETWORK = {  # awsx VPC with three public and three private subnets
    "aws:ec2/eip:Eip": 3,
    "aws:ec2/internetGateway:InternetGateway": 1,
    "aws:ec2/natGateway:NatGateway": 3,
    "aws:ec2/routeTable:RouteTable": 6,
    "aws:ec2/subnet:Subnet": 6,
    "aws:ec2/vpc:Vpc": 1,
}
MIGRATED = {
    "aws:acm/certificate:Certificate": 1,
    "aws:ec2/eip:Eip": 2,
    "aws:ec2/instance:Instance": 5,
    "aws:ec2/internetGateway:InternetGateway": 1,
    "aws:ec2/natGateway:NatGateway": 1,
    "aws:ec2/routeTable:RouteTable": 3,
    "aws:ec2/securityGroup:SecurityGroup": 12,
    "aws:ec2/subnet:Subnet": 6,
    "aws:ec2/vpc:Vpc": 1,
    "aws:lb/listener:Listener": 2,
    "aws:lb/loadBalancer:LoadBalancer": 1,
    "aws:lb/targetGroup:TargetGroup": 3,
    "aws:rds/optionGroup:OptionGroup": 1,
    "aws:rds/parameterGroup:ParameterGroup": 1,
    "aws:rds/subnetGroup:SubnetGroup": 2,
}
EXPECTED = {
    "azure-native__upgrade-networked-vm_2.76.0_stack.json": {
        "azure-native:network:NetworkInterface": 1,
        "azure-native:network:PublicIPAddress": 1,
        "azure-native:resources:ResourceGroup": 1,
        "azure-native:compute:VirtualMachine": 1,
        "azure-native:network:VirtualNetwork": 1,
    },
    "eks__TestEksAuthModeUpgrade_upgrade_stack.json": {
        "aws:ec2/internetGateway:InternetGateway": 1,
        "aws:ec2/routeTable:RouteTable": 3,
        "aws:ec2/securityGroup:SecurityGroup": 2,
        "aws:ec2/subnet:Subnet": 3,
        "aws:ec2/vpc:Vpc": 1,
        "aws:eks/cluster:Cluster": 1,
        "aws:iam/role:Role": 1,
    },
    "eks__TestIgnoringScalingChanges_stack.json": {
        **EKS_NETWORK,
        "aws:ec2/launchTemplate:LaunchTemplate": 1,
        "aws:ec2/securityGroup:SecurityGroup": 3,
        "aws:eks/cluster:Cluster": 1,
        "aws:eks/nodeGroup:NodeGroup": 1,
        "aws:iam/role:Role": 4,
    },
    "eks__cluster_3.0.0_stack.json": {
        **EKS_NETWORK,
        "aws:ec2/launchTemplate:LaunchTemplate": 4,
        "aws:ec2/securityGroup:SecurityGroup": 8,
        "aws:eks/cluster:Cluster": 4,
        "aws:iam/role:Role": 8,
    },
    "eks__encryption-provider_3.0.0_stack.json": {
        "aws:ec2/launchTemplate:LaunchTemplate": 1,
        "aws:ec2/securityGroup:SecurityGroup": 2,
        "aws:eks/cluster:Cluster": 1,
        "aws:iam/role:Role": 2,
        "aws:kms/key:Key": 1,
    },
    "eks__managed-nodegroups_3.0.0_stack.json": {
        **EKS_NETWORK,
        "aws:ec2/launchTemplate:LaunchTemplate": 3,
        "aws:ec2/securityGroup:SecurityGroup": 2,
        "aws:eks/cluster:Cluster": 1,
        "aws:eks/nodeGroup:NodeGroup": 5,
        "aws:iam/role:Role": 4,
    },
    "eks__oidc-iam-sa_3.0.0_stack.json": {
        "aws:ec2/launchTemplate:LaunchTemplate": 1,
        "aws:ec2/securityGroup:SecurityGroup": 2,
        "aws:eks/cluster:Cluster": 1,
        "aws:iam/role:Role": 3,
        "aws:s3/bucket:Bucket": 1,
    },
    "eks__storage-classes_3.0.0_stack.json": {
        "aws:ec2/launchTemplate:LaunchTemplate": 2,
        "aws:ec2/securityGroup:SecurityGroup": 4,
        "aws:eks/cluster:Cluster": 2,
        "aws:iam/role:Role": 4,
    },
    "pulumi__stack-testdata__checkpoint-secrets.json": {
        "aws:cloudwatch/logGroup:LogGroup": 2,
        "aws:iam/role:Role": 3,
        "aws:lambda/function:Function": 3,
        "aws:sns/topic:Topic": 2,
    },
    "tfmigrate__dns-to-db-2026-04-05.pulumi-state.json": MIGRATED,
    "tfmigrate__dns-to-db-flat-state-2026-04-08.pulumi-state.json": MIGRATED,
    "tfmigrate__s3bucket-test__test-upsert.checkpoint.json": {"aws:s3/bucket:Bucket": 1},
}


def test_findings_in_real_exports(runner, corpus):
    for file in corpus.exports():
        findings = corpus.findings(runner(), file)
        tags = Counter(f.type for f in findings if f.policy == "required-tags")
        assert tags == Counter(EXPECTED.get(file, {})), file
        labels = [f.resource for f in findings if f.policy == "required-labels"]
        assert labels == (["tested-resource"] if file.startswith("gcp__") else []), file


def test_migrated_stacks_miss_only_the_environment_tag(runner, corpus):
    findings = corpus.findings(runner(), "tfmigrate__dns-to-db-flat-state-2026-04-08.pulumi-state.json")
    assert {f.detail for f in findings} == {"Missing required tag(s): Environment."}
