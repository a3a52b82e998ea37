"""Serve the gcp-baseline pack: ``pulumi preview --policy-pack packs/gcp-baseline``."""

from gcp_baseline_policies import POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name="gcp-baseline", policies=POLICIES, enforcement_level=EnforcementLevel.ADVISORY, provider="gcp"
)
