"""How evaluation-core results become audit results (``policy_host.audit.judge``): configured levels kept
(remediate included), proposed fixes recorded and never applied, a fix without a violation, a policy
that raises, decided not-applicable (static ones implied), exemptions, stack policies, disabled policies."""

from __future__ import annotations

from dataclasses import dataclass

from policy_host.audit.canonical import seal_secrets, wire_numbers
from policy_host.audit.judge import PackRun, Subject, judge
from policy_host.evaluate import prepare
from policy_host.model import (
    EnforcementLevel,
    EvaluatedResource,
    Outcome,
    PolicyConfigEntry,
    PolicyType,
    Resource,
)
from policy_host.packs.loader import load_pack
from policy_host.wire.values import make_secret

from .conftest import PACKS

M, A, R = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY, EnforcementLevel.REMEDIATE


def subject(name: str, type_: str = "test:index:Thing", **props) -> Subject:
    res = Resource(
        type=type_, urn=f"urn:insights:default/acct::test::{type_}::{name}", name=name, properties=props
    )
    return Subject(res, res, EvaluatedResource(res.urn, res.type, res.name, cloud_id=name, version="1"))


@dataclass
class Exempt:
    id: str
    reason: str


def test_results_levels_fixes_errors_and_exemptions():
    pack = prepare(load_pack(PACKS / "audit-unit"))
    pack.configure(
        {
            "owner-tag": PolicyConfigEntry(enforcement_level=R),
            "label": PolicyConfigEntry(enforcement_level=R),
            "off": PolicyConfigEntry(enforcement_level=EnforcementLevel.DISABLED),
        }
    )
    t1 = subject("t1", tags={"owner": "a"}, size=5.0, label="audited")
    t2 = subject("t2", size=20.0, label="audited", token=make_secret("tok"))
    t3 = subject("t3", tags={"owner": "b"}, skip=True, size=50.0)
    bomb = subject("b1", "test:index:Boom", label="audited")
    lookup = lambda res, policy, pack_name: (  # noqa: E731
        Exempt("ex-1", "big on purpose")
        if policy == "size-limit" and getattr(res, "name", None) == "t2"
        else None
    )
    policies, results = judge([PackRun(pack, "grp")], [t1, t2, t3, bomb], lookup)

    assert [(p.policy_name, p.policy_type, p.level, p.group) for p in policies] == [
        ("owner-tag", PolicyType.RESOURCE, R, "grp"),
        ("label", PolicyType.RESOURCE, R, "grp"),
        ("no-boom", PolicyType.RESOURCE, A, "grp"),
        ("size-limit", PolicyType.RESOURCE, M, "grp"),
        ("thing-count", PolicyType.STACK, A, "grp"),
    ]  # "off" is disabled: not enabled, never run
    got = {
        (r.resource_urn.rsplit("::", 1)[-1], r.policy_name, r.outcome, r.level, r.exemption_id)
        for r in results
    }
    assert got == {
        # t2: no owner tag (remediate level kept), too big (mandatory, exempted)
        ("t2", "owner-tag", Outcome.FAIL, R, None),
        ("t2", "size-limit", Outcome.FAIL, M, "ex-1"),
        # t3: the policy decided it does not apply; the label fix is proposed without any violation
        ("t3", "size-limit", Outcome.NOT_APPLICABLE, M, None),
        ("t3", "label", Outcome.FAIL, R, None),
        # the bomb: the policy raised (an error, failing closed), and it has no owner tag
        ("b1", "no-boom", Outcome.ERROR, A, None),
        ("b1", "owner-tag", Outcome.FAIL, R, None),
        # the stack policy: attributed to the last thing, and once for the stack as a whole
        ("t3", "thing-count", Outcome.FAIL, A, None),
        ("", "thing-count", Outcome.FAIL, A, None),
    }
    by = {(r.resource_urn.rsplit("::", 1)[-1], r.policy_name): r for r in results}
    owner = by[("t2", "owner-tag")]
    assert owner.message == "Things need an owner tag.\nno owner tag"
    # the proposal is the complete new inputs; secrets stay sealed in both sides; nothing was applied
    assert owner.proposed_before == seal_secrets(t2.analyze.properties)
    assert owner.proposed_after == {**seal_secrets(t2.analyze.properties), "tags": {"owner": "platform"}}
    assert t2.analyze.properties["token"] == make_secret("tok")
    assert by[("t2", "size-limit")].message == "Size at most 10.\nsize 20.0 is over 10"
    assert by[("t2", "size-limit")].exemption_reason == "big on purpose"
    assert by[("t3", "size-limit")].message == "skipped on purpose"
    label = by[("t3", "label")]
    assert label.message == "Things carry the audited label.\nremediation proposes a change (not applied)"
    assert label.proposed_after["label"] == "audited" and "label" not in label.proposed_before
    assert by[("b1", "no-boom")].message == (
        "Nothing explodes.\npolicy 'no-boom' from policy pack 'audit-unit@v2.0.0' raised RuntimeError: kaboom"
    )
    assert by[("t3", "thing-count")].message == "At most two things.\n3 things; at most 2"


def test_wire_numbers_and_sealing():
    assert wire_numbers({"a": 1, "b": [2, True, 2.5, {"c": 3}], "d": "4"}) == {
        "a": 1.0,
        "b": [2.0, True, 2.5, {"c": 3.0}],
        "d": "4",
    }
    sealed = seal_secrets({"x": [make_secret({"k": "v"})], "y": 1})
    assert sealed == {"x": [make_secret("[secret]")], "y": 1}
