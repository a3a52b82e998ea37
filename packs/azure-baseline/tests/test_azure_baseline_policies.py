"""azure-baseline: each policy on compliant, non-compliant and unknown inputs, for azure-native and
classic azure shapes."""

import pytest

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"
NATIVE_ACCOUNT = "azure-native:storage:StorageAccount"
CLASSIC_ACCOUNT = "azure:storage/account:Account"
NATIVE_VM = "azure-native:compute:VirtualMachine"
CLASSIC_LINUX_VM = "azure:compute/linuxVirtualMachine:LinuxVirtualMachine"
NSG = "azure-native:network:NetworkSecurityGroup"
RULE = "azure-native:network:SecurityRule"

UBUNTU = {"imageReference": {"publisher": "Canonical", "offer": "UbuntuServer", "sku": "18.04-LTS"}}
CMK = {
    "diskEncryptionSet": {
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des"
    }
}


def rule(**overrides):
    base = {
        "name": "ssh",
        "direction": "Inbound",
        "access": "Allow",
        "protocol": "Tcp",
        "sourceAddressPrefix": "10.0.0.0/8",
        "destinationPortRange": "22",
        "priority": 100,
    }
    return {**base, **overrides}


CASES = [
    ("azure-storage-https-only", NATIVE_ACCOUNT, {"enableHttpsTrafficOnly": True}, None, None),
    ("azure-storage-https-only", NATIVE_ACCOUNT, {"kind": "StorageV2"}, None, None),
    (
        "azure-storage-https-only",
        NATIVE_ACCOUNT,
        {"enableHttpsTrafficOnly": False},
        "enableHttpsTrafficOnly is false",
        "advisory",
    ),
    (
        "azure-storage-https-only",
        CLASSIC_ACCOUNT,
        {"httpsTrafficOnlyEnabled": False},
        "httpsTrafficOnlyEnabled is false",
        "advisory",
    ),
    ("azure-storage-min-tls", NATIVE_ACCOUNT, {"minimumTlsVersion": "TLS1_2"}, None, None),
    (
        "azure-storage-min-tls",
        NATIVE_ACCOUNT,
        {"kind": "StorageV2"},
        "minimumTlsVersion is not set",
        "advisory",
    ),
    (
        "azure-storage-min-tls",
        NATIVE_ACCOUNT,
        {"minimumTlsVersion": "TLS1_0"},
        "minimumTlsVersion is TLS1_0",
        "advisory",
    ),
    ("azure-storage-min-tls", CLASSIC_ACCOUNT, {"accountTier": "Standard"}, None, None),
    (
        "azure-storage-min-tls",
        CLASSIC_ACCOUNT,
        {"minTlsVersion": "TLS1_1"},
        "minTlsVersion is TLS1_1",
        "advisory",
    ),
    ("azure-vm-disk-encryption", NATIVE_VM, {"securityProfile": {"encryptionAtHost": True}}, None, None),
    ("azure-vm-disk-encryption", NATIVE_VM, {"storageProfile": {"osDisk": {"managedDisk": CMK}}}, None, None),
    (
        "azure-vm-disk-encryption",
        NATIVE_VM,
        {"storageProfile": {"osDisk": {"managedDisk": CMK}, "dataDisks": [{"lun": 0, "managedDisk": {}}]}},
        "data disk 0 uses platform-managed keys only",
        "advisory",
    ),
    (
        "azure-vm-disk-encryption",
        CLASSIC_LINUX_VM,
        {"osDisk": {"caching": "ReadWrite"}},
        "OS disk uses",
        "advisory",
    ),
    ("azure-vm-disk-encryption", CLASSIC_LINUX_VM, {"encryptionAtHostEnabled": True}, None, None),
    (
        "azure-vm-linux-ssh-keys-only",
        NATIVE_VM,
        {
            "storageProfile": UBUNTU,
            "osProfile": {"linuxConfiguration": {"disablePasswordAuthentication": True}},
        },
        None,
        None,
    ),
    (
        "azure-vm-linux-ssh-keys-only",
        NATIVE_VM,
        {"storageProfile": UBUNTU, "osProfile": {"adminUsername": "u", "adminPassword": "p"}},
        "SSH accepts passwords and an adminPassword is set",
        "advisory",
    ),
    ("azure-vm-linux-ssh-keys-only", CLASSIC_LINUX_VM, {"adminUsername": "u"}, None, None),
    (
        "azure-vm-linux-ssh-keys-only",
        CLASSIC_LINUX_VM,
        {"disablePasswordAuthentication": False},
        "SSH accepts passwords",
        "advisory",
    ),
    ("azure-nsg-no-public-admin-ports", NSG, {"securityRules": [rule()]}, None, None),
    (
        "azure-nsg-no-public-admin-ports",
        NSG,
        {"securityRules": [rule(sourceAddressPrefix="Internet")]},
        "Rule 'ssh' allows inbound 22 (SSH) from the internet",
        "mandatory",
    ),
    (
        "azure-nsg-no-public-admin-ports",
        RULE,
        rule(
            name="wide",
            sourceAddressPrefix="*",
            destinationPortRange=None,
            destinationPortRanges=["3000-4000"],
        ),
        "Rule 'wide' allows inbound 3389 (RDP)",
        "mandatory",
    ),
    ("azure-nsg-no-public-admin-ports", RULE, rule(sourceAddressPrefix="*", access="Deny"), None, None),
    (
        "azure-nsg-no-public-admin-ports",
        RULE,
        rule(sourceAddressPrefix="*", destinationPortRange="443"),
        None,
        None,
    ),
]


