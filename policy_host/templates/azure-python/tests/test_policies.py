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
ACCOUNT = "azure-native:storage:StorageAccount"


@pytest.fixture
def pack():
    return PackRunner.load(PACK_DIR)


def test_https_only_account_passes(pack):
    verdict = pack.analyze(resource(ACCOUNT, {"enableHttpsTrafficOnly": True}))
    verdict.assert_no_violation()
    verdict.assert_passes("storage-https-only")


def test_http_account_is_a_violation(pack):
    verdict = pack.analyze(resource(ACCOUNT, {"enableHttpsTrafficOnly": False}))
    [violation] = verdict.assert_violation("storage-https-only", count=1)
    assert violation.level == "advisory"
    assert violation.message.endswith(
        "enableHttpsTrafficOnly is false; the account accepts unencrypted HTTP."
    )


def test_unknown_setting_is_not_a_violation(pack):
    # During preview a computed value is unknown: the runtime reports that the policy could not run.
    verdict = pack.analyze(resource(ACCOUNT, {"enableHttpsTrafficOnly": unknown("boolean")}))
    [diagnostic] = verdict.violations_of("storage-https-only")
    assert diagnostic.message.startswith("can't run policy 'storage-https-only'")


def test_other_resources_are_not_applicable(pack):
    verdict = pack.analyze(resource("azure-native:network:VirtualNetwork", {"location": "westeurope"}))
    verdict.assert_not_applicable("storage-https-only")
