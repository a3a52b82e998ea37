"""The pack, group, exemption, apply and export commands, end to end (subprocesses) and in process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy_host.cli.main import cli
from tests._storekit import write_pack

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    """``policy-host ARGS`` in a subprocess, with the test's POLICY_HOST_* environment."""
    return subprocess.run(
        [sys.executable, "-m", "policy_host", *args],
        cwd=REPO,
        env=dict(os.environ),
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


def invoke(*args: str, input: str | None = None):
    """In process, through click (fast); the same error handling as main() is not applied here."""
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_end_to_end_publish_group_explain(store, tmp_path):
    pack = write_pack(
        tmp_path, "guard", "1.0.0", [{"name": "size", "schema": {"max": {"type": "integer", "maximum": 9}}}]
    )
    first = run("pack", "publish", str(pack))
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Published guard@1.0.0 (1 policies")

    again = run("pack", "publish", str(pack))
    assert again.returncode == 1
    assert again.stderr == (
        "error: policy pack guard@1.0.0 has already been published; "
        "set a new version in PulumiPolicy.yaml and publish again\n"
    )

    assert run("group", "new", "prod", "--entity-type", "stacks").returncode == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"size": {"max": 99}}')
    refused = run("group", "edit", "prod", "--add-policy-pack", "guard@1.0.0", "--config", str(bad))
    assert refused.returncode == 1
    assert refused.stderr == (
        "error: validating policy config: guard 1.0.0  size: max: Must be less than or equal to 9\n"
    )
    good = tmp_path / "good.json"
    good.write_text('{"all": "mandatory", "size": {"max": 4}}')
    edited = run(
        "group", "edit", "prod",
        "--add-stack-pattern", "acme/*/prod",
        "--add-policy-pack", "guard@latest", "--config", str(good),
    )  # fmt: skip
    assert edited.returncode == 0, edited.stderr

    shown = run("group", "explain", "acme/web/prod", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert [g["name"] for g in data["groups"]] == ["default-policy-group", "prod"]
    (p,) = data["modes"]["preventative"]["packs"]
    assert (p["name"], p["version"], p["pinned"], p["group"]) == ("guard", "1.0.0", "latest", "prod")
    assert p["levels"] == {"size": "mandatory"}
    assert p["resolvedConfig"]["size"] == {"enforcementLevel": "mandatory", "max": 4}

    text = run("group", "explain", "acme/web/prod").stdout
    assert "guard@1.0.0 (pinned latest) from group prod" in text
    assert 'size: mandatory  {"max": 4}' in text


def test_refusals_exit_non_zero_with_one_line(store, tmp_path):
    delete_default = run("group", "rm", "default-audit-policy-group", "-y")
    assert (delete_default.returncode, delete_default.stderr) == (
        1,
        "error: default policy group default-accounts-policy-group cannot be deleted\n",
    )
    assert run("group", "new", "g", "--entity-type", "stacks").returncode == 0
    bad_pattern = run("group", "edit", "g", "--add-stack-pattern", "acme/[web/prod")
    assert bad_pattern.returncode == 1
    assert bad_pattern.stderr == "error: invalid stack pattern 'acme/[web/prod': '[' without a closing ']'\n"
    assert json.loads(run("group", "get", "g", "--json").stdout)["selectors"]["stacks"] == []


def test_pack_commands(store, tmp_path):
    for v in ("1.0.0", "1.1.0"):
        assert invoke("pack", "publish", str(write_pack(tmp_path, "p", v))).exit_code == 0
    ls = invoke("pack", "ls")
    assert ls.output.splitlines() == ["NAME  LATEST  VERSIONS", "p     1.1.0   1.0.0, 1.1.0"]
    got = json.loads(invoke("pack", "get", "p@1.0.0", "--json").output)
    assert (got["name"], got["version"], got["versions"], got["enabledIn"]) == (
        "p",
        "1.0.0",
        ["1.0.0", "1.1.0"],
        [],
    )
    assert got["policies"][0]["configSchema"]["properties"] == {"max": {"type": "integer", "default": 3}}

    cfg = tmp_path / "c.json"
    cfg.write_text('{"check": {"max": "big"}}')
    res = CliRunner().invoke(cli, ["pack", "validate-config", "p", "1.0.0", "--config", str(cfg)])
    assert res.exit_code != 0
    assert res.exception.lines == [
        "validating policy config: p 1.0.0  check: max: Invalid type. Expected: integer, given: string"
    ]
    cfg.write_text('{"check": {"max": 4}}')
    assert invoke("pack", "validate-config", "p", "1.0.0", "--config", str(cfg)).output == (
        "Policy Pack configuration is valid.\n"
    )

    assert invoke("pack", "rm", "p", "1.0.0", input="n\n").exit_code == 1  # declined: aborted
    assert invoke("pack", "rm", "p", "1.0.0", input="y\n").output.endswith("Removed p version(s) 1.0.0.\n")
    assert invoke("pack", "rm", "p", "all", "-y").output == "Removed p version(s) 1.1.0.\n"
    assert invoke("pack", "ls").output == "No policy packs published.\n"


def test_group_commands(store, tmp_path):
    invoke("pack", "publish", str(write_pack(tmp_path, "p", "1.0.0")))
    assert invoke("group", "new", "acc", "--entity-type", "accounts").output == (
        "Created policy group acc (accounts, audit).\n"
    )
    out = invoke(
        "group", "edit", "acc", "--name", "accounts-prod",
        "--add-account", "prod/us-west-2", "--add-account-pattern", "prod/*",
        "--add-stack", "acme/web/prod", "--add-tag-selector", "env=prod",
        "--add-policy-pack", "p@1.0.0",
    ).output  # fmt: skip
    assert out == "Updated policy group accounts-prod (revision 1).\n"
    g = json.loads(invoke("group", "get", "accounts-prod", "--json").output)
    assert g["accounts"] == [{"name": "prod/us-west-2", "source": "explicit"}]
    assert g["selectors"] == {"stacks": [], "accounts": ["prod/*"], "tags": ["env=prod"]}
    assert [(p["name"], p["version"], p["config"]) for p in g["packs"]] == [("p", "1.0.0", {})]
    listing = invoke("group", "ls").output.splitlines()
    assert listing[0].split() == ["NAME", "ENTITIES", "MODE", "STACKS", "ACCOUNTS", "SELECTORS", "PACKS"]
    assert listing[-1].split() == ["accounts-prod", "accounts", "audit", "1", "1", "2", "1"]
    assert "default-policy-group (default)" in listing[2]

    explained = json.loads(invoke("group", "explain", "--account", "prod/eu-west-1", "--json").output)
    assert [g["name"] for g in explained["groups"]] == ["accounts-prod", "default-accounts-policy-group"]
    assert list(explained["modes"]) == ["audit"]

    with pytest.raises(Exception, match="expected org/project/stack"):
        invoke("group", "explain", "web/prod")
    with pytest.raises(Exception, match="number of --config flags"):
        invoke(
            "group", "edit", "accounts-prod", "--add-policy-pack", "p@1.0.0", "--config", "a", "--config", "b"
        )

    assert invoke("group", "edit", "accounts-prod", "--remove-policy-pack", "p").exit_code == 0
    assert invoke("group", "rm", "accounts-prod", "-y").output == "Deleted policy group accounts-prod.\n"


def test_exemption_commands(store):
    out = invoke(
        "exemption", "new", "--policy", "check", "--policy", "other:*", "--urn", "urn:pulumi:*",
        "--stack", "acme/*/prod", "--tag", "team=web", "--reason", "legacy", "--owner", "ops",
        "--expires", "2099-01-31", "--id", "legacy",
    ).output  # fmt: skip
    assert out == "Created exemption legacy.\n"
    generated = invoke("exemption", "new", "--policy", "x", "--reason", "r", "--owner", "o").output
    assert generated.startswith("Created exemption ex-")
    items = json.loads(invoke("exemption", "ls", "--json").output)
    legacy = next(i for i in items if i["id"] == "legacy")
    assert legacy["policies"] == ["check", "other:*"] and legacy["tags"] == {"team": "web"}
    assert (legacy["expires"], legacy["status"]) == ("2099-02-01T00:00:00Z", "active")
    assert invoke("exemption", "ls", "--expired").output == "No exemptions.\n"
    assert invoke("exemption", "rm", "legacy").output == "Removed exemption legacy.\n"
    with pytest.raises(Exception, match="exemption legacy does not exist"):
        invoke("exemption", "rm", "legacy")


def test_apply_and_export_commands(store, tmp_path):
    run_publish = invoke("pack", "publish", str(write_pack(tmp_path, "p", "1.0.0")))
    assert run_publish.exit_code == 0
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "groups:\n  - name: web\n    entityType: stacks\n    packs: [{name: p, version: 1.0.0}]\n"
    )
    dry = run("apply", "-f", str(policy), "--dry-run")
    assert dry.stdout == "+ group web (stacks, preventative)\n    + pack p@1.0.0\n"
    assert json.loads(invoke("group", "ls", "--json").output)[-1]["name"] != "web"
    applied = run("apply", "-f", str(policy))
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.endswith("Applied 1 change(s).\n")
    assert run("apply", "-f", str(policy)).stdout == "No changes.\n"
    out = tmp_path / "exported.yaml"
    exported = run("export", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "name: web" in out.read_text()
    assert run("apply", "-f", str(out)).stdout == "No changes.\n"
    broken = tmp_path / "broken.yaml"
    broken.write_text("groups: [{name: web, mode: loud}]\n")
    res = run("apply", "-f", str(broken))
    assert (res.returncode, res.stderr) == (
        1,
        f"error: {broken}: groups[0].mode: expected preventative or audit, got 'loud'\n",
    )