@pytest.mark.parametrize("policy, type_, props, expected, level", CASES)
def test_policy_verdicts(analyzer, policy, type_, props, expected, level):
    found = analyzer().analyze(type_, props).of(policy)
    if expected is None:
        assert found == [], [v.detail for v in found]
    else:
        assert any(expected in v.detail for v in found), [v.detail for v in found]
        assert {v.level for v in found} == {level}


UNKNOWN_CASES = [
    ("azure-storage-https-only", NATIVE_ACCOUNT, {"enableHttpsTrafficOnly": UNKNOWN_BOOL}),
    ("azure-storage-min-tls", NATIVE_ACCOUNT, {"minimumTlsVersion": UNKNOWN_STRING}),
    ("azure-vm-disk-encryption", NATIVE_VM, {"securityProfile": {"encryptionAtHost": UNKNOWN_BOOL}}),
    ("azure-vm-linux-ssh-keys-only", NATIVE_VM, {"storageProfile": UBUNTU, "osProfile": UNKNOWN_STRING}),
    ("azure-nsg-no-public-admin-ports", RULE, rule(sourceAddressPrefix=UNKNOWN_STRING)),
]


@pytest.mark.parametrize("policy, type_, props", UNKNOWN_CASES)
def test_unknown_inputs_are_never_violations(analyzer, policy, type_, props):
    [d] = analyzer(config={"all": "mandatory"}).analyze(type_, props).of(policy)
    assert d.level == "advisory"
    assert d.message.startswith(f"can't run policy '{policy}' from policy pack 'azure-baseline@v1.0.0'")


def test_windows_vms_are_not_checked_for_ssh(analyzer):
    windows = {"storageProfile": {"imageReference": {"publisher": "MicrosoftWindowsServer"}}, "osProfile": {}}
    verdict = analyzer().analyze(NATIVE_VM, windows)
    assert verdict.not_applicable["azure-vm-linux-ssh-keys-only"] == "Only Linux virtual machines are checked"


@pytest.mark.parametrize(
    "policy, type_, before, after",
    [
        (
            "azure-storage-https-only",
            NATIVE_ACCOUNT,
            {"enableHttpsTrafficOnly": False},
            {"enableHttpsTrafficOnly": True},
        ),
        (
            "azure-storage-https-only",
            CLASSIC_ACCOUNT,
            {"httpsTrafficOnlyEnabled": False},
            {"httpsTrafficOnlyEnabled": True},
        ),
        (
            "azure-storage-min-tls",
            NATIVE_ACCOUNT,
            {"kind": "StorageV2"},
            {"kind": "StorageV2", "minimumTlsVersion": "TLS1_2"},
        ),
        ("azure-storage-min-tls", CLASSIC_ACCOUNT, {"minTlsVersion": "TLS1_0"}, {"minTlsVersion": "TLS1_2"}),
    ],
)
def test_remediations(analyzer, policy, type_, before, after):
    harness = analyzer(config={policy: "remediate"})
    fixed = harness.remediate(type_, before)
    assert fixed.properties == after
    assert harness.analyze(type_, fixed.properties).of(policy) == []
    assert harness.remediate(type_, after).remediations == []


def test_every_policy_has_review_metadata(pack):
    assert 3 <= len(pack.POLICIES) <= 5
    for policy in pack.POLICIES:
        assert policy.severity is not None and policy.remediation_steps and policy.url, policy.name
