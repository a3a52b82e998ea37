"""Serve the tagging pack: ``pulumi preview --policy-pack packs/tagging --policy-pack-config tags.json``."""

from pulumi_policy import EnforcementLevel, PolicyPack
from tagging_policies import POLICIES

PolicyPack(name="tagging", policies=POLICIES, enforcement_level=EnforcementLevel.ADVISORY)
