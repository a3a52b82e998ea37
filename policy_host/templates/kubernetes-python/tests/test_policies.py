"""Tests for the __PACK_NAME__ policies: compliant, violating and unknown (preview) inputs."""

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # what the engine sends for unknown values
DEPLOYMENT = "kubernetes:apps/v1:Deployment"


def deployment(image):
    return {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}}


def test_pinned_image_passes(analyzer):
    assert analyzer().analyze(DEPLOYMENT, deployment("nginx:1.27.3")).violations == []


def test_latest_and_untagged_images_are_violations(analyzer):
    for image in ("nginx", "nginx:latest", "registry:5000/nginx"):
        [violation] = analyzer().analyze(DEPLOYMENT, deployment(image)).of("k8s-pinned-images")
        assert f"unpinned image '{image}'" in violation.detail


def test_unknown_image_is_not_a_violation(analyzer):
    [diagnostic] = analyzer().analyze(DEPLOYMENT, deployment(UNKNOWN_STRING)).of("k8s-pinned-images")
    assert diagnostic.message.startswith("can't run policy 'k8s-pinned-images'")
