"""EC2: instances, security groups (with their rules inline), VPCs and subnets."""

from __future__ import annotations

from typing import Any

from .props import compact, last_segment, name_tag, rels, tags
from .spec import DetailCall, RawResource, arn_from, arn_template, aws_resource

# IANA numbers the EC2 API may return, as the names the provider stores.
PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}


def _name(raw: RawResource) -> str:
    return name_tag(raw.get("Tags"), raw.cloud_id)


# --------------------------------------------------------------------------------------------
# Security groups
# --------------------------------------------------------------------------------------------


def _permission_rules(perm: dict[str, Any], own_group_id: str) -> list[dict[str, Any]]:
    """The rules of one IpPermission: one per distinct source description."""
    protocol = str(perm.get("IpProtocol", "-1"))
    protocol = PROTOCOL_NAMES.get(protocol, protocol)
    from_port = int(perm.get("FromPort", 0)) if protocol != "-1" else 0
    to_port = int(perm.get("ToPort", 0)) if protocol != "-1" else 0
    by_description: dict[str, dict[str, Any]] = {}

    def rule_for(description: str | None) -> dict[str, Any]:
        key = description or ""
        if key not in by_description:
            by_description[key] = {
                "fromPort": from_port,
                "toPort": to_port,
                "protocol": protocol,
                "cidrBlocks": [],
                "ipv6CidrBlocks": [],
                "prefixListIds": [],
                "securityGroups": [],
                "self": False,
                "description": key,
            }
        return by_description[key]

    for r in perm.get("IpRanges") or []:
        rule_for(r.get("Description"))["cidrBlocks"].append(r["CidrIp"])
    for r in perm.get("Ipv6Ranges") or []:
        rule_for(r.get("Description"))["ipv6CidrBlocks"].append(r["CidrIpv6"])
    for r in perm.get("PrefixListIds") or []:
        rule_for(r.get("Description"))["prefixListIds"].append(r["PrefixListId"])
    for r in perm.get("UserIdGroupPairs") or []:
        rule = rule_for(r.get("Description"))
        if r.get("GroupId") == own_group_id:
            rule["self"] = True
        else:
            rule["securityGroups"].append(r.get("GroupId") or r.get("GroupName"))
    for rule in by_description.values():
        for key in ("cidrBlocks", "ipv6CidrBlocks", "prefixListIds", "securityGroups"):
            rule[key] = sorted(rule[key])
    return list(by_description.values())


def sg_rules(permissions: list[dict[str, Any]] | None, own_group_id: str) -> list[dict[str, Any]]:
    """EC2 IpPermissions as SecurityGroup ``ingress``/``egress`` entries, sorted.

    One entry per (permission, description): sources that share a description are grouped in one
    rule, as a program would usually write them; a reference to the group itself becomes ``self``.
    """
    rules = [rule for perm in permissions or [] for rule in _permission_rules(perm, own_group_id)]
    return sorted(rules, key=lambda r: (r["protocol"], r["fromPort"], r["toPort"], r["description"], str(r)))


def _sg_relationships(raw: RawResource):
    out = rels("vpc", raw.get("VpcId"))
    referenced = set()
    for perm in (raw.get("IpPermissions") or []) + (raw.get("IpPermissionsEgress") or []):
        for pair in perm.get("UserIdGroupPairs") or []:
            if pair.get("GroupId") and pair["GroupId"] != raw.cloud_id:
                referenced.add(pair["GroupId"])
    return out + rels("references", sorted(referenced))


@aws_resource(
    "aws:ec2/securityGroup:SecurityGroup",
    service="ec2",
    list_call="describe_security_groups",
    result_path="SecurityGroups",
    id_field="GroupId",
    arn=arn_template("arn:{partition}:ec2:{region}:{account}:security-group/{id}"),
    name_of=lambda raw: raw.get("GroupName", raw.cloud_id),
    relationships=_sg_relationships,
)
def security_group_props(raw: RawResource) -> dict[str, Any]:
    """``aws:ec2/securityGroup:SecurityGroup`` inputs, rules inline."""
    return compact(
        {
            "name": raw.get("GroupName"),
            "description": raw.get("Description"),
            "vpcId": raw.get("VpcId"),
            "ingress": sg_rules(raw.get("IpPermissions"), raw.cloud_id),
            "egress": sg_rules(raw.get("IpPermissionsEgress"), raw.cloud_id),
            "tags": tags(raw.get("Tags")),
        }
    )


