"""KMS: automatic rotation of customer-managed symmetric keys."""

from __future__ import annotations

from policy_host.sdk import props_get, resource_policy

from ._common import cis, first_of, remediation

KEY = "aws:kms/key:Key"


def _rotatable(args) -> bool:
    # Only symmetric encryption keys support automatic rotation (not asymmetric, HMAC or imported keys).
    spec = first_of(args.props, "customerMasterKeySpec", "keySpec") or "SYMMETRIC_DEFAULT"
    usage = props_get(args.props, "keyUsage", "ENCRYPT_DECRYPT")
    return spec == "SYMMETRIC_DEFAULT" and usage == "ENCRYPT_DECRYPT"


def check_rotation(args, report_violation) -> None:
    if not _rotatable(args):
        args.not_applicable("Only symmetric encryption keys support automatic rotation")
    if props_get(args.props, "enableKeyRotation") is not True:
        report_violation("enableKeyRotation is not true.")


key_rotation = resource_policy(
    "kms-key-rotation",
    "Customer-managed symmetric KMS keys must rotate automatically.",
    types=[KEY],
    validate=check_rotation,
    remediate=remediation(check_rotation, {"enableKeyRotation": True}),
    severity="medium",
    framework=cis("3.6"),
    tags=["kms", "encryption"],
    remediation_steps="Set enableKeyRotation = true (optionally rotationPeriodInDays). Rotation keeps old key "
    "material for decryption, so it is safe; at level remediate it is applied automatically.",
    url="https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
)

POLICIES = [key_rotation]
