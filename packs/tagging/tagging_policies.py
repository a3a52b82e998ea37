"""tagging policies: required tags / labels from config, and a secret-safe remediation adding defaults.

A tag counts as present when its key exists with a non-empty value; a value that is unknown during
preview counts as present (it will be set at deploy time), so unknowns never cause false violations.
On AWS, provider-level ``defaultTags`` appear in ``tagsAll`` and count as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from policy_host.sdk import props_get, remediate_props, resource_policy

# Resource types that take a ``tags`` map (resources whose tags are a list, like autoscaling groups,
# are left out on purpose).
AWS_TAGGABLE = [
    "aws:acm/certificate:Certificate",
    "aws:cloudtrail/trail:Trail",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:dynamodb/table:Table",
    "aws:ebs/volume:Volume",
    "aws:ec2/eip:Eip",
    "aws:ec2/instance:Instance",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/networkAcl:NetworkAcl",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ecr/repository:Repository",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/service:Service",
    "aws:ecs/taskDefinition:TaskDefinition",
    "aws:efs/fileSystem:FileSystem",
    "aws:eks/cluster:Cluster",
    "aws:eks/nodeGroup:NodeGroup",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:iam/policy:Policy",
    "aws:iam/role:Role",
    "aws:iam/user:User",
    "aws:kms/key:Key",
    "aws:lambda/function:Function",
    "aws:lb/listener:Listener",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/targetGroup:TargetGroup",
    "aws:rds/cluster:Cluster",
    "aws:rds/instance:Instance",
    "aws:rds/optionGroup:OptionGroup",
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:secretsmanager/secret:Secret",
    "aws:sns/topic:Topic",
    "aws:sqs/queue:Queue",
]
AZURE_TAGGABLE = [
    "azure-native:compute:Disk",
    "azure-native:compute:VirtualMachine",
    "azure-native:containerservice:ManagedCluster",
    "azure-native:keyvault:Vault",
    "azure-native:network:LoadBalancer",
    "azure-native:network:NetworkInterface",
    "azure-native:network:NetworkSecurityGroup",
    "azure-native:network:PublicIPAddress",
    "azure-native:network:VirtualNetwork",
    "azure-native:resources:ResourceGroup",
    "azure-native:storage:StorageAccount",
    "azure-native:web:AppServicePlan",
    "azure-native:web:WebApp",
    "azure:compute/linuxVirtualMachine:LinuxVirtualMachine",
    "azure:compute/windowsVirtualMachine:WindowsVirtualMachine",
    "azure:core/resourceGroup:ResourceGroup",
    "azure:network/virtualNetwork:VirtualNetwork",
    "azure:storage/account:Account",
]
GCP_LABELABLE = [
    "gcp:bigquery/dataset:Dataset",
    "gcp:cloudfunctions/function:Function",
    "gcp:cloudrunv2/service:Service",
    "gcp:compute/disk:Disk",
    "gcp:compute/instance:Instance",
    "gcp:pubsub/subscription:Subscription",
    "gcp:pubsub/topic:Topic",
    "gcp:storage/bucket:Bucket",
]


def _schema(noun: str, required: list[str]) -> dict[str, Any]:
    return {
        "properties": {
            f"required{noun}s": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "uniqueItems": True,
                "default": required,
                "description": f"{noun} keys every resource must carry (case-sensitive).",
            },
            f"default{noun}Values": {
                "type": "object",
                "additionalProperties": {"type": "string", "minLength": 1},
                "default": {},
                "description": f"Values the remediation adds for missing {noun.lower()}s.",
            },
        }
    }


def present_keys(props: Any, key: str) -> set[str]:
    """Keys of the ``key`` map with a non-empty value; a value unknown in preview counts as present."""
    tags = props_get(props, key)  # raises UnknownValueError when the whole map is unknown
    if not isinstance(tags, Mapping):
        return set()
    present = set()
    for name in tags:  # iterating keys never touches (possibly unknown) values
        try:
            value = props_get(tags, [name])
        except UnknownValueError:
            value = "<unknown>"
        if value not in (None, ""):
            present.add(name)
    return present


class _RequiredKeys:
    """The validate/remediate pair for one map property (``tags`` or ``labels``)."""

    def __init__(self, noun: str, key: str, computed: tuple[str, ...]) -> None:
        self.noun, self.key, self.computed = noun, key, computed

    def missing(self, args) -> list[str]:
        config = args.get_config()
        present = present_keys(args.props, self.key)
        for extra in self.computed:  # provider default tags/labels
            present |= present_keys(args.props, extra)
        return [k for k in config.get(f"required{self.noun}s", []) if k not in present]

    def validate(self, args, report_violation) -> None:
        missing = self.missing(args)
        if missing:
            report_violation(f"Missing required {self.noun.lower()}(s): {', '.join(missing)}.")

    def remediate(self, args):
        defaults = args.get_config().get(f"default{self.noun}Values", {})
        fixes = {(self.key, k): defaults[k] for k in self.missing(args) if k in defaults}
        # Paths, not a rebuilt map: other values (secret or unknown) are never read or rewritten, and a
        # secret map stays secret as a whole.
        return remediate_props(args, fixes) if fixes else None


_tags = _RequiredKeys("Tag", "tags", ("tagsAll",))
_labels = _RequiredKeys("Label", "labels", ("effectiveLabels",))

required_tags = resource_policy(
    "required-tags",
    "Resources must carry the organisation's required tags.",
    types=[*AWS_TAGGABLE, *AZURE_TAGGABLE],
    validate=_tags.validate,
    remediate=_tags.remediate,
    severity="low",
    tags=["tagging", "cost"],
    config_schema=_schema("Tag", ["Owner", "Environment"]),
    remediation_steps="Add the missing tags to the resource (or to the AWS provider's defaultTags). At level "
    "remediate, tags listed in defaultTagValues are added automatically; others still need a human.",
    url="https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html",
)

required_labels = resource_policy(
    "required-labels",
    "Google Cloud resources must carry the organisation's required labels.",
    types=GCP_LABELABLE,
    validate=_labels.validate,
    remediate=_labels.remediate,
    severity="low",
    tags=["tagging", "cost"],
    config_schema=_schema("Label", ["owner", "environment"]),
    remediation_steps="Add the missing labels (lowercase keys and values) to the resource or the provider's "
    "defaultLabels. At level remediate, labels listed in defaultLabelValues are added automatically.",
    url="https://cloud.google.com/resource-manager/docs/best-practices-labels",
)

POLICIES = [required_tags, required_labels]
