"""The __PACK_NAME__ policies. Add policies here and list them in POLICIES."""

from policy_host.sdk import props_get, resource_policy


def check_https_only(args, report_violation):
    # azure-native spells it enableHttpsTrafficOnly; classic azure v6 httpsTrafficOnlyEnabled.
    for key in ("enableHttpsTrafficOnly", "httpsTrafficOnlyEnabled"):
        if props_get(args.props, key) is False:
            report_violation(f"{key} is false; the account accepts unencrypted HTTP.")


storage_https_only = resource_policy(
    "storage-https-only",
    "Storage accounts must only accept HTTPS.",
    types=["azure-native:storage:StorageAccount", "azure:storage/account:Account"],
    validate=check_https_only,
    severity="high",
    framework=("CIS Microsoft Azure Foundations Benchmark", "2.0.0", "3.1"),
    remediation_steps="Set enableHttpsTrafficOnly (httpsTrafficOnlyEnabled) to true.",
    url="https://learn.microsoft.com/azure/storage/common/storage-require-secure-transfer",
)

POLICIES = [storage_https_only]
