"""kubernetes-baseline policies.

Workload policies judge every pod template, wherever the workload kind keeps it (``spec`` of a Pod,
``spec.template.spec`` of a Deployment, ``spec.jobTemplate.spec.template.spec`` of a CronJob, ...),
and every container in it (``containers``, ``initContainers``, ``ephemeralContainers``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policy_host.sdk import props_get, resource_policy

# -- where each workload kind keeps its pod spec ---------------------------------------------------

_TEMPLATE = "spec.template.spec"
_CRON = "spec.jobTemplate.spec.template.spec"
POD_SPEC_PATHS = {
    "kubernetes:core/v1:Pod": "spec",
    "kubernetes:core/v1:PodTemplate": "template.spec",
    "kubernetes:core/v1:ReplicationController": _TEMPLATE,
    "kubernetes:apps/v1:Deployment": _TEMPLATE,
    "kubernetes:apps/v1:StatefulSet": _TEMPLATE,
    "kubernetes:apps/v1:DaemonSet": _TEMPLATE,
    "kubernetes:apps/v1:ReplicaSet": _TEMPLATE,
    "kubernetes:apps/v1beta1:Deployment": _TEMPLATE,
    "kubernetes:apps/v1beta1:StatefulSet": _TEMPLATE,
    "kubernetes:apps/v1beta2:Deployment": _TEMPLATE,
    "kubernetes:apps/v1beta2:StatefulSet": _TEMPLATE,
    "kubernetes:apps/v1beta2:DaemonSet": _TEMPLATE,
    "kubernetes:apps/v1beta2:ReplicaSet": _TEMPLATE,
    "kubernetes:extensions/v1beta1:Deployment": _TEMPLATE,
    "kubernetes:extensions/v1beta1:DaemonSet": _TEMPLATE,
    "kubernetes:extensions/v1beta1:ReplicaSet": _TEMPLATE,
    "kubernetes:batch/v1:Job": _TEMPLATE,
    "kubernetes:batch/v1:CronJob": _CRON,
    "kubernetes:batch/v1beta1:CronJob": _CRON,
}
WORKLOADS = sorted(POD_SPEC_PATHS)
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def pod_spec(args) -> Any:
    return props_get(args.props, POD_SPEC_PATHS[args.resource_type])


def containers(spec: Any, lists: tuple[str, ...] = CONTAINER_LISTS) -> Iterator[tuple[str, Any]]:
    """(label, container) for every container of a pod spec; label is e.g. "container 'app'"."""
    for key in lists:
        kind = {"containers": "container", "initContainers": "init container"}.get(key, "ephemeral container")
        for container in props_get(spec, key, []):
            yield f"{kind} '{props_get(container, 'name', '?')}'", container


def cis_k8s(reference: str) -> tuple[str, str, str]:
    """A CIS Kubernetes Benchmark 1.8.0 control (section 5.2: Pod Security Standards)."""
    return ("CIS Kubernetes Benchmark", "1.8.0", reference)


PSS_URL = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"

# -- privileged containers -------------------------------------------------------------------------


def check_privileged(args, report_violation) -> None:
    for label, container in containers(pod_spec(args)):
        if props_get(container, "securityContext.privileged") is True:
            report_violation(f"The {label} runs privileged (full access to the node's devices and kernel).")


no_privileged = resource_policy(
    "k8s-no-privileged-containers",
    "Containers must not run privileged.",
    types=WORKLOADS,
    validate=check_privileged,
    severity="critical",
    level="mandatory",
    framework=cis_k8s("5.2.2"),
    tags=["kubernetes", "pod-security"],
    remediation_steps="Remove securityContext.privileged (or set it false) and grant only the specific "
    "capabilities the container needs through securityContext.capabilities.add.",
    url=PSS_URL,
)

# -- host namespaces -------------------------------------------------------------------------------

HOST_NAMESPACES = {
    "hostNetwork": "the node's network",
    "hostPID": "the node's processes",
    "hostIPC": "the node's IPC",
}


def check_host_namespaces(args, report_violation) -> None:
    spec = pod_spec(args)
    for field, what in HOST_NAMESPACES.items():
        if props_get(spec, field) is True:
            report_violation(f"{field} is true: the pod shares {what}.")


no_host_namespaces = resource_policy(
    "k8s-no-host-namespaces",
    "Pods must not share the node's network, PID or IPC namespaces.",
    types=WORKLOADS,
    validate=check_host_namespaces,
    severity="high",
    framework=cis_k8s("5.2.3, 5.2.4, 5.2.5"),
    tags=["kubernetes", "pod-security"],
    remediation_steps="Remove hostNetwork, hostPID and hostIPC from the pod spec. Expose ports through a "
    "Service instead of the host network; node agents that truly need host namespaces belong in a "
    "dedicated, tightly controlled namespace with this policy disabled for it.",
    url=PSS_URL,
)

# -- hostPath volumes ------------------------------------------------------------------------------

HOST_PATH_SCHEMA = {
    "properties": {
        "allowedPathPrefixes": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "default": [],
            "description": "hostPath prefixes that are tolerated (e.g. /var/log for log shippers).",
        }
    }
}


def check_host_path(args, report_violation) -> None:
    allowed = args.get_config().get("allowedPathPrefixes", [])
    for volume in props_get(pod_spec(args), "volumes", []):
        path = props_get(volume, "hostPath.path")
        if path is not None and not any(path == a or path.startswith(a.rstrip("/") + "/") for a in allowed):
            report_violation(f"Volume '{props_get(volume, 'name', '?')}' mounts the node path {path}.")


no_host_path = resource_policy(
    "k8s-no-host-path-volumes",
    "Pods must not mount directories of the node (hostPath volumes).",
    types=WORKLOADS,
    validate=check_host_path,
    severity="high",
    framework=cis_k8s("5.2.12"),
    tags=["kubernetes", "pod-security"],
    config_schema=HOST_PATH_SCHEMA,
    remediation_steps="Use emptyDir, a PersistentVolumeClaim, a ConfigMap/Secret or a CSI volume instead; "
    "if a node path is really required, allow its prefix through this policy's allowedPathPrefixes.",
    url=PSS_URL,
)

# -- pinned images ---------------------------------------------------------------------------------


def image_tag(image: str) -> str | None:
    """The tag of an image reference; None when untagged. Digest references count as pinned."""
    if "@" in image:
        return "@digest"
    last = image.rsplit("/", 1)[-1]  # a registry port ("host:5000/app") is not a tag
    return last.split(":", 1)[1] if ":" in last else None


def check_image_tags(args, report_violation) -> None:
    for label, container in containers(pod_spec(args)):
        image = props_get(container, "image")
        if not isinstance(image, str):
            continue
        tag = image_tag(image)
        if tag is None:
            report_violation(f"The {label} uses image '{image}' without a tag (it resolves to ':latest').")
        elif tag == "latest":
            report_violation(f"The {label} uses the mutable tag ':latest' ('{image}').")


pinned_images = resource_policy(
    "k8s-image-pinned",
    "Container images must be pinned to a version tag or digest, not ':latest' or untagged.",
    types=WORKLOADS,
    validate=check_image_tags,
    severity="medium",
    tags=["kubernetes", "supply-chain"],
    remediation_steps="Reference an immutable version (e.g. nginx:1.27.3) or, better, a digest "
    "(nginx@sha256:...), and update it deliberately; combine with immutable tags in the registry.",
    url="https://kubernetes.io/docs/concepts/containers/images/#image-names",
)

# -- resource limits -------------------------------------------------------------------------------

LIMITS_SCHEMA = {
    "properties": {
        "requiredLimits": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "default": ["cpu", "memory"],
            "description": "Resources every container must limit.",
        }
    }
}


def check_limits(args, report_violation) -> None:
    required = args.get_config().get("requiredLimits", ["cpu", "memory"])
    # Ephemeral (debug) containers cannot declare resources.
    for label, container in containers(pod_spec(args), ("containers", "initContainers")):
        limits = props_get(container, "resources.limits") or {}
        missing = [r for r in required if r not in set(limits)]
        if missing:
            report_violation(f"The {label} sets no {' or '.join(missing)} limit.")


resource_limits = resource_policy(
    "k8s-resource-limits",
    "Containers must declare resource limits so one workload cannot starve its node.",
    types=WORKLOADS,
    validate=check_limits,
    severity="medium",
    tags=["kubernetes", "reliability"],
    config_schema=LIMITS_SCHEMA,
    remediation_steps="Set resources.limits (and requests) for cpu and memory on every container, or give "
    "the namespace a LimitRange with defaults; choose the required limits through requiredLimits.",
    url="https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
)

# -- runAsNonRoot ----------------------------------------------------------------------------------


def check_non_root(args, report_violation) -> None:
    spec = pod_spec(args)
    pod_non_root = props_get(spec, "securityContext.runAsNonRoot")
    pod_user = props_get(spec, "securityContext.runAsUser")
    for label, container in containers(spec):
        non_root = props_get(container, "securityContext.runAsNonRoot", pod_non_root)
        user = props_get(container, "securityContext.runAsUser", pod_user)
        if user == 0:
            report_violation(f"The {label} runs as user 0 (root).")
        elif non_root is not True:
            report_violation(f"The {label} may run as root: runAsNonRoot is not true for it or its pod.")


run_as_non_root = resource_policy(
    "k8s-run-as-non-root",
    "Containers must run as a non-root user (runAsNonRoot: true).",
    types=WORKLOADS,
    validate=check_non_root,
    severity="medium",
    framework=cis_k8s("5.2.7"),
    tags=["kubernetes", "pod-security"],
    remediation_steps="Set securityContext.runAsNonRoot: true on the pod (and runAsUser to a non-zero UID if "
    "the image's default user is root); build images with a USER instruction.",
    url=PSS_URL,
)

# -- LoadBalancer services -------------------------------------------------------------------------

SERVICE = "kubernetes:core/v1:Service"
# Annotations that make a cloud load balancer internal (not internet-facing).
INTERNAL_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": {"true", "0.0.0.0/0"},
    "service.beta.kubernetes.io/aws-load-balancer-scheme": {"internal"},
    "service.beta.kubernetes.io/azure-load-balancer-internal": {"true"},
    "networking.gke.io/load-balancer-type": {"Internal"},
    "cloud.google.com/load-balancer-type": {"Internal"},
}


def check_load_balancer(args, report_violation) -> None:
    if props_get(args.props, "spec.type") != "LoadBalancer":
        return
    annotations = props_get(args.props, "metadata.annotations") or {}
    for key, values in INTERNAL_ANNOTATIONS.items():
        if key in set(annotations) and str(props_get(annotations, [key])) in values:
            return
    report_violation("The Service is of type LoadBalancer without an internal-load-balancer annotation.")


no_public_load_balancers = resource_policy(
    "k8s-no-public-load-balancers",
    "Services must not create internet-facing cloud load balancers.",
    types=[SERVICE],
    validate=check_load_balancer,
    severity="medium",
    tags=["kubernetes", "network"],
    remediation_steps="Use a ClusterIP Service behind the cluster's ingress controller or gateway, or annotate "
    "the Service for an internal load balancer; expose deliberately public endpoints through reviewed "
    "ingress with TLS.",
    url="https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer",
)

# -- encrypted EBS storage classes -----------------------------------------------------------------

STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"
EBS_PROVISIONERS = {"kubernetes.io/aws-ebs", "ebs.csi.aws.com"}


def check_storage_class(args, report_violation) -> None:
    if props_get(args.props, "provisioner") not in EBS_PROVISIONERS:
        args.not_applicable("Only EBS storage classes are checked")
    if str(props_get(args.props, "parameters.encrypted", "")).lower() != "true":
        report_violation('parameters.encrypted is not "true"; volumes provisioned from it are unencrypted.')


ebs_storage_class_encrypted = resource_policy(
    "k8s-ebs-storage-class-encrypted",
    "EBS storage classes must provision encrypted volumes.",
    types=[STORAGE_CLASS],
    validate=check_storage_class,
    severity="high",
    framework=("AWS Foundational Security Best Practices", "1.0.0", "EC2.3"),
    tags=["kubernetes", "aws", "encryption"],
    remediation_steps='Set parameters.encrypted: "true" (optionally kmsKeyId). Storage class parameters are '
    "immutable: create a new class and migrate claims to it.",
    url="https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/master/docs/parameters.md",
)

POLICIES = [
    no_privileged,
    no_host_namespaces,
    no_host_path,
    pinned_images,
    resource_limits,
    run_as_non_root,
    no_public_load_balancers,
    ebs_storage_class_encrypted,
]
