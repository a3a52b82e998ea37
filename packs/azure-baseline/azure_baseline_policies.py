"""azure-baseline policies for ``azure-native`` resources and their classic ``azure`` counterparts.

Property names differ between the providers (and between classic v5 and v6, which follows azurerm
4.x renames such as ``enableHttpsTrafficOnly`` -> ``httpsTrafficOnlyEnabled``); each policy reads
every spelling.
"""

from __future__ import annotations

from typing import Any

from policy_host.sdk import props_get, remediate_props, resource_policy

NATIVE_ACCOUNT = "azure-native:storage:StorageAccount"
CLASSIC_ACCOUNT = "azure:storage/account:Account"
NATIVE_VM = "azure-native:compute:VirtualMachine"
CLASSIC_LINUX_VM = "azure:compute/linuxVirtualMachine:LinuxVirtualMachine"
CLASSIC_WINDOWS_VM = "azure:compute/windowsVirtualMachine:WindowsVirtualMachine"
NATIVE_NSG = "azure-native:network:NetworkSecurityGroup"
NATIVE_RULE = "azure-native:network:SecurityRule"
CLASSIC_NSG = "azure:network/networkSecurityGroup:NetworkSecurityGroup"
CLASSIC_RULE = "azure:network/networkSecurityRule:NetworkSecurityRule"


def cis_azure(reference: str) -> tuple[str, str, str]:
    """A CIS Microsoft Azure Foundations Benchmark 2.0.0 control."""
    return ("CIS Microsoft Azure Foundations Benchmark", "2.0.0", reference)


def _first(props: Any, *paths: str) -> tuple[str | None, Any]:
    """(path, value) of the first spelling that is set, else (None, None)."""
    for path in paths:
        value = props_get(props, path)
        if value is not None:
            return path, value
    return None, None


def _violates(validate, args) -> bool:
    found: list[str] = []
    validate(args, lambda message, urn=None: found.append(message))
    return bool(found)


# -- storage: HTTPS only ---------------------------------------------------------------------------

HTTPS_PATHS = ("enableHttpsTrafficOnly", "httpsTrafficOnlyEnabled")


def check_https_only(args, report_violation) -> None:
    path, value = _first(args.props, *HTTPS_PATHS)
    if value is False:  # both providers default to HTTPS-only when unset
        report_violation(f"{path} is false; the account accepts unencrypted HTTP requests.")


def require_https(args):
    if not _violates(check_https_only, args):
        return None
    path, _ = _first(args.props, *HTTPS_PATHS)
    return remediate_props(args, {path: True})


https_only = resource_policy(
    "azure-storage-https-only",
    "Storage accounts must only accept HTTPS (secure transfer required).",
    types=[NATIVE_ACCOUNT, CLASSIC_ACCOUNT],
    validate=check_https_only,
    remediate=require_https,
    severity="high",
    framework=cis_azure("3.1"),
    tags=["azure", "storage", "encryption-in-transit"],
    remediation_steps="Set enableHttpsTrafficOnly (azure-native, classic v5) or httpsTrafficOnlyEnabled "
    "(classic v6) to true, after moving any HTTP clients to HTTPS. At level remediate this is applied.",
    url="https://learn.microsoft.com/azure/storage/common/storage-require-secure-transfer",
)

# -- storage: minimum TLS --------------------------------------------------------------------------

TLS_PATHS = ("minimumTlsVersion", "minTlsVersion")
ACCEPTED_TLS = {"TLS1_2", "TLS1_3"}


def check_min_tls(args, report_violation) -> None:
    path, value = _first(args.props, *TLS_PATHS)
    if value is None:
        if args.resource_type == NATIVE_ACCOUNT:  # classic defaults to TLS1_2; the REST API did not
            report_violation("minimumTlsVersion is not set; older API versions default to TLS 1.0.")
    elif value not in ACCEPTED_TLS:
        report_violation(f"{path} is {value}; TLS 1.0 and 1.1 are deprecated.")


