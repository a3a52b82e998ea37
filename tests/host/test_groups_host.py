"""The host serves exactly what a stack's policy groups resolve to, launched by the engine driver.

A stack sits in two preventative groups with overlapping packs: the newest version of a pack wins, each
group's config applies to its packs, an exemption downgrades one violation, and the packs the host
serves are those `policy-host group explain` shows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from policy_host.analyzer.entry import write_executable, write_wrapper
from policy_host.engine import PackSpec, RunOptions, run
from policy_host.model import StackContext
from policy_host.testing import resource

STACK = StackContext(organization="acme", project="web", stack="dev", tags={"env": "dev"})


def write_pack(root: Path, name: str, version: str, body: str) -> Path:
    d = root / f"{name}-{version}"
    d.mkdir(parents=True)
    (d / "PulumiPolicy.yaml").write_text(f"runtime: python\nversion: {version}\n")
    (d / "__main__.py").write_text(textwrap.dedent(body))
    return d


TAGS_V1 = """
    from pulumi_policy import PolicyPack, ResourceValidationPolicy

    def owner(args, report_violation):
        if "owner" not in (args.props.get("tags") or {}):
            report_violation("v1: no owner tag")

    PolicyPack("tags", [ResourceValidationPolicy("needs-owner", "Resources need an owner tag.", owner)])
"""
TAGS_V2 = """
    from pulumi_policy import PolicyPack, ResourceValidationPolicy

    def owner(args, report_violation):
        if "owner" not in (args.props.get("tags") or {}):
            report_violation("v2: no owner tag")

    PolicyPack("tags", [ResourceValidationPolicy("needs-owner", "Resources need an owner tag.", owner)])
"""
S3 = """
    from pulumi_policy import PolicyConfigSchema, PolicyPack, ResourceValidationPolicy

    def public(args, report_violation):
        if args.resource_type == "aws:s3/bucket:Bucket" and args.props.get("acl") in args.get_config()["denied"]:
            report_violation(f"acl {args.props['acl']}")

    def needs_owner(args, report_violation):
        pass  # same name as a policy of the tags pack: exposed as s3:needs-owner

    PolicyPack("s3", [
        ResourceValidationPolicy("no-public-acl", "Buckets must not be public.", public,
            config_schema=PolicyConfigSchema(properties={"denied": {"type": "array", "default": ["public-read"]}})),
        ResourceValidationPolicy("needs-owner", "Never fires.", needs_owner),
    ])
