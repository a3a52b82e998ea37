"""Tests for the __PACK_NAME__ policies, written with the policy-host test kit: validation, remediation
and secret safety.

``PackRunner.load`` runs this pack the way the Pulumi engine does (``__main__.py``, config validated
against the policies' schemas), and ``resource(...)`` builds inputs exactly as the engine sends them, so
these tests see what ``pulumi preview --policy-pack`` reports. Cases as data: ``*.policy-test.yaml``.
Run them with ``policy-host test <pack dir>`` or plain ``pytest``.
"""

from pathlib import Path

import pytest

from policy_host.testing import PackRunner, resource, secret, unknown

PACK_DIR = Path(__file__).resolve().parents[1]
BUCKET = "aws:s3/bucket:Bucket"
CONFIG = {
    "required-tags": {
        "enforcementLevel": "remediate",
        "requiredTags": ["Owner", "Environment"],
        "defaultTagValues": {"Environment": "dev"},
    }
}


@pytest.fixture
def pack():
    return PackRunner.load(PACK_DIR, CONFIG)


def test_tagged_bucket_passes(pack):
    verdict = pack.analyze(resource(BUCKET, {"tags": {"Owner": "team-a", "Environment": "prod"}}))
    verdict.assert_no_violation()
    verdict.assert_passes("required-tags")


def test_missing_tags_are_reported(pack):
    verdict = pack.analyze(resource(BUCKET, {"tags": {"Owner": "a"}}))
    [violation] = verdict.assert_violation("required-tags", count=1)
    assert violation.message.endswith("\nMissing required tag(s): Environment.")


def test_unknown_tags_are_not_a_violation(pack):
    # During preview a computed tag map is unknown: the runtime reports that the policy could not run.
    verdict = pack.analyze(resource(BUCKET, {"tags": unknown("object")}))
    [diagnostic] = verdict.violations_of("required-tags")
    assert diagnostic.message.startswith("can't run policy 'required-tags'")


def test_remediation_adds_defaults_and_keeps_secrets(pack):
    fixed = pack.remediate(resource(BUCKET, {"bucket": "logs", "tags": {"Owner": secret("team-a")}}))
    fixed.assert_remediated("required-tags", tags={"Owner": secret("team-a"), "Environment": "dev"})
    assert fixed.after == {"bucket": "logs", "tags": {"Owner": secret("team-a"), "Environment": "dev"}}


def test_nothing_to_fix_means_no_remediation(pack):
    fixed = pack.remediate(resource(BUCKET, {"tags": {"Owner": "a", "Environment": "prod"}}))
    fixed.assert_not_remediated()
