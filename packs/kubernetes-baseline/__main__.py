"""Serve the kubernetes-baseline pack: ``pulumi preview --policy-pack packs/kubernetes-baseline``."""

from kubernetes_baseline_policies import POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name="kubernetes-baseline",
    policies=POLICIES,
    enforcement_level=EnforcementLevel.ADVISORY,
    provider="kubernetes",
)
