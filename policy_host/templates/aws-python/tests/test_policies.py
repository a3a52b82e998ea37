"""Tests for the __PACK_NAME__ policies: compliant, violating and unknown (preview) inputs."""

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # what the engine sends for unknown values
BUCKET = "aws:s3/bucket:Bucket"


def test_private_bucket_passes(analyzer):
    assert analyzer().analyze(BUCKET, {"acl": "private"}).violations == []


def test_public_bucket_is_a_mandatory_violation(analyzer):
    [violation] = analyzer().analyze(BUCKET, {"acl": "public-read"}).of("s3-no-public-read")
    assert violation.level == "mandatory"
    assert "'public-read'" in violation.detail


def test_unknown_acl_is_not_a_violation(analyzer):
    [diagnostic] = analyzer().analyze(BUCKET, {"acl": UNKNOWN_STRING}).of("s3-no-public-read")
    assert diagnostic.level == "advisory"
    assert diagnostic.message.startswith("can't run policy 's3-no-public-read'")


def test_other_resources_are_not_applicable(analyzer):
    verdict = analyzer().analyze("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"})
    assert "s3-no-public-read" in verdict.not_applicable
