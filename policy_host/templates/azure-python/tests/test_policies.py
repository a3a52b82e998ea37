"""Tests for the __PACK_NAME__ policies: compliant, violating and unknown (preview) inputs."""

UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"  # what the engine sends for unknown booleans
ACCOUNT = "azure-native:storage:StorageAccount"


def test_https_only_account_passes(analyzer):
    assert analyzer().analyze(ACCOUNT, {"enableHttpsTrafficOnly": True}).violations == []


def test_http_account_is_a_violation(analyzer):
    [violation] = analyzer().analyze(ACCOUNT, {"enableHttpsTrafficOnly": False}).of("storage-https-only")
    assert violation.level == "advisory"
    assert "accepts unencrypted HTTP" in violation.detail


def test_unknown_setting_is_not_a_violation(analyzer):
    [diagnostic] = (
        analyzer().analyze(ACCOUNT, {"enableHttpsTrafficOnly": UNKNOWN_BOOL}).of("storage-https-only")
    )
    assert diagnostic.message.startswith("can't run policy 'storage-https-only'")
