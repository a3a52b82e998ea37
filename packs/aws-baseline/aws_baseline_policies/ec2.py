"""EC2 storage and instance metadata: EBS encryption and IMDSv2."""

from __future__ import annotations

from policy_host.sdk import props_get, resource_policy

from ._common import as_list, cis, fsbp, is_true, remediation

VOLUME = "aws:ebs/volume:Volume"
INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ENCRYPTION_BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"


def check_volume_encryption(args, report_violation) -> None:
    p = args.props
    if args.resource_type == VOLUME:
        if not is_true(props_get(p, "encrypted")):
            report_violation("The EBS volume is not encrypted.")
    elif args.resource_type == INSTANCE:
        if not is_true(props_get(p, "rootBlockDevice.encrypted")):
            report_violation("The root volume is not declared encrypted (rootBlockDevice.encrypted).")
        for device in as_list(props_get(p, "ebsBlockDevices")):
            if not is_true(props_get(device, "encrypted")):
                report_violation(f"EBS volume {props_get(device, 'deviceName', '?')} is not encrypted.")
    else:
        # Launch templates: only mappings that define an EBS volume (the rest come from the AMI).
        for mapping in as_list(props_get(p, "blockDeviceMappings")):
            ebs = props_get(mapping, "ebs")
            if ebs is not None and not is_true(props_get(ebs, "encrypted")):
                report_violation(f"EBS volume {props_get(mapping, 'deviceName', '?')} is not encrypted.")


volume_encryption = resource_policy(
    "ebs-volume-encryption",
    "EBS volumes, instance block devices and launch template volumes must be encrypted at rest.",
    types=[VOLUME, INSTANCE, LAUNCH_TEMPLATE],
    validate=check_volume_encryption,
    severity="high",
    framework=fsbp("EC2.3"),
    tags=["ec2", "ebs", "encryption"],
    remediation_steps="Set encrypted = true on the volume or block device (optionally with kmsKeyId). "
    "Existing volumes cannot be encrypted in place: snapshot, copy the snapshot encrypted, and restore. "
    "Enable account-wide EBS encryption by default as well (ebs-encryption-by-default).",
    url="https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",
)


def check_encryption_by_default(args, report_violation) -> None:
    if props_get(args.props, "enabled", True) is not True:
        report_violation("EBS encryption by default is disabled for this region.")


encryption_by_default = resource_policy(
    "ebs-encryption-by-default",
    "EBS encryption by default must be enabled so every new volume is encrypted.",
    types=[ENCRYPTION_BY_DEFAULT],
    validate=check_encryption_by_default,
    remediate=remediation(check_encryption_by_default, {"enabled": True}),
    severity="medium",
    framework=cis("2.2.1"),
    tags=["ec2", "ebs", "encryption"],
    remediation_steps="Set enabled = true on aws.ebs.EncryptionByDefault in every region you use. It only "
    "affects new volumes, so remediation is safe; at level remediate it is applied automatically.",
    url="https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html",
)


def check_imdsv2(args, report_violation) -> None:
    options = props_get(args.props, "metadataOptions")
    if props_get(options, "httpEndpoint") == "disabled":
        return  # no metadata service at all
    tokens = props_get(options, "httpTokens")
    if tokens != "required":
        report_violation(
            f"metadataOptions.httpTokens is {tokens!r}; IMDSv1 (no session token) stays available to SSRF."
            if tokens is not None
            else "metadataOptions.httpTokens is not set to 'required', so IMDSv1 may stay available."
        )


imdsv2 = resource_policy(
    "ec2-imdsv2-required",
    "EC2 instances and launch templates must require IMDSv2 session tokens for instance metadata.",
    types=[INSTANCE, LAUNCH_TEMPLATE],
    validate=check_imdsv2,
    severity="medium",
    framework=cis("5.6"),
    tags=["ec2", "imds"],
    remediation_steps="Set metadataOptions.httpTokens = 'required' (and httpPutResponseHopLimit = 2 for "
    "containers on the instance). Check first that every SDK and agent on the instance supports IMDSv2.",
    url="https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html",
)

POLICIES = [volume_encryption, encryption_by_default, imdsv2]
