"""Live Kubernetes discovery through a kubeconfig and context, against a stand-in API server on loopback
(``_fake_kube``) that serves the objects of ``fixtures/cluster-dump.json``.

The dump reader is the reference: the same objects read live must map to exactly the same resources.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from policy_host.errors import InputError
from policy_host.sources.discovered import DiscoveryError, DiscoveryResult
from policy_host.sources.kubernetes import (
    KUBERNETES_KINDS,
    DumpFileSource,
    KubeconfigSource,
    discover_kubernetes,
    read_dump,
)
from policy_host.sources.kubernetes.live import LISTINGS, KindListed, Listing, missing_listings

from ._fake_kube import FakeKubeApi, fake_kube_api, write_kubeconfig

DUMP = Path(__file__).parent / "fixtures" / "cluster-dump.json"
TOKEN = "live-token-7f3a9c1e2b"
SECRET_VALUE = "czNjcjN0LXBhc3N3b3Jk"  # base64 of the password in the dump's Secret
INGRESSES = "/apis/networking.k8s.io/v1/ingresses"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"


@pytest.fixture(scope="module")
def api() -> Iterator[FakeKubeApi]:
    with fake_kube_api(read_dump(DUMP), TOKEN) as server:
        yield server


@pytest.fixture
def kubeconfig(api: FakeKubeApi, tmp_path: Path) -> Path:
    api.requests.clear()
    api.forbidden.clear()
    return write_kubeconfig(tmp_path / "kubeconfig", api.url, TOKEN)


@pytest.fixture(scope="module")
def from_dump() -> DiscoveryResult:
    return discover_kubernetes(DumpFileSource(DUMP), cluster="prod-eks", project="acme")


def test_every_registered_kind_has_a_live_listing() -> None:
    assert missing_listings() == []
    assert sorted(listing.type_token for listing in LISTINGS) == sorted(KUBERNETES_KINDS.names())
    deployment = next(listing for listing in LISTINGS if listing.kind == "Deployment")
    assert (deployment.api_version, deployment.api) == ("apps/v1", "AppsV1Api")
    assert LISTINGS[0].api_version == "v1"  # core group: no "core/" prefix on the wire


def test_live_scan_maps_exactly_what_the_dump_reader_maps(
    api: FakeKubeApi, kubeconfig: Path, from_dump: DiscoveryResult, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, the client's and urllib3's included
    progress: list[KindListed] = []
    source = KubeconfigSource(kubeconfig, "audit", page_size=1, on_progress=progress.append)
    live = discover_kubernetes(source, cluster="prod-eks", project="acme")

    assert [r.resource for r in live.resources] == [r.resource for r in from_dump.resources]
    assert [(r.cloud_id, r.relationships) for r in live.resources] == [
        (r.cloud_id, r.relationships) for r in from_dump.resources
    ]
    assert len(live.resources) == 12
    # the dump's nameless object and unsupported kinds are not things a cluster lists
    assert (live.errors, live.skipped) == ([], {})

    # two namespaces at one per page: two requests, the second carrying the first's continue token
    namespace_queries = [q for p, q in api.requests if p == "/api/v1/namespaces"]
    assert [q["limit"] for q in namespace_queries] == [["1"], ["1"]]
    assert "continue" not in namespace_queries[0] and namespace_queries[1]["continue"][0]
    assert live.api_calls == {listing.method: 1 for listing in LISTINGS} | {"list_namespace": 2}
    assert len(api.requests) == 12
    assert [(e.type_token, e.listed, e.errors) for e in progress] == [
        (listing.type_token, 2 if listing.kind == "Namespace" else 1, 0) for listing in LISTINGS
    ]

    assert TOKEN not in caplog.text and SECRET_VALUE not in caplog.text
    assert source.describe() == f"kubeconfig {kubeconfig}, context audit"


def test_pages_larger_than_a_kind_take_one_request(api: FakeKubeApi, kubeconfig: Path) -> None:
    objects = list(KubeconfigSource(kubeconfig, "audit").objects())
    # two namespaces and one object of each other supported kind; no ReplicaSet or Endpoints is listed
    assert sorted(o["kind"] for o in objects) == sorted(
        ["Namespace", *(listing.kind for listing in LISTINGS)]
    )
    assert len(api.requests) == len(LISTINGS)
    assert all(q == {"limit": ["500"]} for _, q in api.requests)


def test_secret_values_are_dropped_as_they_are_read(api: FakeKubeApi, kubeconfig: Path) -> None:
    objects = list(KubeconfigSource(kubeconfig, "audit", page_size=1).objects())
    secret = next(o for o in objects if o["kind"] == "Secret")
    assert "data" not in secret and "stringData" not in secret
    assert secret["metadata"]["annotations"] == {"owner": "team-checkout"}
    assert (secret["apiVersion"], secret["type"]) == ("v1", "Opaque")
    assert SECRET_VALUE not in json.dumps(objects)
    # the server did send them: the scrub happens in the source
    served = next(o for o in api.objects if o["kind"] == "Secret")
    assert served["data"] == {"password": SECRET_VALUE}


def test_a_refused_or_missing_kind_is_recorded_and_the_rest_is_read(
    api: FakeKubeApi, kubeconfig: Path, from_dump: DiscoveryResult
) -> None:
    api.forbidden.add(INGRESSES)
    budgets = Listing(
        "kubernetes:policy/v1:PodDisruptionBudget",
        "PolicyV1Api",
        "list_pod_disruption_budget_for_all_namespaces",
    )
    source = KubeconfigSource(kubeconfig, "audit", page_size=1, listings=(*LISTINGS, budgets))
    live = discover_kubernetes(source, cluster="prod-eks", project="acme")

    assert live.errors == [
        DiscoveryError(
            "kubernetes",
            "networking.k8s.io/v1",
            "",
            INGRESS,
            "list",
            "403 Forbidden",
            'ingresses is forbidden: User "system:serviceaccount:audit:reader" cannot list resource '
            '"ingresses" in API group "networking.k8s.io" at the cluster scope',
        ),
        DiscoveryError(
            "kubernetes",
            "policy/v1",
            "",
            "kubernetes:policy/v1:PodDisruptionBudget",
            "list",
            "404 NotFound",
            "the server could not find the requested resource",
        ),
    ]
    assert str(live.errors[0]).startswith(
        "kubernetes networking.k8s.io/v1 in -: list for kubernetes:networking.k8s.io/v1:Ingress failed: "
        "403 Forbidden: ingresses is forbidden"
    )
    expected = [r.resource for r in from_dump.resources if r.type != INGRESS]
    assert [r.resource for r in live.resources] == expected


def test_the_context_selects_the_credentials(api: FakeKubeApi, kubeconfig: Path) -> None:
    # the current context's user has an outdated token: a 401 fails the whole scan in one line
    with pytest.raises(InputError) as refused:
        discover_kubernetes(KubeconfigSource(kubeconfig, None), cluster="c")
    assert str(refused.value) == (
        f"kubeconfig {kubeconfig} (current context): the API server {api.url} refused the credentials "
        "(401 Unauthorized)"
    )
    assert "stale-token" not in str(refused.value)
    assert len(api.requests) == 1  # the first listing; nothing else was tried


def test_unloadable_kubeconfigs_are_one_line_input_errors(kubeconfig: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError) as unknown:
        list(KubeconfigSource(kubeconfig, "nope").objects())
    assert str(unknown.value) == (
        f"kubeconfig {kubeconfig}, context nope: cannot load the cluster configuration: "
        f"Invalid kube-config file. Expected object with name nope in {kubeconfig}/contexts list"
    )
    missing = tmp_path / "absent.yaml"
    with pytest.raises(InputError, match=r"absent\.yaml: cannot read kubeconfig: no such file$"):
        list(KubeconfigSource(missing, "audit").objects())


def test_an_unreachable_server_fails_the_scan(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{port}", TOKEN)
    with pytest.raises(InputError) as unreachable:
        discover_kubernetes(KubeconfigSource(config, "audit", request_timeout=5), cluster="c")
    message = str(unreachable.value)
    assert message.startswith(f"kubeconfig {config}, context audit: cannot reach the API server ")
    assert "Connection refused" in message and "\n" not in message and TOKEN not in message
