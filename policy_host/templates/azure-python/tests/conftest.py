"""Fixtures for this pack's tests: policies run through pulumi_policy's own servicer, configured the
way the Pulumi engine configures packs, so tests see what ``pulumi preview`` would report."""

import sys
from pathlib import Path

import pytest

from policy_host.sdk.reference_harness import ReferenceHarness

# The runtime imports a pack with its directory first on sys.path; do the same.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import template_policies  # noqa: E402


@pytest.fixture
def analyzer():
    """``analyzer(config=None, level="advisory")`` -> a harness over all of this pack's policies."""

    def make(config=None, level="advisory"):
        return ReferenceHarness(
            template_policies.POLICIES, pack="__PACK_NAME__", version="0.1.0", level=level, config=config
        )

    return make
