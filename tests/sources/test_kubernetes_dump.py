"""Kubernetes discovery from a hand-written ``kubectl get -o json`` dump (a List followed by a typed
NamespaceList and one malformed object), mapped to pulumi-kubernetes input shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policy_host.errors import InputError
from policy_host.sources.discovered import DiscoveryResult, Relationship
from policy_host.sources.kubernetes import (
    KUBERNETES_KINDS,
    DumpFileSource,
    discover_kubernetes,
    parse_dump,
    read_dump,
    type_token,
)

DUMP = Path(__file__).parent / "fixtures" / "cluster-dump.json"


@pytest.fixture(scope="module")
def result() -> DiscoveryResult:
    return discover_kubernetes(DumpFileSource(DUMP), cluster="prod-eks", project="acme")


def get(result: DiscoveryResult, token: str, cloud_id: str):
    found = result.find(token, cloud_id)
    assert found is not None, (token, cloud_id, result.counts_by_type())
    return found


def test_supported_kinds_are_mapped_and_others_counted(result: DiscoveryResult) -> None:
    assert result.counts_by_type() == {
        "kubernetes:apps/v1:DaemonSet": 1,
        "kubernetes:apps/v1:Deployment": 1,
        "kubernetes:apps/v1:StatefulSet": 1,
        "kubernetes:batch/v1:CronJob": 1,
        "kubernetes:batch/v1:Job": 1,
        "kubernetes:core/v1:ConfigMap": 1,
        "kubernetes:core/v1:Namespace": 2,
        "kubernetes:core/v1:Pod": 1,
        "kubernetes:core/v1:Secret": 1,
        "kubernetes:core/v1:Service": 1,
        "kubernetes:networking.k8s.io/v1:Ingress": 1,
    }
    assert result.skipped == {"kubernetes:apps/v1:ReplicaSet": 1, "kubernetes:core/v1:Endpoints": 1}
    assert result.provider == "kubernetes" and result.account == "prod-eks"


def test_deployment_input_shape_drops_server_fields(result: DiscoveryResult) -> None:
    web = get(result, "kubernetes:apps/v1:Deployment", "shop/web")
    assert web.urn == "urn:insights:acme/prod-eks::kubernetes::kubernetes:apps/v1:Deployment::shop/web"
    assert web.resource.name == "web" and web.region == "" and web.arn is None
    raw = next(o for o in read_dump(DUMP) if o.get("kind") == "Deployment")
    assert web.properties == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "labels": {"app": "web"},
            "annotations": {"deployment.kubernetes.io/revision": "3"},
        },
        "spec": raw["spec"],
    }
    assert web.relationships == (
        Relationship("namespace", "shop"),
        Relationship("serviceAccount", "shop/web"),
        Relationship("usesConfigMap", "shop/web-config"),
        Relationship("usesSecret", "shop/db-credentials"),
    )


def test_secret_data_never_leaves_the_dump(result: DiscoveryResult) -> None:
    secret = get(result, "kubernetes:core/v1:Secret", "shop/db-credentials")
    assert secret.properties == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "db-credentials",
            "namespace": "shop",
            "labels": {"app": "web"},
            "annotations": {"owner": "team-checkout"},
        },
        "type": "Opaque",
    }
    everything = json.dumps([r.properties for r in result.resources])
    assert "czNjcjN0LXBhc3N3b3Jk" not in everything  # the base64 password, in data and the annotation
    assert "last-applied-configuration" not in everything


def test_pod_service_ingress_configmap_namespace(result: DiscoveryResult) -> None:
    pod = get(result, "kubernetes:core/v1:Pod", "shop/debug-shell")
    assert pod.properties["spec"]["containers"][0]["securityContext"] == {"privileged": True}
    assert pod.properties["spec"]["hostNetwork"] is True
    assert "status" not in pod.properties
    assert pod.properties["metadata"]["ownerReferences"][0]["name"] == "web-6d4cf56db6"
    assert Relationship("ownedBy", "shop/web-6d4cf56db6") in pod.relationships
    assert Relationship("usesSecret", "shop/web-tls") in pod.relationships
    service = get(result, "kubernetes:core/v1:Service", "shop/web")
    assert service.properties["spec"]["type"] == "LoadBalancer"
    assert set(service.properties) == {"apiVersion", "kind", "metadata", "spec"}
    ingress = get(result, "kubernetes:networking.k8s.io/v1:Ingress", "shop/web")
    assert ingress.relationships == (
        Relationship("namespace", "shop"),
        Relationship("routesTo", "shop/web"),
        Relationship("usesSecret", "shop/web-tls"),
    )
    config = get(result, "kubernetes:core/v1:ConfigMap", "shop/web-config")
    assert config.properties == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "web-config", "namespace": "shop"},
        "data": {"LOG_LEVEL": "info", "FEATURE_X": "on"},
    }
    shop = get(result, "kubernetes:core/v1:Namespace", "shop")
    assert shop.urn == "urn:insights:acme/prod-eks::kubernetes::kubernetes:core/v1:Namespace::shop"
    assert shop.properties["metadata"] == {
        "name": "shop",
        "labels": {"kubernetes.io/metadata.name": "shop", "team": "checkout"},
    }
    assert shop.relationships == ()
    # typed list items get kind and apiVersion from the list
    kube_system = get(result, "kubernetes:core/v1:Namespace", "kube-system")
    assert (kube_system.properties["apiVersion"], kube_system.properties["kind"]) == ("v1", "Namespace")


def test_workload_kinds_keep_their_spec(result: DiscoveryResult) -> None:
    agent = get(result, "kubernetes:apps/v1:DaemonSet", "kube-system/node-agent")
    assert agent.properties["spec"]["template"]["spec"]["hostPID"] is True
    assert Relationship("usesConfigMap", "kube-system/agent-config") in agent.relationships
    cron = get(result, "kubernetes:batch/v1:CronJob", "shop/nightly-report")
    assert cron.properties["spec"]["schedule"] == "0 3 * * *"
    assert Relationship("usesConfigMap", "shop/web-config") in cron.relationships
    assert get(result, "kubernetes:batch/v1:Job", "shop/migrate").properties["spec"]["backoffLimit"] == 2
    db = get(result, "kubernetes:apps/v1:StatefulSet", "shop/db")
    assert Relationship("usesSecret", "shop/db-credentials") in db.relationships


def test_malformed_object_is_recorded_not_fatal(result: DiscoveryResult) -> None:
    assert len(result.errors) == 1
    err = result.errors[0]
    assert (err.provider, err.code, err.type_token) == (
        "kubernetes",
        "InvalidObject",
        "kubernetes:core/v1:ConfigMap",
    )
    assert "object #16" in err.message and "cluster-dump.json" in err.message


def test_type_tokens_and_registry() -> None:
    assert type_token("v1", "Pod") == "kubernetes:core/v1:Pod"
    assert type_token("networking.k8s.io/v1", "Ingress") == "kubernetes:networking.k8s.io/v1:Ingress"
    assert not KUBERNETES_KINDS.get("kubernetes:core/v1:Namespace").namespaced
    assert KUBERNETES_KINDS.get("kubernetes:core/v1:Secret").fields == ("type", "immutable")


def test_bad_dumps_are_input_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"kind": "List", "items": [\n  {"kind": "Pod",}\n]}')
    with pytest.raises(InputError, match=r"broken\.json:2:\d+: not valid JSON"):
        read_dump(broken)
    with pytest.raises(InputError, match="cannot read Kubernetes dump"):
        read_dump(tmp_path / "missing.json")
    with pytest.raises(InputError, match="expected Kubernetes objects, found a JSON str"):
        parse_dump('"just a string"', "x.json")
    assert parse_dump("", "empty.json") == []
    assert [
        o["metadata"]["name"]
        for o in parse_dump('[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}]')
    ] == ["a"]
