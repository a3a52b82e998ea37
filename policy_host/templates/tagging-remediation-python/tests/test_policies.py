"""Tests for the __PACK_NAME__ policies: validation, remediation and secret safety."""

from policy_host.wire import SIG_KEY, SIG_SECRET, make_secret

BUCKET = "aws:s3/bucket:Bucket"
CONFIG = {
    "required-tags": {
        "enforcementLevel": "remediate",
        "requiredTags": ["Owner", "Environment"],
        "defaultTagValues": {"Environment": "dev"},
    }
}


def test_tagged_bucket_passes(analyzer):
    props = {"tags": {"Owner": "team-a", "Environment": "prod"}}
    assert analyzer(config=CONFIG).analyze(BUCKET, props).violations == []


def test_missing_tags_are_reported(analyzer):
    [violation] = analyzer(config=CONFIG).analyze(BUCKET, {"tags": {"Owner": "a"}}).of("required-tags")
    assert violation.detail == "Missing required tag(s): Environment."


def test_remediation_adds_defaults_and_keeps_secrets(analyzer):
    before = {"bucket": "logs", "tags": {"Owner": make_secret("team-a")}}
    after = analyzer(config=CONFIG).remediate(BUCKET, before).properties
    assert after == {
        "bucket": "logs",
        "tags": {"Owner": {SIG_KEY: SIG_SECRET, "value": "team-a"}, "Environment": "dev"},
    }


def test_nothing_to_fix_means_no_remediation(analyzer):
    props = {"tags": {"Owner": "a", "Environment": "prod"}}
    assert analyzer(config=CONFIG).remediate(BUCKET, props).remediations == []
