"""Selecting issues: every filter of ``issue ls``/``export``, sorting, and the exports (CSV, JSON)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from policy_host.cli.main import main
from policy_host.errors import UsageError
from policy_host.findings import record_run
from policy_host.findings.query import IssueFilter, list_issues
from policy_host.findings.serialize import CSV_COLUMNS
from policy_host.findings.triage import IssueEdit, edit_issues
from tests.findings.builders import fail, policy, resource, run

REPO = Path(__file__).resolve().parents[2]

ENC = policy("aws", "encryption", level="mandatory", severity="high", group="baseline")
TAGS = policy("aws", "tags", severity="low", group="baseline")
MFA = policy("cis", "mfa", level="mandatory", severity="critical", group="accounts")

PROD_BUCKET = resource("b0", version="12")
PROD_QUEUE = resource("q0", "aws:sqs/queue:Queue", version="12")
DEV_BUCKET = resource("b0", stack="dev2")
USER1 = resource("u1", "aws:iam/user:User")
LOGS = resource("logs", managed_by="acme/shop/prod")
USER2 = resource("u2", "aws:iam/user:User")


@pytest.fixture
def seeded(store) -> dict[str, int]:
    """Issues on two stacks and three accounts (one a child); returns {label: issue id}."""
    with store.transaction() as s:
        record_run(
            s,
            run(
                "acme/shop/prod",
                [PROD_BUCKET, PROD_QUEUE],
                [ENC, TAGS],
                [fail(PROD_BUCKET, ENC), fail(PROD_BUCKET, TAGS), fail(PROD_QUEUE, TAGS)],
            ),
        )
        record_run(s, run("acme/shop/dev", [DEV_BUCKET], [ENC, TAGS], [fail(DEV_BUCKET, ENC)]))
        record_run(
            s, run("prod/us-east-1", [USER1, LOGS], [MFA], [fail(USER1, MFA), fail(LOGS, MFA)], account=True)
        )
        record_run(s, run("staging", [USER2], [MFA], [fail(USER2, MFA)], account=True))
        record_run(s, run("production", [], [MFA], [], account=True))  # "prod" must not match it
    with store.read() as s:
        labels = {f"{i.entity}:{i.resource_name}:{i.policy}": i.id for i in list_issues(s)}
    with store.transaction() as s:
        edit_issues(
            s, [labels["acme/shop/prod:b0:encryption"]], IssueEdit(priority="p0", assignee="alice"), actor="t"
        )
        edit_issues(
            s, [labels["staging:u2:mfa"]], IssueEdit(status="ignored", justification="break-glass"), actor="t"
        )
    return labels


def names(store, **filters) -> set[str]:
    with store.read() as s:
        return {f"{i.entity}:{i.resource_name}:{i.policy}" for i in list_issues(s, IssueFilter(**filters))}


ALL = {
    "acme/shop/prod:b0:encryption",
    "acme/shop/prod:b0:tags",
    "acme/shop/prod:q0:tags",
    "acme/shop/dev:b0:encryption",
    "prod/us-east-1:u1:mfa",
    "prod/us-east-1:logs:mfa",
    "staging:u2:mfa",
}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ALL),
        ({"packs": ("cis",)}, {"prod/us-east-1:u1:mfa", "prod/us-east-1:logs:mfa", "staging:u2:mfa"}),
        ({"policies": ("tags",)}, {"acme/shop/prod:b0:tags", "acme/shop/prod:q0:tags"}),
        ({"policies": ("aws:enc*",)}, {"acme/shop/prod:b0:encryption", "acme/shop/dev:b0:encryption"}),
        ({"policies": ("cis:enc*",)}, set()),
        ({"severities": ("low",)}, {"acme/shop/prod:b0:tags", "acme/shop/prod:q0:tags"}),
        ({"severities": ("critical", "high")}, ALL - {"acme/shop/prod:b0:tags", "acme/shop/prod:q0:tags"}),
        ({"statuses": ("ignored",)}, {"staging:u2:mfa"}),
        ({"priorities": ("p0",)}, {"acme/shop/prod:b0:encryption"}),
        ({"priorities": ("none",)}, ALL - {"acme/shop/prod:b0:encryption"}),
        ({"assignees": ("alice",)}, {"acme/shop/prod:b0:encryption"}),
        ({"assignees": ("none",)}, ALL - {"acme/shop/prod:b0:encryption"}),
        ({"kinds": ("audit",)}, {"prod/us-east-1:u1:mfa", "prod/us-east-1:logs:mfa", "staging:u2:mfa"}),
        ({"groups": ("baseline",)}, {n for n in ALL if n.startswith("acme/")}),
        ({"entities": ("acme/shop/dev",)}, {"acme/shop/dev:b0:encryption"}),
        ({"entities": ("acme/*/prod",)}, {n for n in ALL if n.startswith("acme/shop/prod")}),
        ({"accounts": ("prod",)}, {"prod/us-east-1:u1:mfa", "prod/us-east-1:logs:mfa"}),
        ({"accounts": ("staging",)}, {"staging:u2:mfa"}),
        ({"entity_type": "account"}, {n for n in ALL if not n.startswith("acme/")}),
        ({"resource_types": ("aws:iam/*",)}, {"prod/us-east-1:u1:mfa", "staging:u2:mfa"}),
        ({"resource_types": ("aws:sqs/queue:Queue",)}, {"acme/shop/prod:q0:tags"}),
        ({"managed": False}, {"prod/us-east-1:u1:mfa", "staging:u2:mfa"}),
        ({"managed": True}, ALL - {"prod/us-east-1:u1:mfa", "staging:u2:mfa"}),
        (
            {"packs": ("aws",), "severities": ("high",)},
            {"acme/shop/prod:b0:encryption", "acme/shop/dev:b0:encryption"},
        ),
    ],
)
def test_filters(store, seeded, filters, expected):
    assert names(store, **filters) == expected


def test_fixed_issues_only_with_all_or_by_status(store, seeded):
    with store.transaction() as s:
        record_run(s, run("acme/shop/dev", [DEV_BUCKET], [ENC, TAGS], [], at=1))
    fixed = "acme/shop/dev:b0:encryption"
    assert fixed not in names(store)
    assert fixed in names(store, include_fixed=True)
    assert names(store, statuses=("fixed",)) == {fixed}


def test_run_filter_selects_what_one_run_saw(store, seeded):
    with store.transaction() as s:
        later = record_run(
            s, run("acme/shop/prod", [PROD_BUCKET, PROD_QUEUE], [ENC, TAGS], [fail(PROD_QUEUE, TAGS)], at=1)
        )
    assert names(store, run_id=later.run_id) == {"acme/shop/prod:q0:tags"}


def test_sorting(store, seeded):
    with store.read() as s:
        by_severity = [i.severity for i in list_issues(s, sort="severity")]
        assert by_severity == ["critical"] * 3 + ["high"] * 2 + ["low"] * 2
        assert [i.severity for i in list_issues(s, sort="-severity")][0] == "low"
        first = list_issues(s, sort="priority,id")[0]
        assert (first.priority, first.resource_name) == ("p0", "b0")
        entities = [i.entity for i in list_issues(s, sort="-entity,id")]
        assert entities == sorted(entities, reverse=True)
    with pytest.raises(UsageError, match="invalid sort key 'colour'"), store.read() as s:
        list_issues(s, sort="colour")


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"severities": ("huge",)}, "invalid severity 'huge'"),
        ({"statuses": ("closed",)}, "invalid status 'closed'"),
        ({"priorities": ("P1",)}, "invalid priority 'P1'"),
        ({"kinds": ("nightly",)}, "invalid kind 'nightly'"),
    ],
)
def test_bad_filter_values(filters, message):
    with pytest.raises(UsageError, match=message):
        IssueFilter(**filters)


def test_ls_json_and_table_in_process(store, seeded, capsys):
    with pytest.raises(SystemExit) as done:
        main(["issue", "ls", "--pack", "cis", "--sort", "id", "--json"])
    assert done.value.code == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["resourceName"] for d in data] == ["u1", "logs", "u2"]
    assert data[0]["policyGroupName"] == "accounts" and data[0]["managedBy"] is None
    with pytest.raises(SystemExit):
        main(["issue", "ls", "--severity", "low"])
    out = capsys.readouterr().out
    assert out.startswith("ID  STATUS  PRIO  SEVERITY  POLICY")
    assert out.rstrip().endswith("2 issues")
    with pytest.raises(SystemExit) as done:
        main(["issue", "ls", "--severity", "huge"])
    assert done.value.code == 2
    assert (
        capsys.readouterr().err
        == "error: invalid severity 'huge': expected one of critical, high, medium, low, unspecified\n"
    )


def policy_host(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "policy_host", *args],
        cwd=REPO,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_export_csv_and_json_with_filters(store, seeded, tmp_path):
    done = policy_host("issue", "export", "--format", "csv", "--kind", "audit", "--sort", "id")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["entity"], r["resourceName"], r["status"]) for r in rows] == [
        ("prod/us-east-1", "u1", "open"),
        ("prod/us-east-1", "logs", "open"),
        ("staging", "u2", "ignored"),
    ]
    assert rows[2]["justification"] == "break-glass" and rows[0]["severity"] == "critical"

    out = tmp_path / "issues.json"
    done = policy_host("issue", "export", "--format", "json", "--account", "prod", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"Wrote 2 issues to {out}.\n"
    assert {d["resourceName"] for d in json.loads(out.read_text())} == {"u1", "logs"}

    bad = policy_host("issue", "export", "--format", "xml")
    assert (bad.returncode, bad.stderr) == (2, "error: invalid --format 'xml': expected csv or json\n")
