"""Serve the aws-baseline pack: ``pulumi preview --policy-pack packs/aws-baseline``."""

from aws_baseline_policies import POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name="aws-baseline", policies=POLICIES, enforcement_level=EnforcementLevel.ADVISORY, provider="aws"
)
