"""Stacks read by a ``pulumi`` account are audited on their latest state when they are in an audit group:
the verdicts equal preventative analysis of the same state (the same core, the same inputs and outputs),
and a scan evaluates a stack again only when its state changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_host.audit.scan import scan
from policy_host.model import Outcome
from policy_host.store import Store
from policy_host.testing import PackRunner

from . import _exports as ex
from .conftest import AWS_BASELINE, cli

STACK = "organization/shop/prod"


def state(path: Path, *, versioned: bool) -> Path:
    open_ssh = [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]
    return ex.write(
        path,
        ex.export(
            [
                ex.bucket("site-bucket", versioning={"enabled": versioned}),
                ex.security_group("bastion", "sg-0abc", open_ssh),
            ]
        ),
    )


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_audited_stack_matches_preventative_and_is_evaluated_on_change(store: Store, tmp_path: Path):
    export = state(tmp_path / "prod.json", versioned=False)
    cli("pack", "publish", str(AWS_BASELINE), check=True)
    cli("group", "new", "stack-audit", "--entity-type", "accounts", check=True)
    cli(
        "group",
        "edit",
        "stack-audit",
        "--add-stack",
        STACK,
        "--add-policy-pack",
        "aws-baseline@latest",
        check=True,
    )
    cli("account", "add", "stacks", "--provider", "pulumi", "--export", str(export), check=True)

    first = scan(store, "stacks")
    assert [(e.entity_type, e.entity, e.errors) for e in first.evaluations] == [("stack", STACK, [])]
    run = first.evaluations[0].run

    runner = PackRunner.load(AWS_BASELINE)
    preventative = runner.run_export(export)
    want = {
        (urn, d.policy_name, d.message)
        for urn, verdict in preventative.items()
        for d in verdict.violations
        if urn != "stack"
    } | {(d.urn, d.policy_name, d.message) for d in preventative["stack"].violations}
    got = {(r.resource_urn, r.policy_name, r.message) for r in run.results if r.outcome is Outcome.FAIL}
    assert got == want
    # and the failures are the ones the state deserves: no versioning, no encryption, no public access
    # block for the bucket; SSH open to the world on the bastion group
    assert {(urn.rsplit("::", 1)[-1], policy) for urn, policy, _ in got} == {
        ("site-bucket", "s3-bucket-versioning"),
        ("site-bucket", "s3-bucket-default-encryption"),
        ("site-bucket", "s3-bucket-public-access-block-present"),
        ("bastion", "ec2-security-group-no-public-admin-ports"),
    }
    assert {r.managed_by for r in run.resources} == {STACK}

    # the same state again: nothing to evaluate
    assert scan(store, "stacks").evaluations == []
    # new state: evaluated again, the versioning failure is gone
    state(export, versioned=True)
    third = scan(store, "stacks")
    assert [e.entity for e in third.evaluations] == [STACK]
    assert ("site-bucket", "s3-bucket-versioning") not in {
        (r.resource_urn.rsplit("::", 1)[-1], r.policy_name) for r in third.evaluations[0].run.results
    }
    # a stack in no audit group is read and listed, but audit has nothing to say about it
    cli("group", "edit", "stack-audit", "--remove-stack", STACK, check=True)
    state(export, versioned=False)
    assert scan(store, "stacks").evaluations == []
