"""azure-baseline over the real stack exports: the findings listed in the README.

Read by hand: the azure-native upgrade-networked-vm example creates an Ubuntu (Canonical) VM with an
adminPassword, no linuxConfiguration, no disk encryption set and no encryption at host; it has no
storage account or network security group.
"""

from collections import Counter

EXPECTED = {
    "azure-native__upgrade-networked-vm_2.76.0_stack.json": [
        ("azure-vm-disk-encryption", "vm"),
        ("azure-vm-linux-ssh-keys-only", "vm"),
    ]
}


def test_findings_in_real_exports(runner, corpus):
    for file in corpus.exports():
        findings = corpus.findings(runner(), file)
        assert Counter((f.policy, f.resource) for f in findings) == Counter(EXPECTED.get(file, [])), file
