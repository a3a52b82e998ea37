"""EKS and ECR: private cluster endpoints, image scanning and immutable tags."""

from __future__ import annotations

from policy_host.sdk import props_get, resource_policy

from ._common import OPEN_IPV4, OPEN_IPV6, as_list, fsbp, remediation

CLUSTER = "aws:eks/cluster:Cluster"
REPOSITORY = "aws:ecr/repository:Repository"


def check_endpoint(args, report_violation) -> None:
    # AWS defaults: endpointPublicAccess true, publicAccessCidrs ["0.0.0.0/0"].
    if props_get(args.props, "vpcConfig.endpointPublicAccess", True) is not True:
        return
    cidrs = as_list(props_get(args.props, "vpcConfig.publicAccessCidrs")) or [OPEN_IPV4]
    open_ranges = [c for c in cidrs if c in (OPEN_IPV4, OPEN_IPV6)]
    if open_ranges:
        report_violation(
            f"The Kubernetes API endpoint is public and open to {', '.join(open_ranges)}"
            + ("" if props_get(args.props, "vpcConfig.publicAccessCidrs") else " (publicAccessCidrs not set)")
            + "."
        )


endpoint_not_public = resource_policy(
    "eks-endpoint-not-public",
    "EKS cluster API endpoints must not be reachable from the whole internet.",
    types=[CLUSTER],
    validate=check_endpoint,
    severity="high",
    framework=fsbp("EKS.1"),
    tags=["eks", "network"],
    remediation_steps="Set vpcConfig.endpointPrivateAccess = true and endpointPublicAccess = false, or keep "
    "the public endpoint but restrict vpcConfig.publicAccessCidrs to your egress addresses. Make sure CI and "
    "operators can still reach the API before applying.",
    url="https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html",
)


def check_scan_on_push(args, report_violation) -> None:
    if props_get(args.props, "imageScanningConfiguration.scanOnPush") is not True:
        report_violation("imageScanningConfiguration.scanOnPush is not true.")


scan_on_push = resource_policy(
    "ecr-scan-on-push",
    "ECR repositories must scan images for vulnerabilities when they are pushed.",
    types=[REPOSITORY],
    validate=check_scan_on_push,
    remediate=remediation(check_scan_on_push, {"imageScanningConfiguration.scanOnPush": True}),
    severity="medium",
    framework=fsbp("ECR.1"),
    tags=["ecr", "vulnerability-management"],
    remediation_steps="Set imageScanningConfiguration.scanOnPush = true, or enable enhanced scanning for the "
    "registry (aws.ecr.RegistryScanningConfiguration) and disable this policy. Scanning does not block "
    "pushes, so at level remediate it is applied automatically.",
    url="https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html",
)

IMMUTABLE = {"IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"}


def check_immutable_tags(args, report_violation) -> None:
    mutability = props_get(args.props, "imageTagMutability", "MUTABLE")
    if mutability not in IMMUTABLE:
        report_violation(f"imageTagMutability is '{mutability}'; a pushed tag can be silently replaced.")


immutable_tags = resource_policy(
    "ecr-immutable-tags",
    "ECR repositories must make image tags immutable.",
    types=[REPOSITORY],
    validate=check_immutable_tags,
    remediate=remediation(check_immutable_tags, {"imageTagMutability": "IMMUTABLE"}),
    severity="medium",
    framework=fsbp("ECR.2"),
    tags=["ecr", "supply-chain"],
    remediation_steps="Set imageTagMutability = 'IMMUTABLE' and publish a new tag (e.g. the git SHA) for every "
    "build instead of moving 'latest'. At level remediate it is applied automatically.",
    url="https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html",
)

POLICIES = [endpoint_not_public, scan_on_push, immutable_tags]
