"""Tests for the __PACK_NAME__ policies: compliant, violating and unknown (preview) inputs."""

UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"  # what the engine sends for unknown booleans
BUCKET = "gcp:storage/bucket:Bucket"
POLICY = "gcs-uniform-bucket-level-access"


def test_uniform_bucket_passes(analyzer):
    assert analyzer().analyze(BUCKET, {"uniformBucketLevelAccess": True}).violations == []


def test_acl_bucket_is_a_violation(analyzer):
    [violation] = analyzer().analyze(BUCKET, {"location": "EU"}).of(POLICY)
    assert "not enabled" in violation.detail


def test_unknown_setting_is_not_a_violation(analyzer):
    [diagnostic] = analyzer().analyze(BUCKET, {"uniformBucketLevelAccess": UNKNOWN_BOOL}).of(POLICY)
    assert diagnostic.message.startswith(f"can't run policy '{POLICY}'")
