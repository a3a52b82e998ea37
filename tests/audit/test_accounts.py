"""Accounts: add/edit/remove with region children, validation, default group membership, and no secret
anywhere in the store."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from policy_host.audit.accounts import (
    AccountEdit,
    AccountInput,
    add_account,
    children_of,
    edit_account,
    get_account,
    list_accounts,
    remove_account,
)
from policy_host.errors import StoreError, UsageError
from policy_host.groups.service import get_group
from policy_host.store import Store
from policy_host.store.models import EntityRecord

from .conftest import CORPUS, cli

EXPORT = CORPUS / "tfmigrate__s3bucket-test__test-upsert.checkpoint.json"


def aws(name: str = "prod", **kw) -> AccountInput:
    base = {"regions": ("us-east-1", "eu-west-1"), "profile": "audit"}
    return AccountInput(name=name, provider="aws", **(base | kw))


def test_aws_account_has_a_child_per_region_and_all_join_the_default_group(store: Store):
    with store.transaction() as s:
        rec, notes = add_account(s, aws(schedule="12h", max_workers=4))
    assert notes.lines == []
    with store.read() as s:
        rec = get_account(s, "prod")
        assert rec.config == {
            "credentials": {"kind": "profile", "profile": "audit"},
            "regions": ["eu-west-1", "us-east-1"],
            "max_workers": 4,
        }
        assert rec.schedule == "12h"
        kids = children_of(s, rec)
        assert [(c.name, c.region, c.schedule, c.provider) for c in kids] == [
            ("prod/eu-west-1", "eu-west-1", "12h", "aws"),
            ("prod/us-east-1", "us-east-1", "12h", "aws"),
        ]
        members = {m.name for m in get_group(s, "default-accounts-policy-group").members}
        assert members == {"prod", "prod/eu-west-1", "prod/us-east-1"}
        entities = set(s.scalars(select(EntityRecord.name).where(EntityRecord.kind == "account")))
        assert entities == members


def test_credentials_in_an_endpoint_url_are_removed_and_never_stored(store: Store):
    with store.transaction() as s:
        _, notes = add_account(
            s, aws(profile=None, env_credentials=True, endpoint_url="http://admin:hunter2@127.0.0.1:5000/x")
        )
    assert len(notes.lines) == 1 and "removed" in notes.lines[0]
    with store.read() as s:
        assert get_account(s, "prod").config["endpoint_url"] == "http://127.0.0.1:5000/x"
    # nothing anywhere in the database holds the password
    with store.engine.connect() as conn:
        dumped = json.dumps(
            [list(r) for r in conn.execute(text("SELECT * FROM audit_accounts"))], default=str
        )
    assert "hunter2" not in dumped and "admin" not in dumped


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (aws(regions=()), "aws accounts need at least one --region (each becomes a child account)"),
        (aws(regions=("mars-1",)), "invalid AWS region 'mars-1': expected a region code such as us-east-1"),
        (aws(name="a/b"), "invalid account name 'a/b'"),
        (aws(env_credentials=True), "--env-credentials cannot be combined with --profile or --role-arn"),
        (aws(role_arn="role"), "invalid --role-arn 'role': expected arn:aws:iam::ACCOUNT:role/NAME"),
        (aws(schedule="hourly"), "invalid schedule 'hourly'"),
        (aws(dump="x.json"), "aws accounts take"),
        (AccountInput("k", "kubernetes"), "kubernetes accounts need --dump FILE or --kubeconfig FILE"),
        (AccountInput("p", "pulumi"), "pulumi accounts need --backend-dir DIR or --export FILE"),
        (AccountInput("p", "pulumi", exports=("/nope.json",)), "--export /nope.json: no such file"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(sqlite_store: Store, given: AccountInput, message: str):
    with pytest.raises(UsageError) as e, sqlite_store.transaction() as s:
        add_account(s, given)
    assert message in str(e.value) and "\n" not in str(e.value)
    with sqlite_store.read() as s:
        assert list_accounts(s) == []


def test_duplicate_name_is_refused(sqlite_store: Store):
    with sqlite_store.transaction() as s:
        add_account(s, aws())
    with pytest.raises(StoreError, match="account 'prod' already exists"), sqlite_store.transaction() as s:
        add_account(s, aws())


def test_role_source_and_cron_schedule(sqlite_store: Store):
    arn = "arn:aws:iam::123456789012:role/audit"
    with sqlite_store.transaction() as s:
        rec, _ = add_account(s, aws(role_arn=arn, external_id="ext", schedule="0  3 * * 1-5"))
        assert rec.config["credentials"] == {
            "kind": "role",
            "role_arn": arn,
            "profile": "audit",
            "external_id": "ext",
        }
        assert rec.schedule == "0 3 * * 1-5"


def test_edit_regions_schedule_and_credentials(store: Store):
    with store.transaction() as s:
        add_account(s, aws())
    with store.transaction() as s:
        edit_account(
            s,
            "prod",
            AccountEdit(
                schedule="none",
                add_regions=("us-west-2",),
                remove_regions=("eu-west-1",),
                env_credentials=True,
            ),
        )
    with store.read() as s:
        rec = get_account(s, "prod")
        assert rec.config["regions"] == ["us-east-1", "us-west-2"]
        assert rec.config["credentials"] == {"kind": "env"}
        assert [(c.name, c.schedule) for c in children_of(s, rec)] == [
            ("prod/us-east-1", "none"),
            ("prod/us-west-2", "none"),
        ]
    with pytest.raises(UsageError, match="is a region of another account"), store.transaction() as s:
        edit_account(s, "prod/us-east-1", AccountEdit(schedule="12h"))
    with pytest.raises(UsageError, match="would scan no region"), store.transaction() as s:
        edit_account(s, "prod", AccountEdit(remove_regions=("us-east-1", "us-west-2")))


def test_removing_a_child_drops_its_region_and_removing_the_parent_drops_all(store: Store):
    with store.transaction() as s:
        add_account(s, aws())
    with store.transaction() as s:
        assert remove_account(s, "prod/eu-west-1") == ["prod/eu-west-1"]
    with store.read() as s:
        assert get_account(s, "prod").config["regions"] == ["us-east-1"]
    with store.transaction() as s:
        assert remove_account(s, "prod") == ["prod", "prod/us-east-1"]
    with store.read() as s:
        assert list_accounts(s) == []


def test_pulumi_and_kubernetes_accounts_store_absolute_paths(sqlite_store: Store, tmp_path, monkeypatch):
    dump = tmp_path / "dump.json"
    dump.write_text("[]")
    monkeypatch.chdir(tmp_path)
    with sqlite_store.transaction() as s:
        k, _ = add_account(s, AccountInput("cluster", "kubernetes", dump="dump.json"))
        p, _ = add_account(
            s, AccountInput("stacks", "pulumi", exports=(str(EXPORT),), backend_dir=f"file://{tmp_path}")
        )
        assert k.config == {"dump": str(dump)}
        assert p.config == {"exports": [str(EXPORT)], "backend_dir": str(tmp_path)}
    with pytest.raises(UsageError, match="a pulumi account needs"), sqlite_store.transaction() as s:
        edit_account(s, "stacks", AccountEdit(remove_exports=(str(EXPORT),), backend_dir=""))


def test_cli_round_trip_without_tracebacks(store_url: str):
    added = cli(
        "account", "add", "prod", "--provider", "aws", "--region", "us-east-1",
        "--endpoint-url", "http://u:secret-pw@127.0.0.1:4566", "--schedule", "12h",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout == "Added aws account prod with 1 region account(s): prod/us-east-1.\n"
    assert "secret-pw" not in added.stdout + added.stderr
    listed = json.loads(cli("account", "ls", "--json", check=True).stdout)
    assert [(a["name"], a["parent"], a["schedule"]) for a in listed] == [
        ("prod", None, "12h"),
        ("prod/us-east-1", "prod", "12h"),
    ]
    shown = cli("account", "get", "prod", check=True).stdout
    assert "credentials: environment credentials at http://127.0.0.1:4566" in shown
    bad = cli("account", "add", "x", "--provider", "aws")
    assert (bad.returncode, bad.stderr) == (
        2,
        "error: aws accounts need at least one --region (each becomes a child account)\n",
    )
    missing = cli("account", "get", "nope")
    assert (missing.returncode, missing.stderr) == (
        1,
        "error: no account named 'nope' (see policy-host account ls)\n",
    )
    assert (
        cli("account", "rm", "prod", "-y", check=True).stdout == "Removed account(s) prod, prod/us-east-1.\n"
    )
