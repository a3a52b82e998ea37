"""EKS clusters as ``aws:eks/cluster:Cluster``."""

from __future__ import annotations

from typing import Any

from .props import compact, rels, tags
from .spec import DetailCall, RawResource, arn_from, aws_resource


def _relationships(raw: RawResource):
    vpc = raw.detail("cluster", "resourcesVpcConfig", {})
    return (
        rels("role", raw.detail("cluster", "roleArn"))
        + rels("vpc", vpc.get("vpcId"))
        + rels("subnet", vpc.get("subnetIds") or [])
        + rels("securityGroup", vpc.get("securityGroupIds") or [])
    )


@aws_resource(
    "aws:eks/cluster:Cluster",
    service="eks",
    list_call="list_clusters",
    result_path="clusters",
    id_field="name",
    detail_calls=(
        DetailCall("cluster", "describe_cluster", lambda raw: {"name": raw.cloud_id}, result_path="cluster"),
    ),
    arn=arn_from("arn", detail="cluster"),
    name_of=lambda raw: raw.cloud_id,
    relationships=_relationships,
)
def cluster_props(raw: RawResource) -> dict[str, Any]:
    """``aws:eks/cluster:Cluster`` inputs."""
    c = raw.details.get("cluster") or {}
    vpc = c.get("resourcesVpcConfig") or {}
    logging = (c.get("logging") or {}).get("clusterLogging") or []
    enabled_logs = sorted(t for entry in logging if entry.get("enabled") for t in entry.get("types") or [])
    encryption = (c.get("encryptionConfig") or [None])[0]
    network = c.get("kubernetesNetworkConfig") or {}
    access = c.get("accessConfig") or {}
    props = {
        "name": raw.cloud_id,
        "roleArn": c.get("roleArn"),
        "version": c.get("version"),
        "vpcConfig": compact(
            {
                "subnetIds": sorted(vpc.get("subnetIds") or []),
                "securityGroupIds": sorted(vpc.get("securityGroupIds") or []),
                "endpointPrivateAccess": vpc.get("endpointPrivateAccess"),
                "endpointPublicAccess": vpc.get("endpointPublicAccess"),
                "publicAccessCidrs": vpc.get("publicAccessCidrs"),
            }
        ),
        "enabledClusterLogTypes": enabled_logs,
        "encryptionConfig": {
            "provider": {"keyArn": (encryption.get("provider") or {}).get("keyArn")},
            "resources": encryption.get("resources") or [],
        }
        if encryption
        else None,
        "accessConfig": compact({"authenticationMode": access.get("authenticationMode")}) or None,
        "kubernetesNetworkConfig": compact(
            {
                "serviceIpv4Cidr": network.get("serviceIpv4Cidr"),
                "serviceIpv6Cidr": network.get("serviceIpv6Cidr"),
                "ipFamily": network.get("ipFamily"),
            }
        )
        or None,
        "tags": tags(c.get("tags")),
    }
    return compact(props)
