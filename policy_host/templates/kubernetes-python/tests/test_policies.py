"""Tests for the __PACK_NAME__ policies, written with the policy-host test kit.

``PackRunner.load`` runs this pack the way the Pulumi engine does (``__main__.py``, config validated
against the policies' schemas), and ``resource(...)`` builds inputs exactly as the engine sends them, so
these tests see what ``pulumi preview --policy-pack`` reports. Cases as data: ``*.policy-test.yaml``.
Run them with ``policy-host test <pack dir>`` or plain ``pytest``.
"""

from pathlib import Path

import pytest

from policy_host.testing import PackRunner, resource, unknown

PACK_DIR = Path(__file__).resolve().parents[1]
DEPLOYMENT = "kubernetes:apps/v1:Deployment"


def deployment(image):
    return {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}}


@pytest.fixture
def pack():
    return PackRunner.load(PACK_DIR)


def test_pinned_image_passes(pack):
    verdict = pack.analyze(resource(DEPLOYMENT, deployment("nginx:1.27.3")))
    verdict.assert_no_violation()
    verdict.assert_passes("k8s-pinned-images")


@pytest.mark.parametrize("image", ["nginx", "nginx:latest", "registry:5000/nginx"])
def test_latest_and_untagged_images_are_violations(pack, image):
    verdict = pack.analyze(resource(DEPLOYMENT, deployment(image)))
    [violation] = verdict.assert_violation("k8s-pinned-images", count=1)
    assert violation.message.endswith(f"Container 'app' uses unpinned image '{image}'.")


def test_unknown_image_is_not_a_violation(pack):
    # During preview a computed value is unknown: the runtime reports that the policy could not run.
    verdict = pack.analyze(resource(DEPLOYMENT, deployment(unknown())))
    [diagnostic] = verdict.violations_of("k8s-pinned-images")
    assert diagnostic.message.startswith("can't run policy 'k8s-pinned-images'")
