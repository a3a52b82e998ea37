"""The __PACK_NAME__ policies. Add policies here and list them in POLICIES."""

from policy_host.sdk import props_get, resource_policy


def check_images(args, report_violation):
    for container in props_get(args.props, "spec.template.spec.containers", []):
        image = props_get(container, "image", "")
        name = image.rsplit("/", 1)[-1]  # a registry port ("host:5000/app") is not a tag
        if "@" not in image and (":" not in name or name.endswith(":latest")):
            report_violation(f"Container '{props_get(container, 'name')}' uses unpinned image '{image}'.")


pinned_images = resource_policy(
    "k8s-pinned-images",
    "Deployment containers must use a pinned image tag or digest.",
    types=["kubernetes:apps/v1:Deployment"],
    validate=check_images,
    severity="medium",
    remediation_steps="Reference an explicit version (nginx:1.27.3) or a digest (nginx@sha256:...).",
    url="https://kubernetes.io/docs/concepts/containers/images/#image-names",
)

POLICIES = [pinned_images]
