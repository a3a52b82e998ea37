"""gcp-baseline: each policy on compliant, non-compliant and unknown inputs, through the test kit."""

import json

import pytest

from policy_host.testing import resource, unknown

UNKNOWN_STRING = unknown("string")
UNKNOWN_BOOL = unknown("boolean")
UNKNOWN_ARRAY = unknown("array")
BUCKET = "gcp:storage/bucket:Bucket"
INSTANCE = "gcp:compute/instance:Instance"
SQL = "gcp:sql/databaseInstance:DatabaseInstance"

CASES = [
    ("gcs-uniform-bucket-level-access", BUCKET, {"uniformBucketLevelAccess": True}, None, None),
    (
        "gcs-uniform-bucket-level-access",
        BUCKET,
        {"location": "EU"},
        "uniformBucketLevelAccess is not true",
        "advisory",
    ),
    ("gcs-public-access-prevention", BUCKET, {"publicAccessPrevention": "enforced"}, None, None),
    ("gcs-public-access-prevention", BUCKET, {"location": "EU"}, "not set (inherited)", "advisory"),
    (
        "gcs-public-access-prevention",
        BUCKET,
        {"publicAccessPrevention": "inherited"},
        "'inherited'",
        "advisory",
    ),
    (
        "gcs-no-public-members",
        "gcp:storage/bucketIAMMember:BucketIAMMember",
        {"member": "group:eng@example.com"},
        None,
        None,
    ),
    (
        "gcs-no-public-members",
        "gcp:storage/bucketIAMMember:BucketIAMMember",
        {"bucket": "b", "role": "roles/storage.objectViewer", "member": "allUsers"},
        "Grants access to allUsers",
        "mandatory",
    ),
    (
        "gcs-no-public-members",
        "gcp:storage/bucketIAMBinding:BucketIAMBinding",
        {"members": ["user:a@example.com", "allAuthenticatedUsers"]},
        "allAuthenticatedUsers",
        "mandatory",
    ),
    (
        "gcs-no-public-members",
        "gcp:storage/bucketIAMPolicy:BucketIAMPolicy",
        {
            "policyData": json.dumps(
                {"bindings": [{"role": "roles/storage.objectViewer", "members": ["allUsers"]}]}
            )
        },
        "allUsers",
        "mandatory",
    ),
    (
        "gcs-no-public-members",
        "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl",
        {"entity": "allUsers", "role": "READER"},
        "allUsers",
        "mandatory",
    ),
    ("gce-no-public-ip", INSTANCE, {"networkInterfaces": [{"network": "default"}]}, None, None),
    (
        "gce-no-public-ip",
        INSTANCE,
        {"networkInterfaces": [{"network": "default", "accessConfigs": [{}]}]},
        "external IP",
        "advisory",
    ),
    (
        "gcp-sql-no-public-authorized-networks",
        SQL,
        {
            "settings": {
                "ipConfiguration": {"authorizedNetworks": [{"name": "office", "value": "203.0.113.0/24"}]}
            }
        },
        None,
        None,
    ),
    (
        "gcp-sql-no-public-authorized-networks",
        SQL,
        {"settings": {"ipConfiguration": {"authorizedNetworks": [{"name": "all", "value": "0.0.0.0/0"}]}}},
        "Authorized network 'all' admits 0.0.0.0/0",
        "mandatory",
    ),
]


def details(found):
    return [d.message.partition("\n")[2] for d in found]


@pytest.mark.parametrize("policy, type_, props, expected, level", CASES)
def test_policy_verdicts(runner, policy, type_, props, expected, level):
    verdict = runner().analyze(resource(type_, props))
    if expected is None:
        verdict.assert_no_violation(policy)
    else:
        found = verdict.assert_violation(policy)
        assert any(expected in text for text in details(found)), details(found)
        assert {d.level for d in found} == {level}


UNKNOWN_CASES = [
    ("gcs-uniform-bucket-level-access", BUCKET, {"uniformBucketLevelAccess": UNKNOWN_BOOL}),
    ("gcs-public-access-prevention", BUCKET, {"publicAccessPrevention": UNKNOWN_STRING}),
    ("gcs-no-public-members", "gcp:storage/bucketIAMMember:BucketIAMMember", {"member": UNKNOWN_STRING}),
    ("gce-no-public-ip", INSTANCE, {"networkInterfaces": [{"accessConfigs": UNKNOWN_ARRAY}]}),
    ("gcp-sql-no-public-authorized-networks", SQL, {"settings": {"ipConfiguration": UNKNOWN_STRING}}),
]


@pytest.mark.parametrize("policy, type_, props", UNKNOWN_CASES)
def test_unknown_inputs_are_never_violations(runner, policy, type_, props):
    [d] = runner({"all": "mandatory"}).analyze(resource(type_, props)).violations_of(policy)
    assert d.level == "advisory"
    assert d.message.startswith(f"can't run policy '{policy}' from policy pack 'gcp-baseline@v1.0.0'")


def test_every_policy_has_review_metadata(pack):
    assert 3 <= len(pack.POLICIES) <= 5
    for policy in pack.POLICIES:
        assert policy.severity is not None and policy.remediation_steps and policy.url and policy.framework
