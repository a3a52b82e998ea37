"""End to end through the CLI for a live Kubernetes account: ``account add --kubeconfig --context``,
``audit scan`` against a stand-in API server on loopback (``tests/sources/_fake_kube``, serving the
objects of ``tests/sources/fixtures/cluster-dump.json``), evaluated by ``packs/kubernetes-baseline`` on
``default-accounts-policy-group``.

Expected verdicts come from the fixture's objects and the pack's rules; each row says why it fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from policy_host.sources.kubernetes import read_dump
from tests.sources._fake_kube import FakeKubeApi, fake_kube_api, write_kubeconfig

from .conftest import REPO, cli

DUMP = REPO / "tests" / "sources" / "fixtures" / "cluster-dump.json"
BASELINE = REPO / "packs" / "kubernetes-baseline"
TOKEN = "k8s-audit-token-51c0de"
SECRET_VALUES = ("czNjcjN0LXBhc3N3b3Jk", "s3cr3t-password")  # the Secret's data, base64 and decoded


def urn(token: str, cloud_id: str) -> str:
    return f"urn:insights:default/k8s::kubernetes::kubernetes:{token}::{cloud_id}"


POD = urn("core/v1:Pod", "shop/debug-shell")
AGENT = urn("apps/v1:DaemonSet", "kube-system/node-agent")
DB = urn("apps/v1:StatefulSet", "shop/db")
JOB = urn("batch/v1:Job", "shop/migrate")
CRON = urn("batch/v1:CronJob", "shop/nightly-report")
SERVICE = urn("core/v1:Service", "shop/web")
INGRESS = urn("networking.k8s.io/v1:Ingress", "shop/web")

EXPECTED = {
    # debug-shell: privileged, hostNetwork, busybox:latest, no limits, no runAsNonRoot
    (POD, "k8s-no-privileged-containers", "mandatory"),
    (POD, "k8s-no-host-namespaces", "advisory"),
    (POD, "k8s-image-pinned", "advisory"),
    (POD, "k8s-resource-limits", "advisory"),
    (POD, "k8s-run-as-non-root", "advisory"),
    # node-agent: privileged, hostPID, no limits, no runAsNonRoot (agent:2.1 is pinned)
    (AGENT, "k8s-no-privileged-containers", "mandatory"),
    (AGENT, "k8s-no-host-namespaces", "advisory"),
    (AGENT, "k8s-resource-limits", "advisory"),
    (AGENT, "k8s-run-as-non-root", "advisory"),
    # db, migrate, nightly-report: pinned images, but no limits and no runAsNonRoot
    (DB, "k8s-resource-limits", "advisory"),
    (DB, "k8s-run-as-non-root", "advisory"),
    (JOB, "k8s-resource-limits", "advisory"),
    (JOB, "k8s-run-as-non-root", "advisory"),
    (CRON, "k8s-resource-limits", "advisory"),
    (CRON, "k8s-run-as-non-root", "advisory"),
    # a LoadBalancer Service without an internal annotation. (The web Deployment passes everything:
    # nginx:1.27, cpu and memory limits, runAsNonRoot.)
    (SERVICE, "k8s-no-public-load-balancers", "advisory"),
}


@pytest.fixture
def api() -> Iterator[FakeKubeApi]:
    with fake_kube_api(read_dump(DUMP), TOKEN) as server:
        yield server


def stored_bytes(tmp_path: Path) -> bytes:
    """Everything the store and the policy-host home hold on disk (SQLite file, WAL, published packs)."""
    files = [*tmp_path.glob("store.db*"), *(p for p in (tmp_path / "home").rglob("*") if p.is_file())]
    assert any(p.name == "store.db" for p in files)
    return b"".join(p.read_bytes() for p in files)


def test_live_account_scan_and_evaluation(sqlite_store, api: FakeKubeApi, tmp_path: Path):
    (tmp_path / "kube").mkdir()  # outside the home and the store: this file holds the token
    kubeconfig = write_kubeconfig(tmp_path / "kube" / "config", api.url, TOKEN)
    outputs: list[str] = []

    def run(*args: str, check: bool = True):
        proc = cli(*args, check=check)
        outputs.extend((proc.stdout, proc.stderr))
        return proc

    run("pack", "publish", str(BASELINE))
    run("group", "edit", "default-accounts-policy-group", "--add-policy-pack", "kubernetes-baseline@latest")
    run(
        "account", "add", "k8s", "--provider", "kubernetes",
        "--kubeconfig", str(kubeconfig), "--context", "audit", "--schedule", "none",
    )  # fmt: skip
    account = json.loads(run("account", "get", "k8s", "--json").stdout)
    assert account["config"] == {"kubeconfig": str(kubeconfig), "context": "audit"}

    first = run("audit", "scan", "k8s", "--json")
    [outcome] = json.loads(first.stdout)
    assert outcome["status"] == "succeeded", outcome
    [scanned] = outcome["accounts"]
    assert (scanned["resources"], scanned["changes"]["new"], scanned["errors"]) == (12, 12, [])
    [evaluation] = outcome["evaluations"]
    assert (evaluation["entity"], evaluation["resources"], evaluation["errors"]) == ("k8s", 12, [])
    failures = {(r["urn"], r["policy"], r["level"]) for r in evaluation["results"] if r["outcome"] == "fail"}
    assert failures == EXPECTED
    assert evaluation["failures"] == len(EXPECTED)
    assert "scan k8s: listed kubernetes:core/v1:Namespace in cluster: 2 listed" in first.stderr

    # the cluster stops letting the auditor list ingresses: the scan is partial, the rest is read, and
    # the ingress is unseen, not deleted
    api.forbidden.add("/apis/networking.k8s.io/v1/ingresses")
    second = run("audit", "scan", "k8s", "--no-evaluate")
    assert second.stdout.splitlines()[:2] == [
        "Scan 2 of k8s: partial, 11 resources (0 new, 0 changed, 0 deleted)",
        "  error: kubernetes networking.k8s.io/v1 in -: list for kubernetes:networking.k8s.io/v1:Ingress "
        'failed: 403 Forbidden: ingresses is forbidden: User "system:serviceaccount:audit:reader" cannot '
        'list resource "ingresses" in API group "networking.k8s.io" at the cluster scope',
    ]
    assert (
        "scan k8s: listed kubernetes:networking.k8s.io/v1:Ingress in cluster: 0 listed, 0 read, "
        "0 resources, 1 errors" in second.stderr
    )
    listed = json.loads(run("resource", "ls", "--account", "k8s", "--json").stdout)
    assert len(listed) == 12 and INGRESS in {r["urn"] for r in listed}
    secret = next(r for r in listed if r["type"] == "kubernetes:core/v1:Secret")
    shown = json.loads(run("resource", "get", secret["urn"], "--json").stdout)
    assert shown["properties"]["type"] == "Opaque" and "data" not in shown["properties"]

    # no secret value and no credential anywhere on disk or in any output
    on_disk = stored_bytes(tmp_path)
    for value in (*SECRET_VALUES, TOKEN):
        assert value.encode() not in on_disk, value
        assert not any(value in text for text in outputs), value
    assert api.calls_to("/api/v1/secrets") == 2


def test_refused_credentials_fail_the_scan_in_one_line(sqlite_store, api: FakeKubeApi, tmp_path: Path):
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", api.url, TOKEN)
    # no --context: the kubeconfig's current context, whose token the server no longer accepts
    cli("account", "add", "k8s", "--provider", "kubernetes", "--kubeconfig", str(kubeconfig), check=True)
    refused = cli("audit", "scan", "k8s")
    assert refused.returncode == 1
    assert refused.stdout == (
        f"Scan 1 of k8s: failed, kubeconfig {kubeconfig} (current context): the API server {api.url} "
        "refused the credentials (401 Unauthorized)\n"
    )
    assert "stale-token" not in refused.stdout + refused.stderr and "Traceback" not in refused.stderr