"""


@pytest.fixture
def groups_store(tmp_path, monkeypatch):
    """A SQLite store with tags@1.0.0, tags@2.0.0, s3@1.0.0 published and two groups holding dev."""
    monkeypatch.setenv("POLICY_HOST_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("POLICY_HOST_DB", f"sqlite:///{tmp_path / 'store.db'}")
    packs = tmp_path / "src"
    for name, version, body in [("tags", "1.0.0", TAGS_V1), ("tags", "2.0.0", TAGS_V2), ("s3", "1.0.0", S3)]:
        cli("pack", "publish", str(write_pack(packs, name, version, body)))
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        textwrap.dedent(
            """
            apiVersion: policy-host/v1
            groups:
              - name: web-team
                entityType: stacks
                stacks: [acme/web/dev]
                packs:
                  - {name: tags, version: 1.0.0}
                  - name: s3
                    version: 1.0.0
                    config: {no-public-acl: {enforcementLevel: mandatory, denied: [public-read, public-read-write]}}
              - name: all-web
                entityType: stacks
                selectors: {stacks: ["acme/web/*"]}
                packs:
                  - {name: tags, version: 2.0.0, config: {all: mandatory}}
            exemptions:
              - id: legacy-logs
                policies: ["s3:no-public-acl"]
                urn: "urn:pulumi:dev::web::aws:s3/bucket:Bucket::legacy-*"
                reason: public log archive, approved by security
                owner: web-team
            """
        )
    )
    cli("apply", "-f", str(policy))
    return tmp_path


def cli(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "policy_host", *args], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"policy-host {' '.join(args)}: {result.stderr}"
    return result.stdout


BUCKETS = [
    resource(
        "aws:s3/bucket:Bucket",
        {"acl": "public-read-write", "tags": {"owner": "a"}},
        name="site",
        urn="urn:pulumi:dev::web::aws:s3/bucket:Bucket::site",
    ),
    resource(
        "aws:s3/bucket:Bucket",
        {"acl": "public-read"},
        name="legacy-logs",
        urn="urn:pulumi:dev::web::aws:s3/bucket:Bucket::legacy-logs",
    ),
]


def check_run(result) -> None:
    assert result.errors == []
    got = sorted(
        (
            v.diagnostic.pack_name,
            v.diagnostic.pack_version,
            v.diagnostic.policy_name,
            v.diagnostic.urn,
            v.diagnostic.level.value,
        )
        for v in result.violations
    )
    assert got == [
        (
            "s3",
            "1.0.0",
            "no-public-acl",
            "urn:pulumi:dev::web::aws:s3/bucket:Bucket::legacy-logs",
            "advisory",
        ),  # exempted
        ("s3", "1.0.0", "no-public-acl", "urn:pulumi:dev::web::aws:s3/bucket:Bucket::site", "mandatory"),
        (
            "tags",
            "2.0.0",
            "needs-owner",
            "urn:pulumi:dev::web::aws:s3/bucket:Bucket::legacy-logs",
            "mandatory",
        ),
    ]
    exempted = [
        v.diagnostic
        for v in result.violations
        if v.diagnostic.urn.endswith("legacy-logs") and v.diagnostic.pack_name == "s3"
    ]
    assert exempted[0].message.endswith("[exempted legacy-logs: public log archive, approved by security]")
    assert result.bail == "step generator errored"  # the unexempted mandatory violations still block
    (info,) = [p.info for p in result.packs]
    names = sorted(p.name for p in info.policies)
    assert names == ["no-public-acl", "s3:needs-owner", "tags:needs-owner"]


def test_language_host_mode_serves_the_resolved_groups(groups_store):
    wrapper = write_wrapper(groups_store / "wrapper", [], from_store=True)
    result = run([PackSpec(str(wrapper))], BUCKETS, BUCKETS, RunOptions(stack=STACK))
    check_run(result)


def test_a_preview_is_recorded_as_preventative_issues(groups_store):
    wrapper = write_wrapper(groups_store / "wrapper", [], from_store=True)
    check_run(run([PackSpec(str(wrapper))], BUCKETS, BUCKETS, RunOptions(stack=STACK)))
    issues = json.loads(cli("issue", "ls", "--entity", "acme/web/dev", "--all", "--json"))
    rows = issues if isinstance(issues, list) else issues["issues"]
    got = sorted(
        (i["kind"], i["status"], i["policyPack"], i["policyName"], i["resourceName"], i["policyGroupName"])
        for i in rows
    )
    assert got == [
        ("preventative", "exempted", "s3", "no-public-acl", "legacy-logs", "web-team"),
        ("preventative", "open", "s3", "no-public-acl", "site", "web-team"),
        ("preventative", "open", "tags", "needs-owner", "legacy-logs", "all-web"),
    ]


def test_executable_mode_resolves_at_configure_stack(groups_store):
    exe = write_executable(groups_store / "bin" / "analyzer", [], from_store=True)
    result = run([PackSpec(str(exe))], BUCKETS, BUCKETS, RunOptions(stack=STACK))
    check_run(result)


def test_explain_shows_what_the_host_ran(groups_store):
    explained = json.loads(cli("group", "explain", "acme/web/dev", "--json"))
    preventative = explained["modes"]["preventative"]
    assert sorted(preventative["groups"]) == ["all-web", "default-policy-group", "web-team"]
    assert sorted((p["name"], p["version"]) for p in preventative["packs"]) == [
        ("s3", "1.0.0"),
        ("tags", "2.0.0"),
    ]
    wrapper = write_wrapper(groups_store / "wrapper", [], from_store=True)
    result = run([PackSpec(str(wrapper))], BUCKETS, BUCKETS, RunOptions(stack=STACK))
    served = sorted({(v.diagnostic.pack_name, v.diagnostic.pack_version) for v in result.violations})
    assert served == sorted((p["name"], p["version"]) for p in preventative["packs"])


def test_a_new_stack_joins_the_default_group_and_gets_no_packs(groups_store):
    wrapper = write_wrapper(groups_store / "wrapper", [], from_store=True)
    other = StackContext(organization="acme", project="api", stack="prod")
    result = run([PackSpec(str(wrapper))], BUCKETS, BUCKETS, RunOptions(stack=other))
    assert result.errors == [] and result.violations == []
    groups = json.loads(cli("group", "get", "default-policy-group", "--json"))
    assert "acme/api/prod" in json.dumps(groups)
