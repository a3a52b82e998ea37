"""The oracle: the test kit and pulumi_policy's own servicer give identical answers for
kubernetes-baseline.

Inputs: every unit input of test_kubernetes_baseline_policies.py (each pod spec in every workload kind)
and every resource and stack of every real export, under the pack's defaults, everything mandatory,
everything remediate and the configs the unit tests use (see ../../conftest.py).
"""

from test_kubernetes_baseline_policies import (
    SERVICE,
    SERVICE_CASES,
    STORAGE_CLASS,
    STORAGE_CLASS_CASES,
    UNKNOWN_CASES,
    UNKNOWN_STRING,
    WORKLOAD_CASES,
    WRAPPERS,
    deployment,
    service,
)

from policy_host.testing import resource

CONFIGS = [
    {"k8s-no-host-path-volumes": {"allowedPathPrefixes": ["/var/log"]}},
    {"k8s-resource-limits": {"requiredLimits": ["memory"]}},
]


def test_kit_answers_equal_pulumi_policy(oracle, corpus):
    resources = [resource(type_, wrap(spec)) for type_, wrap in WRAPPERS for _, spec, *_ in WORKLOAD_CASES]
    resources += [resource("kubernetes:apps/v1:Deployment", deployment(spec)) for _, spec in UNKNOWN_CASES]
    resources += [resource(SERVICE, service(spec, annotations)) for spec, annotations, _ in SERVICE_CASES]
    resources.append(resource(SERVICE, {"spec": {"type": UNKNOWN_STRING}}))
    resources += [resource(STORAGE_CLASS, props) for props, _ in STORAGE_CLASS_CASES]
    resources.append(resource(STORAGE_CLASS, {"provisioner": "pd.csi.storage.gke.io"}))
    resources.append(resource("kubernetes:core/v1:ConfigMap", {"data": {"a": "b"}}))
    result = oracle.compare_with_corpus(corpus, resources, [], CONFIGS)
    assert not result.problems, "\n".join(result.problems[:10])
    assert result.reported > 100  # the pack did report: the equality above is not vacuous