# --------------------------------------------------------------------------------------------
# Instances
# --------------------------------------------------------------------------------------------


def _instance_volume_ids(raw: RawResource) -> dict[str, Any] | None:
    ids = [
        m["Ebs"]["VolumeId"]
        for m in raw.get("BlockDeviceMappings") or []
        if (m.get("Ebs") or {}).get("VolumeId")
    ]
    return {"VolumeIds": ids} if ids else None


def _block_device(mapping: dict[str, Any], volumes: dict[str, dict[str, Any]], root: bool) -> dict[str, Any]:
    ebs = mapping.get("Ebs") or {}
    vol = volumes.get(ebs.get("VolumeId", ""), {})
    device = {
        "deviceName": mapping.get("DeviceName"),
        "volumeId": ebs.get("VolumeId"),
        "deleteOnTermination": ebs.get("DeleteOnTermination"),
        "encrypted": vol.get("Encrypted"),
        "kmsKeyId": vol.get("KmsKeyId"),
        "iops": vol.get("Iops"),
        "throughput": vol.get("Throughput"),
        "volumeSize": vol.get("Size"),
        "volumeType": vol.get("VolumeType"),
        "snapshotId": None if root else (vol.get("SnapshotId") or None),
    }
    return compact(device)


def _instance_relationships(raw: RawResource):
    return (
        rels("subnet", raw.get("SubnetId"))
        + rels("vpc", raw.get("VpcId"))
        + rels("securityGroup", [g.get("GroupId") for g in raw.get("SecurityGroups") or []])
        + rels("volume", [(m.get("Ebs") or {}).get("VolumeId") for m in raw.get("BlockDeviceMappings") or []])
        + rels("instanceProfile", raw.get("IamInstanceProfile.Arn"))
    )


@aws_resource(
    "aws:ec2/instance:Instance",
    service="ec2",
    list_call="describe_instances",
    result_path="Reservations[].Instances[]",
    id_field="InstanceId",
    detail_calls=(DetailCall("volumes", "describe_volumes", _instance_volume_ids, result_path="Volumes"),),
    keep=lambda raw: raw.get("State.Name") != "terminated",
    arn=arn_template("arn:{partition}:ec2:{region}:{account}:instance/{id}"),
    name_of=_name,
    relationships=_instance_relationships,
)
def instance_props(raw: RawResource) -> dict[str, Any]:
    """``aws:ec2/instance:Instance`` inputs. User data is never read (it often holds secrets)."""
    volumes = {v["VolumeId"]: v for v in raw.detail("volumes", default=[])}
    root_name = raw.get("RootDeviceName")
    root, others = None, []
    for m in raw.get("BlockDeviceMappings") or []:
        if m.get("DeviceName") == root_name:
            root = _block_device(m, volumes, root=True)
        elif m.get("Ebs"):
            others.append(_block_device(m, volumes, root=False))
    metadata = raw.get("MetadataOptions") or {}
    props = {
        "ami": raw.get("ImageId"),
        "instanceType": raw.get("InstanceType"),
        "availabilityZone": raw.get("Placement.AvailabilityZone"),
        "tenancy": raw.get("Placement.Tenancy"),
        "subnetId": raw.get("SubnetId"),
        "vpcSecurityGroupIds": sorted(g["GroupId"] for g in raw.get("SecurityGroups") or []),
        "keyName": raw.get("KeyName"),
        "iamInstanceProfile": last_segment(raw.get("IamInstanceProfile.Arn")),
        "privateIp": raw.get("PrivateIpAddress"),
        "associatePublicIpAddress": bool(raw.get("PublicIpAddress")),
        "monitoring": raw.get("Monitoring.State") in ("enabled", "pending"),
        "ebsOptimized": raw.get("EbsOptimized"),
        "sourceDestCheck": raw.get("SourceDestCheck"),
        "metadataOptions": compact(
            {
                "httpEndpoint": metadata.get("HttpEndpoint"),
                "httpTokens": metadata.get("HttpTokens"),
                "httpPutResponseHopLimit": metadata.get("HttpPutResponseHopLimit"),
                "httpProtocolIpv6": metadata.get("HttpProtocolIpv6"),
                "instanceMetadataTags": metadata.get("InstanceMetadataTags"),
            }
        )
        or None,
        "cpuOptions": compact(
            {
                "coreCount": raw.get("CpuOptions.CoreCount"),
                "threadsPerCore": raw.get("CpuOptions.ThreadsPerCore"),
            }
        )
        or None,
        "rootBlockDevice": root,
        "ebsBlockDevices": sorted(others, key=lambda d: d.get("deviceName", "")) if others else None,
        "tags": tags(raw.get("Tags")),
    }
    return compact(props)


