"""Scans into the store from real files (stack exports, a Kubernetes dump): versions only on change,
deletions, revivals, what a failed read must not delete, sealed secrets, scan records and the CLI views."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from policy_host.audit.accounts import AccountInput, add_account, get_account
from policy_host.audit.collect import Item, Snapshot
from policy_host.audit.models import AuditResourceRecord, ResourceVersionRecord, ScanRecord
from policy_host.audit.queries import get_resource, list_resources, list_scans
from policy_host.audit.scan import scan
from policy_host.audit.snapshot import write_snapshot
from policy_host.store import Store

from . import _exports as ex
from .conftest import REPO, cli

DUMP = Path(__file__).parents[1] / "sources" / "fixtures" / "cluster-dump.json"
SG_INGRESS = [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8"]}]


@pytest.fixture
def export_file(tmp_path: Path) -> Path:
    return ex.write(
        tmp_path / "prod.json",
        ex.export(
            [
                ex.bucket("data-bucket", tags={"team": "a"}, policy=ex.secret("s3cr3t-policy-text")),
                ex.security_group("web", "sg-0123", SG_INGRESS),
            ]
        ),
    )


def add_pulumi(store: Store, *exports: Path) -> None:
    with store.transaction() as s:
        add_account(s, AccountInput("stacks", "pulumi", exports=tuple(str(p) for p in exports)))


def live(store: Store) -> dict[str, int]:
    with store.read() as s:
        return {r["urn"].rsplit("::", 1)[-1]: r["version"] for r in list_resources(s, account="stacks")}


def test_versions_deletions_and_revival(store: Store, export_file: Path):
    add_pulumi(store, export_file)
    first = scan(store, "stacks", evaluate=False)
    assert first.status == "succeeded"
    assert first.accounts[0].changes == {"new": 4, "changed": 0, "unchanged": 0, "deleted": 0, "revived": 0}
    assert live(store) == {"shop-prod": 1, "default": 1, "data-bucket": 1, "web": 1}

    # unchanged rescan: no new version
    again = scan(store, "stacks", evaluate=False)
    assert again.accounts[0].changes == {"new": 0, "changed": 0, "unchanged": 4, "deleted": 0, "revived": 0}

    # the bucket's tags change and the security group is gone from the state
    ex.write(export_file, ex.export([ex.bucket("data-bucket", tags={"team": "b"}, policy=ex.secret("x"))]))
    third = scan(store, "stacks", evaluate=False)
    assert third.accounts[0].changes == {"new": 0, "changed": 1, "unchanged": 2, "deleted": 1, "revived": 0}
    assert live(store) == {"shop-prod": 1, "default": 1, "data-bucket": 2}
    with store.read() as s:
        deleted = [
            r for r in list_resources(s, account="stacks", include_deleted=True) if r["status"] == "deleted"
        ]
        assert [d["name"] for d in deleted] == ["web"]
        bucket = get_resource(s, ex.urn("aws:s3/bucket:Bucket", "data-bucket"))
    assert [v["version"] for v in bucket["versions"]] == [1, 2]
    assert [v["scanId"] for v in bucket["versions"]] == [first.accounts[0].scan_id, third.accounts[0].scan_id]
    assert bucket["properties"] == {"bucket": "data-bucket", "policy": "[secret]", "tags": {"team": "b"}}
    assert bucket["managedBy"] == "organization/shop/prod"

    # it comes back, unchanged: revived at its old version
    ex.write(
        export_file,
        ex.export(
            [
                ex.bucket("data-bucket", tags={"team": "b"}, policy=ex.secret("x")),
                ex.security_group("web", "sg-0123", SG_INGRESS),
            ]
        ),
    )
    fourth = scan(store, "stacks", evaluate=False)
    assert fourth.accounts[0].changes == {"new": 0, "changed": 0, "unchanged": 4, "deleted": 0, "revived": 1}
    assert live(store)["web"] == 1


def test_secrets_never_reach_the_store(store: Store, export_file: Path):
    add_pulumi(store, export_file)
    scan(store, "stacks", evaluate=False)
    with store.engine.connect() as conn:
        dumped = json.dumps(
            [list(r) for r in conn.execute(text("SELECT properties, extra FROM audit_resource_versions"))],
            default=str,
        )
    assert "s3cr3t-policy-text" not in dumped
    # still a secret (signature kept), so policies know it is one
    assert "[secret]" in dumped and ex.SECRET_SIG["4dabf18193072939515e22adb298388d"] in dumped


def test_an_unreadable_export_fails_its_part_and_deletes_nothing(
    store: Store, export_file: Path, tmp_path: Path
):
    other = ex.write(tmp_path / "other.json", ex.export([ex.bucket("logs")], stack="dev"))
    add_pulumi(store, export_file, other)
    scan(store, "stacks", evaluate=False)
    export_file.write_text("{ not json")
    result = scan(store, "stacks", evaluate=False)
    assert result.status == "partial"
    assert result.accounts[0].errors == [
        f"{export_file}: not a valid JSON file: Expecting property name enclosed in double quotes at line 1 column 3"
    ]
    assert result.accounts[0].changes["deleted"] == 0
    with store.read() as s:
        assert len(list_resources(s, account="stacks")) == 7  # both stacks' resources stand
    with store.read() as s:
        scans = list_scans(s, "stacks")
    assert [x["status"] for x in scans] == ["partial", "succeeded"]
    assert scans[0]["errors"] == result.accounts[0].errors


def test_failed_reads_and_listings_keep_resources_and_partial_reads_keep_versions(sqlite_store: Store):
    store = sqlite_store
    with store.transaction() as s:
        add_account(s, AccountInput("prod", "aws", regions=("us-east-1",)))

    def item(cloud_id: str, type_: str = "aws:s3/bucket:Bucket", partial=(), **props) -> Item:
        return Item(
            urn=f"urn:insights:default/prod::aws::{type_}::{cloud_id}",
            type=type_,
            name=cloud_id,
            provider="aws",
            region="us-east-1",
            cloud_id=cloud_id,
            properties={"bucket": cloud_id, **props},
            partial=tuple(partial),
            relationships=(("bucket", cloud_id),),
        )

    def write(snap: Snapshot, scan_id: int):
        with store.transaction() as s:
            account = get_account(s, "prod/us-east-1")
            return write_snapshot(s, account, snap, scan_id, datetime.now(UTC))

    write(Snapshot("prod/us-east-1", [item("a"), item("b"), item("k1", "aws:kms/key:Key")]), 1)
    # b's detail reads failed (uncertain id); listing keys failed (uncertain type); a read partially
    snap = Snapshot("prod/us-east-1", [item("a", partial=("encryption",), versioning={"enabled": True})])
    snap.uncertain_ids.add("b")
    snap.uncertain_types.add("aws:kms/key:Key")
    changes = write(snap, 2)
    assert changes.as_dict() == {"new": 0, "changed": 0, "unchanged": 1, "deleted": 0, "revived": 0}
    with store.read() as s:
        rows = {r.cloud_id: r for r in s.scalars(select(AuditResourceRecord))}
        assert {k: (r.current_version, r.deleted_at is None, r.partial) for k, r in rows.items()} == {
            "a": (1, True, ["encryption"]),
            "b": (1, True, []),
            "k1": (1, True, []),
        }
    # a complete scan that no longer lists them deletes them
    changes = write(Snapshot("prod/us-east-1", [item("a", versioning={"enabled": True})]), 3)
    assert changes.as_dict() == {"new": 0, "changed": 1, "unchanged": 0, "deleted": 2, "revived": 0}
    with store.read() as s:
        versions = s.scalars(select(ResourceVersionRecord.version).order_by(ResourceVersionRecord.id)).all()
        assert versions == [1, 1, 1, 2]
        a = get_resource(s, "urn:insights:default/prod::aws::aws:s3/bucket:Bucket::a")
    assert a["relationships"] == [
        {
            "kind": "bucket",
            "target": "a",
            "targetUrn": "urn:insights:default/prod::aws::aws:s3/bucket:Bucket::a",
        }
    ]


def test_kubernetes_dump_account_and_cli_views(store_url: str, tmp_path: Path):
    assert cli("account", "add", "cluster", "--provider", "kubernetes", "--dump", str(DUMP), check=True)
    scanned = cli("audit", "scan", "cluster", "--no-evaluate")
    assert scanned.returncode == 0, scanned.stderr
    assert scanned.stdout.startswith(
        "Scan 1 of cluster: partial, 12 resources (12 new, 0 changed, 0 deleted)\n"
    )
    # not a terminal: plain progress lines, no escape codes
    assert scanned.stderr.startswith("scan cluster: started\n") and "\x1b[" not in scanned.stderr
    listed = json.loads(cli("resource", "ls", "--account", "cluster", "--json", check=True).stdout)
    assert len(listed) == 12 and {r["managed"] for r in listed} == {False}
    secret = next(r for r in listed if r["type"] == "kubernetes:core/v1:Secret")
    shown = json.loads(cli("resource", "get", secret["urn"], "--json", check=True).stdout)
    assert "data" not in shown["properties"] and "stringData" not in shown["properties"]
    scans = json.loads(cli("audit", "scans", "--account", "cluster", "--json", check=True).stdout)
    assert [(s["status"], s["resources"], len(s["errors"])) for s in scans] == [("partial", 12, 1)]
    assert sum(scans[0]["counts"].values()) == 12
    missing = cli("resource", "get", "urn:nope")
    assert (missing.returncode, missing.stderr) == (1, "error: no resource with URN urn:nope\n")


def test_a_scan_that_cannot_start_is_recorded_failed(store: Store, tmp_path: Path):
    dump = tmp_path / "dump.json"
    dump.write_text("[]")
    with store.transaction() as s:
        add_account(s, AccountInput("cluster", "kubernetes", dump=str(dump)))
    dump.unlink()
    outcome = scan(store, "cluster")
    assert outcome.status == "failed"
    assert outcome.error == f"{dump}: cannot read Kubernetes dump: No such file or directory"
    with store.read() as s:
        rows = s.scalars(select(ScanRecord)).all()
        assert [(r.status, r.errors) for r in rows] == [("failed", [outcome.error])]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_terminal_gets_a_progress_bar(store_url: str):
    """stderr on a pseudo-terminal: the Rich bar, not the plain lines."""
    assert cli("account", "add", "cluster", "--provider", "kubernetes", "--dump", str(DUMP)).returncode == 0
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "policy_host", "audit", "scan", "cluster", "--no-evaluate"],
        cwd=REPO,
        env=dict(os.environ, TERM="xterm-256color", COLUMNS="120"),
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
    )
    out, _ = proc.communicate(timeout=120)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0 and out.startswith("Scan 1 of cluster: partial")
    assert "scan cluster" in shown and "scan cluster: started" not in shown
    assert "\x1b[" in shown  # drawn with terminal control sequences
