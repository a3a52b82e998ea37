"""kubernetes-baseline: each policy on compliant, non-compliant and unknown inputs, for every place a
workload kind keeps its pod template, through the test kit."""

import pytest

from policy_host.testing import resource, unknown

UNKNOWN_STRING = unknown("string")
UNKNOWN_BOOL = unknown("boolean")

GOOD_CONTAINER = {
    "name": "app",
    "image": "registry.example.com:5000/team/app:1.4.2",
    "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
    "securityContext": {"runAsNonRoot": True, "privileged": False},
}
GOOD_SPEC = {"containers": [GOOD_CONTAINER]}


def pod(spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


def deployment(spec):
    return {"spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": "a"}}, "spec": spec}}}


def cron_job(spec):
    return {"spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": spec}}}}}


WRAPPERS = [
    ("kubernetes:core/v1:Pod", pod),
    ("kubernetes:apps/v1:Deployment", deployment),
    ("kubernetes:apps/v1:StatefulSet", deployment),
    ("kubernetes:apps/v1:DaemonSet", deployment),
    ("kubernetes:batch/v1:Job", deployment),
    ("kubernetes:batch/v1:CronJob", cron_job),
]


def with_container(**changes):
    return {"containers": [{**GOOD_CONTAINER, **changes}]}


def details(found):
    return [d.message.partition("\n")[2] for d in found]


# (policy, pod spec, expected detail fragment or None, level)
WORKLOAD_CASES = [
    ("k8s-no-privileged-containers", GOOD_SPEC, None, None),
    (
        "k8s-no-privileged-containers",
        {
            **GOOD_SPEC,
            "initContainers": [{**GOOD_CONTAINER, "name": "init", "securityContext": {"privileged": True}}],
        },
        "init container 'init' runs privileged",
        "mandatory",
    ),
    ("k8s-no-host-namespaces", GOOD_SPEC, None, None),
    ("k8s-no-host-namespaces", {**GOOD_SPEC, "hostNetwork": True}, "hostNetwork is true", "advisory"),
    ("k8s-no-host-namespaces", {**GOOD_SPEC, "hostPID": True}, "hostPID is true", "advisory"),
    ("k8s-no-host-namespaces", {**GOOD_SPEC, "hostIPC": True}, "hostIPC is true", "advisory"),
    ("k8s-no-host-path-volumes", {**GOOD_SPEC, "volumes": [{"name": "tmp", "emptyDir": {}}]}, None, None),
    (
        "k8s-no-host-path-volumes",
        {**GOOD_SPEC, "volumes": [{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}]},
        "Volume 'docker' mounts the node path /var/run/docker.sock",
        "advisory",
    ),
    ("k8s-image-pinned", with_container(image="nginx@sha256:" + "a" * 64), None, None),
    ("k8s-image-pinned", with_container(image="nginx"), "uses image 'nginx' without a tag", "advisory"),
    ("k8s-image-pinned", with_container(image="ghcr.io/org/app:latest"), "mutable tag ':latest'", "advisory"),
    ("k8s-image-pinned", with_container(image="localhost:5000/app"), "without a tag", "advisory"),
    ("k8s-resource-limits", GOOD_SPEC, None, None),
    (
        "k8s-resource-limits",
        with_container(resources={"requests": {"cpu": "1"}}),
        "sets no cpu or memory limit",
        "advisory",
    ),
    (
        "k8s-resource-limits",
        with_container(resources={"limits": {"memory": "1Gi"}}),
        "sets no cpu limit",
        "advisory",
    ),
    ("k8s-run-as-non-root", GOOD_SPEC, None, None),
    (
        "k8s-run-as-non-root",
        {
            "securityContext": {"runAsNonRoot": True},
            "containers": [{**GOOD_CONTAINER, "securityContext": {}}],
        },
        None,
        None,
    ),
    ("k8s-run-as-non-root", with_container(securityContext={}), "may run as root", "advisory"),
    (
        "k8s-run-as-non-root",
        {
            "securityContext": {"runAsNonRoot": True},
            "containers": [{**GOOD_CONTAINER, "securityContext": {"runAsUser": 0}}],
        },
        "runs as user 0 (root)",
        "advisory",
    ),
]


@pytest.mark.parametrize("type_, wrap", WRAPPERS, ids=[w[0].rsplit(":", 1)[-1] for w in WRAPPERS])
@pytest.mark.parametrize("policy, spec, expected, level", WORKLOAD_CASES)
def test_workload_policies_on_every_pod_template(runner, type_, wrap, policy, spec, expected, level):
    verdict = runner().analyze(resource(type_, wrap(spec)))
    if expected is None:
        verdict.assert_no_violation(policy)
    else:
        found = verdict.assert_violation(policy)
        assert any(expected in text for text in details(found)), details(found)
        assert {d.level for d in found} == {level}