def require_tls12(args):
    if not _violates(check_min_tls, args):
        return None
    path = _first(args.props, *TLS_PATHS)[0] or TLS_PATHS[0 if args.resource_type == NATIVE_ACCOUNT else 1]
    return remediate_props(args, {path: "TLS1_2"})


min_tls = resource_policy(
    "azure-storage-min-tls",
    "Storage accounts must require TLS 1.2 or later.",
    types=[NATIVE_ACCOUNT, CLASSIC_ACCOUNT],
    validate=check_min_tls,
    remediate=require_tls12,
    severity="medium",
    framework=cis_azure("3.15"),
    tags=["azure", "storage", "encryption-in-transit"],
    remediation_steps="Set minimumTlsVersion (azure-native) or minTlsVersion (classic) to 'TLS1_2' after "
    "checking storage logs for older clients. At level remediate this is applied.",
    url="https://learn.microsoft.com/azure/storage/common/transport-layer-security-configure-minimum-version",
)

# -- VM disk encryption ----------------------------------------------------------------------------


def check_disk_encryption(args, report_violation) -> None:
    p = args.props
    if args.resource_type == NATIVE_VM:
        if props_get(p, "securityProfile.encryptionAtHost") is True:
            return
        disks = [("OS disk", props_get(p, "storageProfile.osDisk.managedDisk.diskEncryptionSet.id"))]
        for disk in props_get(p, "storageProfile.dataDisks", []):
            lun = props_get(disk, "lun", "?")
            label = f"data disk {int(lun) if isinstance(lun, float) else lun}"  # numbers arrive as floats
            disks.append((label, props_get(disk, "managedDisk.diskEncryptionSet.id")))
    else:
        if props_get(p, "encryptionAtHostEnabled") is True:
            return
        disks = [("OS disk", props_get(p, "osDisk.diskEncryptionSetId"))]
    plain = [label for label, key in disks if not key]
    if plain:
        report_violation(
            f"{', '.join(plain)} use{'s' if len(plain) == 1 else ''} platform-managed keys only "
            "(no disk encryption set, no encryption at host)."
        )


disk_encryption = resource_policy(
    "azure-vm-disk-encryption",
    "VM disks must be encrypted with customer-managed keys or encryption at host.",
    types=[NATIVE_VM, CLASSIC_LINUX_VM, CLASSIC_WINDOWS_VM],
    validate=check_disk_encryption,
    severity="medium",
    framework=cis_azure("7.3"),
    tags=["azure", "compute", "encryption"],
    remediation_steps="Create a disk encryption set backed by a Key Vault key and reference it from the OS and "
    "data disks (managedDisk.diskEncryptionSet.id / osDisk.diskEncryptionSetId), or enable "
    "securityProfile.encryptionAtHost (encryptionAtHostEnabled) after registering the feature.",
    url="https://learn.microsoft.com/azure/virtual-machines/disk-encryption",
)

# -- Linux VMs: SSH keys, no passwords ---------------------------------------------------------------

LINUX_PUBLISHERS = {"canonical", "redhat", "suse", "debian", "openlogic", "oracle", "almalinux", "kinvolk"}


def _is_linux(props: Any) -> bool:
    if props_get(props, "osProfile.linuxConfiguration") is not None:
        return True
    if str(props_get(props, "storageProfile.osDisk.osType", "")).lower() == "linux":
        return True
    return str(props_get(props, "storageProfile.imageReference.publisher", "")).lower() in LINUX_PUBLISHERS


def check_password_auth(args, report_violation) -> None:
    p = args.props
    if args.resource_type == CLASSIC_LINUX_VM:
        if props_get(p, "disablePasswordAuthentication") is False:  # classic defaults to true
            report_violation("disablePasswordAuthentication is false; SSH accepts passwords.")
        return
    if not _is_linux(p):
        args.not_applicable("Only Linux virtual machines are checked")
    if props_get(p, "osProfile.linuxConfiguration.disablePasswordAuthentication") is not True:
        report_violation(
            "osProfile.linuxConfiguration.disablePasswordAuthentication is not true; SSH accepts passwords"
            + (" and an adminPassword is set." if props_get(p, "osProfile.adminPassword") else ".")
        )


