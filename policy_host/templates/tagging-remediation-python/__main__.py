"""Serve the __PACK_NAME__ policy pack: ``pulumi preview --policy-pack <this directory>``."""

from pulumi_policy import EnforcementLevel, PolicyPack
from template_policies import POLICIES

PolicyPack(name="__PACK_NAME__", policies=POLICIES, enforcement_level=EnforcementLevel.ADVISORY)
