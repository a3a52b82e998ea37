"""Resolution for an entity in several groups, and ``explain`` showing exactly what the host runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from policy_host.errors import ConfigValidationError
from policy_host.exemptions import Exemption
from policy_host.exemptions import create as create_exemption
from policy_host.groups import (
    EntityRef,
    create_group,
    edit_group,
    explain,
    get_group,
    resolve_account,
    resolve_stack,
)
from policy_host.groups.model import GroupEdit
from policy_host.model import EnforcementLevel
from policy_host.registry import publish_dir
from policy_host.store.models import GroupPack
from tests._storekit import write_pack

LEVELS = {"a": "advisory", "b": "mandatory"}


def _publish(store, tmp_path, name, version, schema_max=None):
    schema = {"limit": {"type": "integer", "default": 1}}
    if schema_max is not None:
        schema["limit"]["maximum"] = schema_max
    policies = [{"name": "a", "schema": schema}, {"name": "b", "level": "mandatory"}]
    with store.transaction() as s:
        publish_dir(s, write_pack(tmp_path / f"{name}{version}", name, version, policies))


def _group(store, name, entity_type="stacks", mode=None, **edit):
    with store.transaction() as s:
        create_group(s, name, entity_type, mode)
        if edit:
            edit_group(s, name, GroupEdit(**edit))


def _pin(store, group, pack, version, config=None):
    with store.transaction() as s:
        edit_group(s, group, GroupEdit(add_packs=[(pack, version, config, "config")]))


@pytest.fixture
def two_groups(store, tmp_path):
    """Stack acme/web/prod in 'platform' (explicit) and 'prod' (pattern + tag); overlapping packs."""
    for name, version in (("base", "1.0.0"), ("base", "2.0.0"), ("extra", "1.0.0")):
        _publish(store, tmp_path, name, version)
    _group(store, "platform", add_stacks=["acme/web/prod"])
    _group(store, "prod", add_stack_patterns=["acme/*/prod"], add_tag_selectors=["env=prod"])
    _pin(store, "platform", "base", "1.0.0", {"all": "mandatory"})
    _pin(store, "prod", "base", "2.0.0", {"a": {"limit": 7}})
    _pin(store, "platform", "extra", "1.0.0", {"a": {"limit": 2}})
    _pin(store, "prod", "extra", "1.0.0", {"a": {"limit": 5}, "b": "disabled"})  # modified later
    return store


def test_newest_version_wins_and_most_recent_config_wins(two_groups):
    r = resolve_stack(two_groups, "acme", "web", "prod", {"env": "prod"}, fetch=False)
    assert [g.name for g in r.groups] == ["default-policy-group", "platform", "prod"]
    base, extra = r.packs
    assert (base.name, base.version, base.group) == ("base", "2.0.0", "prod")
    assert base.config["a"].properties == {"limit": 7}
    assert base.levels == {"a": EnforcementLevel.ADVISORY, "b": EnforcementLevel.MANDATORY}
    assert [(c.group, c.version, why) for c, why in base.overridden] == [
        ("platform", "1.0.0", "older version 1.0.0 < 2.0.0")
    ]
    assert (extra.version, extra.group) == ("1.0.0", "prod")
    assert extra.config["a"].properties == {"limit": 5}
    assert extra.levels == {"a": EnforcementLevel.ADVISORY, "b": EnforcementLevel.DISABLED}
    assert extra.overridden[0][1] == "same version; prod's pin was modified more recently"


def test_editing_the_older_pin_makes_it_win(two_groups):
    _pin(two_groups, "platform", "extra", "1.0.0", {"a": {"limit": 9}})
    r = resolve_stack(two_groups, "acme", "web", "prod", {"env": "prod"}, fetch=False)
    extra = r.pack("extra")
    assert (extra.group, extra.config["a"].properties) == ("platform", {"limit": 9})


def test_equal_times_break_ties_by_group_name(two_groups):
    same = datetime(2030, 1, 1, tzinfo=UTC)
    with two_groups.transaction() as s:
        s.execute(update(GroupPack).where(GroupPack.pack_name == "extra").values(modified_at=same))
    r = resolve_stack(two_groups, "acme", "web", "prod", {"env": "prod"}, fetch=False)
    assert r.pack("extra").group == "platform"
    assert r.pack("extra").overridden[0][1] == "same version and time; platform sorts first"


def test_latest_follows_new_publications(store, tmp_path):
    _publish(store, tmp_path, "floaty", "1.0.0")
    _group(store, "g", add_stacks=["acme/web/prod"])
    _pin(store, "g", "floaty", "latest")
    assert resolve_stack(store, "acme", "web", "prod", fetch=False).pack("floaty").version == "1.0.0"
    _publish(store, tmp_path, "floaty", "1.1.0")
    p = resolve_stack(store, "acme", "web", "prod", fetch=False).pack("floaty")
    assert (p.version, p.spec) == ("1.1.0", "latest")


def test_latest_to_a_version_whose_schema_rejects_the_config(store, tmp_path):
    _publish(store, tmp_path, "strict", "1.0.0")
    _group(store, "g", add_stacks=["acme/web/prod"])
    _pin(store, "g", "strict", "latest", {"a": {"limit": 50}})
    _publish(store, tmp_path, "strict", "2.0.0", schema_max=10)
    with pytest.raises(ConfigValidationError) as info:
        resolve_stack(store, "acme", "web", "prod", fetch=False)
    assert info.value.lines == [
        "validating policy config: strict 2.0.0  a: limit: Must be less than or equal to 10"
    ]
    with store.read() as s:
        x = explain(s, EntityRef("stack", "acme/web/prod"))
    assert x.modes["preventative"].pack("strict").errors == tuple(info.value.lines)


def test_explain_reasons(two_groups):
    with two_groups.read() as s:
        x = explain(s, EntityRef("stack", "acme/web/prod", {"env": "prod"}))
    assert not x.known
    assert {g.name: g.reasons for g in x.groups} == {
        "default-policy-group": (
            "default: not seen yet; joins this default group on first analysis or scan",
        ),
        "platform": ("explicit member",),
        "prod": ("selector stack:acme/*/prod", "selector tag:env=prod"),
    }
    resolve_stack(two_groups, "acme", "web", "prod", {"env": "prod"}, fetch=False)
    with two_groups.read() as s:
        x = explain(s, EntityRef("stack", "acme/web/prod"))  # tags come from the record now
    assert x.known and x.entity.tags == {"env": "prod"}
    assert x.groups[0].reasons == ("default: joined this default group when first seen",)


def test_tag_selector_alone(store, tmp_path):
    _publish(store, tmp_path, "tagged", "1.0.0")
    _group(store, "by-tag", add_tag_selectors=["env=prod,team=web*"])
    _pin(store, "by-tag", "tagged", "1.0.0")
    assert resolve_stack(store, "o", "p", "s", {"env": "prod", "team": "webapp"}, fetch=False).pack("tagged")
    assert (
        resolve_stack(store, "o", "p", "s", {"env": "prod", "team": "data"}, fetch=False).pack("tagged")
        is None
    )


def test_explain_and_resolve_agree(two_groups):
    resolved = resolve_stack(two_groups, "acme", "web", "prod", {"env": "prod"})
    with two_groups.read() as s:
        shown = explain(s, EntityRef("stack", "acme/web/prod")).modes["preventative"]
    strip = lambda r: [(p.name, p.version, p.group, p.config, p.levels) for p in r.packs]  # noqa: E731
    assert strip(resolved) == strip(shown)
    for p in resolved.packs:
        assert (p.directory / "__main__.py").is_file()


def test_first_resolution_joins_default_group(store, tmp_path):
    _publish(store, tmp_path, "everyone", "1.0.0")
    _pin(store, "default-policy-group", "everyone", "1.0.0")
    r = resolve_stack(store, "", "proj", "dev", fetch=False)
    assert r.entity.name == "organization/proj/dev"
    assert [p.name for p in r.packs] == ["everyone"]
    with store.read() as s:
        assert get_group(s, "default-policy-group").stacks == ("organization/proj/dev",)


def test_modes_keep_preventative_and_audit_apart(store, tmp_path):
    _publish(store, tmp_path, "prev", "1.0.0")
    _publish(store, tmp_path, "aud", "1.0.0")
    _group(store, "blocking", add_stack_patterns=["acme/**"])
    _pin(store, "blocking", "prev", "1.0.0")
    _group(store, "scans", "accounts", add_stacks=["acme/web/prod"], add_account_patterns=["prod/*"])
    _pin(store, "scans", "aud", "1.0.0")
    assert [p.name for p in resolve_stack(store, "acme", "web", "prod", fetch=False).packs] == ["prev"]
    audit = resolve_stack(store, "acme", "web", "prod", mode="audit", fetch=False)
    assert [p.name for p in audit.packs] == ["aud"]
    acct = resolve_account(store, "prod/us-west-2", fetch=False)
    assert [g.name for g in acct.groups] == ["default-accounts-policy-group", "scans"]
    assert [p.name for p in acct.packs] == ["aud"]
    assert resolve_account(store, "dev/us-west-2", fetch=False).packs == ()


def test_exemptions_come_with_the_resolution(store):
    now = datetime.now(UTC)
    with store.transaction() as s:
        for ex in (
            Exemption("everywhere", ("p1",), "r", "o"),
            Exemption("prod-only", ("p2",), "r", "o", stack="acme/*/prod"),
            Exemption("dev-only", ("p3",), "r", "o", stack="acme/*/dev"),
            Exemption("accounts", ("p4",), "r", "o", account="prod/*"),
            Exemption("old", ("p5",), "r", "o", expires_at=now - timedelta(days=1)),
        ):
            create_exemption(s, ex, allow_expired=True)
    r = resolve_stack(store, "acme", "web", "prod", fetch=False)
    assert [e.id for e in r.exemptions] == ["everywhere", "prod-only"]
    assert [e.id for e in r.expired_exemptions] == ["old"]
    assert r.exemption_for("urn:pulumi:prod::web::aws:s3/bucket:Bucket::b", "p2", "any").id == "prod-only"
    assert r.exemption_for("urn:pulumi:prod::web::aws:s3/bucket:Bucket::b", "p5", "any") is None
    assert [e.id for e in resolve_account(store, "prod/eu", fetch=False).exemptions] == [
        "accounts",
        "everywhere",
    ]