UNKNOWN_CASES = [
    ("k8s-no-privileged-containers", with_container(securityContext={"privileged": UNKNOWN_BOOL})),
    ("k8s-no-host-namespaces", {**GOOD_SPEC, "hostNetwork": UNKNOWN_BOOL}),
    (
        "k8s-no-host-path-volumes",
        {**GOOD_SPEC, "volumes": [{"name": "v", "hostPath": {"path": UNKNOWN_STRING}}]},
    ),
    ("k8s-image-pinned", with_container(image=UNKNOWN_STRING)),
    ("k8s-resource-limits", with_container(resources={"limits": UNKNOWN_STRING})),
    ("k8s-run-as-non-root", with_container(securityContext={"runAsNonRoot": UNKNOWN_BOOL})),
]


@pytest.mark.parametrize("policy, spec", UNKNOWN_CASES)
def test_unknown_inputs_are_never_violations(runner, policy, spec):
    [diagnostic] = (
        runner({"all": "mandatory"})
        .analyze(resource("kubernetes:apps/v1:Deployment", deployment(spec)))
        .violations_of(policy)
    )
    assert diagnostic.level == "advisory"
    assert diagnostic.message.startswith(
        f"can't run policy '{policy}' from policy pack 'kubernetes-baseline@v1.0.0'"
    )


def test_image_tag_parsing(pack):
    assert pack.image_tag("nginx") is None
    assert pack.image_tag("nginx:1.27") == "1.27"
    assert pack.image_tag("registry:5000/nginx") is None
    assert pack.image_tag("registry:5000/nginx:latest") == "latest"
    assert pack.image_tag("nginx@sha256:abc") == "@digest"


def test_allowed_host_paths_are_configurable(runner):
    spec = {**GOOD_SPEC, "volumes": [{"name": "logs", "hostPath": {"path": "/var/log/pods"}}]}
    policy = "k8s-no-host-path-volumes"
    runner().analyze(resource("kubernetes:core/v1:Pod", pod(spec))).assert_violation(policy)
    relaxed = runner({policy: {"allowedPathPrefixes": ["/var/log"]}})
    relaxed.analyze(resource("kubernetes:core/v1:Pod", pod(spec))).assert_no_violation(policy)


def test_required_limits_are_configurable(runner):
    spec = with_container(resources={"limits": {"memory": "1Gi"}})
    relaxed = runner({"k8s-resource-limits": {"requiredLimits": ["memory"]}})
    relaxed.analyze(resource("kubernetes:core/v1:Pod", pod(spec))).assert_no_violation("k8s-resource-limits")


def test_other_kinds_are_not_applicable(runner):
    verdict = runner().analyze(resource("kubernetes:core/v1:ConfigMap", {"data": {"a": "b"}}))
    verdict.assert_no_violation()
    [reason] = [n.reason for n in verdict.not_applicable if n.policy_name == "k8s-no-privileged-containers"]
    assert reason.startswith("Policy only applies to resources of type")


SERVICE = "kubernetes:core/v1:Service"


# (service spec, annotations, whether k8s-no-public-load-balancers reports it)
SERVICE_CASES = [
    ({"type": "ClusterIP"}, {}, False),
    ({"type": "LoadBalancer"}, {}, True),
    (
        {"type": "LoadBalancer"},
        {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"},
        False,
    ),
    (
        {"type": "LoadBalancer"},
        {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"},
        True,
    ),
    ({"type": "LoadBalancer"}, {"networking.gke.io/load-balancer-type": "Internal"}, False),
]


def service(spec, annotations):
    return {
        "metadata": {"name": "web", "annotations": annotations},
        "spec": {**spec, "ports": [{"port": 80}]},
    }


@pytest.mark.parametrize("spec, annotations, violates", SERVICE_CASES)
def test_load_balancer_services(runner, spec, annotations, violates):
    found = (
        runner()
        .analyze(resource(SERVICE, service(spec, annotations)))
        .violations_of("k8s-no-public-load-balancers")
    )
    assert bool(found) is violates


def test_load_balancer_unknown_type_is_not_a_violation(runner):
    verdict = runner().analyze(resource(SERVICE, {"spec": {"type": UNKNOWN_STRING}}))
    [d] = verdict.violations_of("k8s-no-public-load-balancers")
    assert d.message.startswith("can't run policy")


STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"


STORAGE_CLASS_CASES = [
    ({"provisioner": "ebs.csi.aws.com", "parameters": {"type": "gp3", "encrypted": "true"}}, False),
    ({"provisioner": "kubernetes.io/aws-ebs", "parameters": {"type": "io1"}}, True),
]


@pytest.mark.parametrize("props, violates", STORAGE_CLASS_CASES)
def test_ebs_storage_classes(runner, props, violates):
    found = runner().analyze(resource(STORAGE_CLASS, props)).violations_of("k8s-ebs-storage-class-encrypted")
    assert bool(found) is violates


def test_non_ebs_storage_classes_are_not_applicable(runner):
    verdict = runner().analyze(resource(STORAGE_CLASS, {"provisioner": "pd.csi.storage.gke.io"}))
    verdict.assert_not_applicable(
        "k8s-ebs-storage-class-encrypted", reason="Only EBS storage classes are checked"
    )


def test_every_policy_has_review_metadata(pack):
    for policy in pack.POLICIES:
        assert policy.severity is not None and policy.remediation_steps and policy.url, policy.name
