"""The oracle: the test kit and pulumi_policy's own servicer give identical answers for aws-baseline.

Inputs: every unit input of test_aws_baseline_policies.py and every resource and stack of every real
export, under the pack's defaults, everything mandatory, everything remediate and the configs the unit
tests use. Answers compared: Analyze and AnalyzeStack diagnostics (policy, level, message, severity,
URN) and not-applicable reasons, and Remediate results (policy, new inputs, diagnostic).
"""

from test_aws_baseline_policies import (
    CASES,
    REMEDIATIONS,
    STACK_ACCOUNT_BLOCK,
    STACK_BUCKETS,
    STACK_WITHOUT_BUCKETS,
    UNKNOWN_CASES,
)

from policy_host.testing import resource, secret

CONFIGS = [
    {"ec2-security-group-no-public-database-ports": {"ports": [8080]}},
    {"s3-bucket-versioning": {"requireInlineConfiguration": False}},
    {"s3-bucket-default-encryption": {"requireKms": True}},
]


def test_kit_answers_equal_pulumi_policy(oracle, corpus):
    resources = [resource(type_, props) for _, type_, props, *_ in CASES + UNKNOWN_CASES]
    resources += [resource(type_, before) for _, type_, before, _ in REMEDIATIONS]
    resources.append(resource("aws:kms/key:Key", {"__defaults": [], "policy": secret('{"Statement":[]}')}))
    stacks = [STACK_BUCKETS, STACK_ACCOUNT_BLOCK, STACK_WITHOUT_BUCKETS]
    result = oracle.compare_with_corpus(corpus, resources, stacks, CONFIGS)
    assert not result.problems, "\n".join(result.problems[:10])
    assert result.reported > 100  # the packs did report: the equality above is not vacuous
