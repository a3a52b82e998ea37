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
BUCKET = "aws:s3/bucket:Bucket"


@pytest.fixture
def pack():
    return PackRunner.load(PACK_DIR)


def test_private_bucket_passes(pack):
    verdict = pack.analyze(resource(BUCKET, {"acl": "private"}))
    verdict.assert_no_violation()
    verdict.assert_passes("s3-no-public-read")


def test_public_bucket_is_a_mandatory_violation(pack):
    verdict = pack.analyze(resource(BUCKET, {"acl": "public-read"}))
    [violation] = verdict.assert_violation("s3-no-public-read", count=1)
    assert violation.level == "mandatory"
    assert violation.message.endswith(
        "The canned ACL 'public-read' makes the bucket's objects readable by outsiders."
    )


def test_unknown_acl_is_not_a_violation(pack):
    # During preview a computed value is unknown: the runtime reports that the policy could not run
    # (always advisory), never a violation.
    verdict = pack.analyze(resource(BUCKET, {"acl": unknown()}))
    [diagnostic] = verdict.violations_of("s3-no-public-read")
    assert diagnostic.level == "advisory"
    assert diagnostic.message.startswith("can't run policy 's3-no-public-read'")


def test_other_resources_are_not_applicable(pack):
    # The policy is typed (resource_policy(types=...)): other types are skipped without being decoded.
    verdict = pack.analyze(resource("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"}))
    verdict.assert_not_applicable("s3-no-public-read")
