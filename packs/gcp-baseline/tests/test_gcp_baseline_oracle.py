"""The oracle: the test kit and pulumi_policy's own servicer give identical answers for gcp-baseline.

Inputs: every unit input of test_gcp_baseline_policies.py and every resource and stack of every real
export, under the pack's defaults, everything mandatory and everything remediate (see ../../conftest.py).
"""

from test_gcp_baseline_policies import CASES, UNKNOWN_CASES

from policy_host.testing import resource


def test_kit_answers_equal_pulumi_policy(oracle, corpus):
    resources = [resource(type_, props) for _, type_, props, *_ in CASES + UNKNOWN_CASES]
    result = oracle.compare_with_corpus(corpus, resources, [])
    assert not result.problems, "\n".join(result.problems[:10])
    assert result.reported > 20  # the pack did report: the equality above is not vacuous
