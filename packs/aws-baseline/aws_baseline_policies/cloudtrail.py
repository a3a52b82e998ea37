"""CloudTrail: multi-region trails with log file validation."""

from __future__ import annotations

from policy_host.sdk import props_get, resource_policy

from ._common import cis, remediation

TRAIL = "aws:cloudtrail/trail:Trail"


def check_multi_region(args, report_violation) -> None:
    if props_get(args.props, "isMultiRegionTrail") is not True:
        report_violation("isMultiRegionTrail is not true; activity in other regions is not recorded.")


multi_region = resource_policy(
    "cloudtrail-multi-region",
    "CloudTrail trails must record management events in all regions.",
    types=[TRAIL],
    validate=check_multi_region,
    remediate=remediation(check_multi_region, {"isMultiRegionTrail": True}),
    severity="high",
    framework=cis("3.1"),
    tags=["cloudtrail", "logging"],
    remediation_steps="Set isMultiRegionTrail = true (and includeGlobalServiceEvents = true). It only adds "
    "logging, so at level remediate it is applied automatically.",
    url="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html",
)


def check_log_file_validation(args, report_violation) -> None:
    if props_get(args.props, "enableLogFileValidation") is not True:
        report_violation(
            "enableLogFileValidation is not true; tampering with delivered logs cannot be detected."
        )


log_file_validation = resource_policy(
    "cloudtrail-log-file-validation",
    "CloudTrail trails must enable log file integrity validation.",
    types=[TRAIL],
    validate=check_log_file_validation,
    remediate=remediation(check_log_file_validation, {"enableLogFileValidation": True}),
    severity="medium",
    framework=cis("3.2"),
    tags=["cloudtrail", "logging"],
    remediation_steps="Set enableLogFileValidation = true; validate with `aws cloudtrail validate-logs`. At "
    "level remediate it is applied automatically.",
    url="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html",
)

POLICIES = [multi_region, log_file_validation]