# --------------------------------------------------------------------------------------------
# VPCs and subnets
# --------------------------------------------------------------------------------------------


def _vpc_attribute(name: str):
    return lambda raw: {"VpcId": raw.cloud_id, "Attribute": name}


@aws_resource(
    "aws:ec2/vpc:Vpc",
    service="ec2",
    list_call="describe_vpcs",
    result_path="Vpcs",
    id_field="VpcId",
    detail_calls=(
        DetailCall(
            "dnsSupport",
            "describe_vpc_attribute",
            _vpc_attribute("enableDnsSupport"),
            "EnableDnsSupport.Value",
        ),
        DetailCall(
            "dnsHostnames",
            "describe_vpc_attribute",
            _vpc_attribute("enableDnsHostnames"),
            "EnableDnsHostnames.Value",
        ),
    ),
    arn=arn_template("arn:{partition}:ec2:{region}:{account}:vpc/{id}"),
    name_of=_name,
)
def vpc_props(raw: RawResource) -> dict[str, Any]:
    """``aws:ec2/vpc:Vpc`` inputs."""
    ipv6 = [
        a["Ipv6CidrBlock"]
        for a in raw.get("Ipv6CidrBlockAssociationSet") or []
        if (a.get("Ipv6CidrBlockState") or {}).get("State") == "associated"
    ]
    return compact(
        {
            "cidrBlock": raw.get("CidrBlock"),
            "instanceTenancy": raw.get("InstanceTenancy"),
            "enableDnsSupport": raw.details.get("dnsSupport"),
            "enableDnsHostnames": raw.details.get("dnsHostnames"),
            "ipv6CidrBlock": ipv6[0] if ipv6 else None,
            "tags": tags(raw.get("Tags")),
        }
    )


@aws_resource(
    "aws:ec2/subnet:Subnet",
    service="ec2",
    list_call="describe_subnets",
    result_path="Subnets",
    id_field="SubnetId",
    arn=arn_from("SubnetArn"),
    name_of=_name,
    relationships=lambda raw: rels("vpc", raw.get("VpcId")),
)
def subnet_props(raw: RawResource) -> dict[str, Any]:
    """``aws:ec2/subnet:Subnet`` inputs."""
    ipv6 = [
        a["Ipv6CidrBlock"]
        for a in raw.get("Ipv6CidrBlockAssociationSet") or []
        if (a.get("Ipv6CidrBlockState") or {}).get("State") == "associated"
    ]
    dns = raw.get("PrivateDnsNameOptionsOnLaunch") or {}
    return compact(
        {
            "vpcId": raw.get("VpcId"),
            "cidrBlock": raw.get("CidrBlock"),
            "availabilityZone": raw.get("AvailabilityZone"),
            "mapPublicIpOnLaunch": raw.get("MapPublicIpOnLaunch"),
            "assignIpv6AddressOnCreation": raw.get("AssignIpv6AddressOnCreation"),
            "ipv6CidrBlock": ipv6[0] if ipv6 else None,
            "ipv6Native": raw.get("Ipv6Native"),
            "enableDns64": raw.get("EnableDns64"),
            "privateDnsHostnameTypeOnLaunch": dns.get("HostnameType"),
            "enableResourceNameDnsARecordOnLaunch": dns.get("EnableResourceNameDnsARecord"),
            "enableResourceNameDnsAaaaRecordOnLaunch": dns.get("EnableResourceNameDnsAAAARecord"),
            "tags": tags(raw.get("Tags")),
        }
    )
