"""A scan stopped midway (SIGKILL, SIGTERM) leaves the previous complete snapshot intact and is marked
failed; a live scan's lease keeps a second process from scanning the same account. Real processes, real
sockets: a gate proxy in front of the emulator holds the scan inside discovery."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta

import boto3
import pytest

from policy_host.audit import leases
from policy_host.store import Store

from ._gate import GateProxy
from .conftest import REPO, cli, reset_moto

sqlite_only = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)


@pytest.fixture
def gate(moto_url: str) -> Iterator[GateProxy]:
    reset_moto(moto_url)
    with GateProxy(moto_url) as proxy:
        yield proxy


def buckets(url: str, *names: str) -> None:
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
    for name in names:
        s3.create_bucket(Bucket=name)


def snapshot() -> dict[str, tuple[int, str]]:
    """Live resources: URN -> (version, managed-by/unmanaged)."""
    rows = json.loads(cli("resource", "ls", "--json", check=True).stdout)
    return {r["urn"]: (r["version"], r["status"]) for r in rows}


def start_scan() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "policy_host", "audit", "scan", "acct", "--no-evaluate"],
        cwd=REPO,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_held(proxy: GateProxy, proc: subprocess.Popen) -> None:
    """Until the scan process has a request waiting at the gate (it is inside discovery)."""
    deadline = time.monotonic() + 60
    while proxy.blocked == 0:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the scan never reached the emulator"
        time.sleep(0.05)


def scans() -> list[dict]:
    return json.loads(cli("audit", "scans", "--account", "acct", "--json", check=True).stdout)


def batches() -> list[tuple[str, set[str]]]:
    """Scans grouped by batch (a parent scan records the parent and each region), newest first."""
    out: dict[str, set[str]] = {}
    for s in scans():
        out.setdefault(s["batch"], set()).add(s["status"])
    return [(b, statuses) for b, statuses in out.items()]


def setup_account(moto_url: str, proxy: GateProxy) -> dict[str, tuple[int, str]]:
    buckets(moto_url, "keep-1", "gone-1")
    cli(
        "account", "add", "acct", "--provider", "aws", "--env-credentials", "--endpoint-url", proxy.url,
        "--region", "us-east-1", "--schedule", "none", check=True,
    )  # fmt: skip
    cli("audit", "scan", "acct", "--no-evaluate", check=True)
    before = snapshot()
    # the cloud changes: a bucket is deleted, another created, one gets versioning
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    s3.delete_bucket(Bucket="gone-1")
    buckets(moto_url, "new-1")
    s3.put_bucket_versioning(Bucket="keep-1", VersioningConfiguration={"Status": "Enabled"})
    return before


@sqlite_only
def test_a_killed_scan_leaves_the_previous_snapshot_and_is_marked_failed(
    store: Store, moto_url: str, gate: GateProxy
):
    before = setup_account(moto_url, gate)
    assert any("gone-1" in urn for urn in before)

    gate.close_gate()
    proc = start_scan()
    wait_until_held(gate, proc)
    running = scans()
    assert running[0]["status"] == "running"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    gate.open_gate()

    assert snapshot() == before  # nothing of the interrupted scan landed
    listed = scans()  # listing reaps: the lease names a process that is gone
    assert [statuses for _, statuses in batches()] == [{"failed"}, {"succeeded"}]
    assert {s["account"] for s in listed if s["status"] == "failed"} == {"acct", "acct/us-east-1"}
    assert listed[0]["errors"][0].startswith("interrupted: the scanning process (")

    # the dead holder's lease does not block the next scan, which sees every change
    again = cli("audit", "scan", "acct", "--no-evaluate", check=True)
    # new: new-1's bucket and ACL, keep-1's versioning; changed: keep-1's bucket; deleted: gone-1's two
    assert (
        "Scan 6 of acct/us-east-1: succeeded" in again.stdout
        and "(3 new, 1 changed, 2 deleted)" in again.stdout
    )
    after = snapshot()
    assert not any("::gone-1" in urn for urn in after)
    assert any("::new-1" in urn for urn in after)
    keep = "urn:insights:default/acct/us-east-1::aws::aws:s3/bucket:Bucket::keep-1"
    assert after[keep] == (2, "live")


@sqlite_only
def test_sigterm_marks_the_scan_failed_itself_and_releases_the_lease(
    store: Store, moto_url: str, gate: GateProxy
):
    before = setup_account(moto_url, gate)
    gate.close_gate()
    proc = start_scan()
    wait_until_held(gate, proc)
    proc.send_signal(signal.SIGTERM)
    gate.open_gate()  # let the requests in flight finish so the process can wind down
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert err.endswith("error: terminated (SIGTERM); the scan was marked failed\n")
    assert "Traceback" not in err
    assert snapshot() == before
    with store.read() as s:
        assert s.get(leases.LeaseRecord, "scan:acct") is None  # released, not left to expire
        assert s.get(leases.LeaseRecord, "scan:acct/us-east-1") is None
    assert [statuses for _, statuses in batches()] == [{"failed"}, {"succeeded"}]
    assert {tuple(s["errors"]) for s in scans() if s["status"] == "failed"} == {
        ("interrupted: terminated (SIGTERM)",)
    }


@sqlite_only
def test_a_live_lease_refuses_a_second_scan(store: Store, moto_url: str, gate: GateProxy):
    buckets(moto_url, "lease-bucket")
    cli(
        "account", "add", "acct", "--provider", "aws", "--env-credentials", "--endpoint-url", gate.url,
        "--region", "us-east-1", check=True,
    )  # fmt: skip
    holder = leases.new_holder()  # this (live) test process
    with store.transaction() as s:
        assert leases.acquire(s, [leases.scan_key("acct/us-east-1")], holder, timedelta(minutes=5)) is None
    refused = cli("audit", "scan", "acct")
    assert refused.returncode == 1
    assert refused.stderr.startswith(
        f"error: a scan of acct/us-east-1 is already running (held by {holder} until "
    )
    assert scans() == []  # refused before anything was recorded
    with store.transaction() as s:
        leases.release(s, [leases.scan_key("acct/us-east-1")], holder)
    assert cli("audit", "scan", "acct", "--no-evaluate").returncode == 0


def test_lease_rules(store: Store):
    a, b = leases.new_holder(), leases.new_holder()
    keys = ["scan:x", "scan:x/r"]
    with store.transaction() as s:
        assert leases.acquire(s, keys, a, timedelta(minutes=1)) is None
    with store.transaction() as s:
        blocker = leases.acquire(s, ["scan:x/r"], b)
        assert blocker is not None and blocker.holder == a
        assert leases.renew(s, keys, a) is True and leases.renew(s, keys, b) is False
    with store.transaction() as s:  # an expired lease is free
        assert leases.acquire(s, keys, a, timedelta(seconds=-1)) is None
    with store.transaction() as s:
        assert leases.acquire(s, keys, b) is None
    dead = f"{leases.new_holder().split(':')[0]}:999999999:dead"
    with store.transaction() as s:  # a holder process on this host that no longer exists frees its lease
        leases.release(s, keys, b)
        assert leases.acquire(s, keys, dead, timedelta(hours=1)) is None
    with store.transaction() as s:
        assert leases.acquire(s, keys, a) is None