linux_ssh_keys = resource_policy(
    "azure-vm-linux-ssh-keys-only",
    "Linux VMs must authenticate SSH logins with keys, not passwords.",
    types=[NATIVE_VM, CLASSIC_LINUX_VM],
    validate=check_password_auth,
    severity="high",
    tags=["azure", "compute", "identity"],
    remediation_steps="Set osProfile.linuxConfiguration.disablePasswordAuthentication = true with "
    "ssh.publicKeys (azure-native), or keep disablePasswordAuthentication true with adminSshKeys "
    "(classic); remove adminPassword. Prefer Microsoft Entra ID login for VMs.",
    url="https://learn.microsoft.com/azure/virtual-machines/linux/create-ssh-keys-detailed",
)

# -- NSGs: no SSH/RDP from the internet --------------------------------------------------------------

ADMIN_PORTS = {22: "SSH", 3389: "RDP"}
ANY_SOURCE = {"*", "internet", "any", "0.0.0.0/0", "0.0.0.0", "::/0"}


def _ports_in(ranges: list[str]) -> list[int]:
    reached = set()
    for r in ranges:
        r = str(r).strip()
        if r in ("*", "any"):
            return sorted(ADMIN_PORTS)
        low, _, high = r.partition("-")
        if low.isdigit() and (high or low).isdigit():
            reached |= {p for p in ADMIN_PORTS if int(low) <= p <= int(high or low)}
    return sorted(reached)


def _rules(args) -> list[tuple[str, Any]]:
    if args.resource_type in (NATIVE_RULE, CLASSIC_RULE):
        return [(props_get(args.props, "name", args.name), args.props)]
    # Inline rules are "securityRules" in both providers, with the same field names.
    return [(props_get(r, "name", "?"), r) for r in props_get(args.props, "securityRules", [])]


def check_nsg(args, report_violation) -> None:
    for name, rule in _rules(args):
        if str(props_get(rule, "direction", "")).lower() != "inbound":
            continue
        if str(props_get(rule, "access", "")).lower() != "allow":
            continue
        if str(props_get(rule, "protocol", "*")).lower() not in ("*", "tcp", "udp"):
            continue
        sources = [props_get(rule, "sourceAddressPrefix")] + list(
            props_get(rule, "sourceAddressPrefixes", [])
        )
        if not any(str(s).lower() in ANY_SOURCE for s in sources if s is not None):
            continue
        ranges = [props_get(rule, "destinationPortRange")] + list(
            props_get(rule, "destinationPortRanges", [])
        )
        reached = _ports_in([r for r in ranges if r is not None])
        if reached:
            ports = ", ".join(f"{p} ({ADMIN_PORTS[p]})" for p in reached)
            report_violation(f"Rule '{name}' allows inbound {ports} from the internet.")


nsg_admin_ports = resource_policy(
    "azure-nsg-no-public-admin-ports",
    "Network security groups must not allow SSH (22) or RDP (3389) from the internet.",
    types=[NATIVE_NSG, NATIVE_RULE, CLASSIC_NSG, CLASSIC_RULE],
    validate=check_nsg,
    severity="high",
    level="mandatory",
    framework=cis_azure("6.1, 6.2"),
    tags=["azure", "network"],
    remediation_steps="Restrict sourceAddressPrefix to known ranges, or remove the rule and use Azure Bastion "
    "or just-in-time VM access.",
    url="https://learn.microsoft.com/azure/bastion/bastion-overview",
)

POLICIES = [https_only, min_tls, disk_encryption, linux_ssh_keys, nsg_admin_ports]
