"""azure-baseline: each policy on compliant, non-compliant and unknown inputs, for azure-native and
classic azure shapes, through the test kit."""

import pytest

from policy_host.testing import resource, unknown

UNKNOWN_STRING = unknown("string")
UNKNOWN_BOOL = unknown("boolean")
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
    ("azure-storage-https-only", NATIVE_ACCOUNT, {"enableHttpsTrafficOnly": UNKNOWN_BOOL}),
    ("azure-storage-min-tls", NATIVE_ACCOUNT, {"minimumTlsVersion": UNKNOWN_STRING}),
    ("azure-vm-disk-encryption", NATIVE_VM, {"securityProfile": {"encryptionAtHost": UNKNOWN_BOOL}}),
    ("azure-vm-linux-ssh-keys-only", NATIVE_VM, {"storageProfile": UBUNTU, "osProfile": UNKNOWN_STRING}),
    ("azure-nsg-no-public-admin-ports", RULE, rule(sourceAddressPrefix=UNKNOWN_STRING)),
]


@pytest.mark.parametrize("policy, type_, props", UNKNOWN_CASES)
def test_unknown_inputs_are_never_violations(runner, policy, type_, props):
    [d] = runner({"all": "mandatory"}).analyze(resource(type_, props)).violations_of(policy)
    assert d.level == "advisory"
    assert d.message.startswith(f"can't run policy '{policy}' from policy pack 'azure-baseline@v1.0.0'")


WINDOWS_VM = {"storageProfile": {"imageReference": {"publisher": "MicrosoftWindowsServer"}}, "osProfile": {}}


def test_windows_vms_are_not_checked_for_ssh(runner):
    verdict = runner().analyze(resource(NATIVE_VM, WINDOWS_VM))
    verdict.assert_not_applicable(
        "azure-vm-linux-ssh-keys-only", reason="Only Linux virtual machines are checked"
    )


# (policy, type, inputs before, inputs after the remediation)
REMEDIATIONS = [
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
]


@pytest.mark.parametrize("policy, type_, before, after", REMEDIATIONS)
def test_remediations(runner, policy, type_, before, after):
    pack = runner({policy: "remediate"})
    fixed = pack.remediate(resource(type_, before))
    fixed.assert_remediated(policy, **after)
    assert fixed.after == after
    pack.analyze(resource(type_, fixed.after)).assert_no_violation(policy)
    pack.remediate(resource(type_, after)).assert_not_remediated()


def test_every_policy_has_review_metadata(pack):
    assert 3 <= len(pack.POLICIES) <= 5
    for policy in pack.POLICIES:
        assert policy.severity is not None and policy.remediation_steps and policy.url, policy.name
