"""The oracle: the test kit and pulumi_policy's own servicer give identical answers for tagging.

Inputs: every unit input of test_tagging_policies.py and every resource and stack of every real export,
under the pack's defaults, everything mandatory, everything remediate and the configs the unit tests
use, remediating ones included (see ../../conftest.py).
"""

from test_tagging_policies import (
    CONFIG,
    GCP_BUCKET,
    LABELS_CONFIG,
    REMEDIATING,
    TAG_CASES,
    UNKNOWN_OBJECT,
    UNKNOWN_STRING,
    VPC,
)

from policy_host.testing import resource, secret

CONFIGS = [
    CONFIG,
    REMEDIATING,
    LABELS_CONFIG,
    {"required-labels": {**LABELS_CONFIG["required-labels"], "enforcementLevel": "remediate"}},
]


def test_kit_answers_equal_pulumi_policy(oracle, corpus):
    resources = [resource(VPC, props) for props, _ in TAG_CASES]
    resources += [
        resource(VPC, {"tags": UNKNOWN_OBJECT}),
        resource(VPC, {"tags": {}}),
        resource(VPC, {"tags": {"Owner": secret("sec-team")}, "password": secret("p")}),
        resource(VPC, {"tags": secret({"Owner": "sec-team"})}),
        resource(VPC, {"tags": {"Owner": UNKNOWN_STRING}, "vpcId": UNKNOWN_STRING, "__defaults": []}),
        resource("aws:ec2/securityGroupRule:SecurityGroupRule", {"type": "ingress"}),
        resource(GCP_BUCKET, {"name": "b"}),
        resource(GCP_BUCKET, {"labels": {"owner": "x"}}),
    ]
    result = oracle.compare_with_corpus(corpus, resources, [], CONFIGS)
    assert not result.problems, "\n".join(result.problems[:10])
    assert result.reported > 100  # the pack did report: the equality above is not vacuous
