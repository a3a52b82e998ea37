"""Serve the azure-baseline pack: ``pulumi preview --policy-pack packs/azure-baseline``."""

from azure_baseline_policies import POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name="azure-baseline", policies=POLICIES, enforcement_level=EnforcementLevel.ADVISORY, provider="azure"
)
