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
BUCKET = "gcp:storage/bucket:Bucket"
POLICY = "gcs-uniform-bucket-level-access"


@pytest.fixture
def pack():
    return PackRunner.load(PACK_DIR)


def test_uniform_bucket_passes(pack):
    verdict = pack.analyze(resource(BUCKET, {"uniformBucketLevelAccess": True}))
    verdict.assert_no_violation()
    verdict.assert_passes(POLICY)


def test_acl_bucket_is_a_violation(pack):
    verdict = pack.analyze(resource(BUCKET, {"location": "EU"}))
    [violation] = verdict.assert_violation(POLICY, count=1)
    assert violation.message.endswith("uniformBucketLevelAccess is not enabled; object ACLs can bypass IAM.")


def test_unknown_setting_is_not_a_violation(pack):
    # During preview a computed value is unknown: the runtime reports that the policy could not run.
    verdict = pack.analyze(resource(BUCKET, {"uniformBucketLevelAccess": unknown("boolean")}))
    [diagnostic] = verdict.violations_of(POLICY)
    assert diagnostic.message.startswith(f"can't run policy '{POLICY}'")
