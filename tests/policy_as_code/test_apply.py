"""Policy as code: the file format, the difference shown, idempotent apply, export round trip."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from policy_host.errors import ConfigValidationError, InputError, StoreError
from policy_host.exemptions import list_exemptions
from policy_host.groups import EntityRef, ensure_entity, get_group, list_groups
from policy_host.policy_as_code import dump_document, execute, export_document, load_document, make_plan
from policy_host.registry import publish_dir
from tests._storekit import write_pack

POLICY = """\
apiVersion: policy-host/v1
groups:
  - name: default-preventative-policy-group
    packs:
      - name: base
        version: latest
  - name: prod
    entityType: stacks
    stacks: [acme/web/prod]
    selectors:
      stacks: ["acme/*/prod"]
      tags: ["env=prod"]
    packs:
      - name: base
        version: 1.0.0
        config: {all: mandatory, check: {max: 5}}
  - name: cloud
    entityType: accounts
    accounts: [prod/us-west-2]
    selectors: {accounts: ["prod/*"]}
exemptions:
  - id: legacy-bucket
    policies: [check]
    urn: "urn:pulumi:prod::web::aws:s3/bucket:Bucket::legacy*"
    stack: acme/web/*
    tags: {owner: web}
    reason: migrating off it
    owner: web-team
    expires: 2099-12-31
"""


@pytest.fixture
def published(store, tmp_path):
    with store.transaction() as s:
        publish_dir(s, write_pack(tmp_path, "base", "1.0.0"))
    return store


def _apply(store, path, prune=False):
    doc = load_document(path)
    with store.transaction() as s:
        plan = make_plan(s, doc, prune=prune)
        execute(s, plan)
    return plan


def _file(tmp_path, text, name="policy.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_apply_shows_the_difference_then_is_idempotent(published, tmp_path):
    path = _file(tmp_path, POLICY)
    plan = _apply(published, path)
    assert plan.render() == textwrap.dedent(
        """\
        ~ group default-policy-group
            + pack base@latest
        + group prod (stacks, preventative)
            + stack acme/web/prod
            + stack pattern acme/*/prod
            + tag selector env=prod
            + pack base@1.0.0
        + group cloud (accounts, audit)
            + account prod/us-west-2
            + account pattern prod/*
        + exemption legacy-bucket
            policies check"""
    )
    with published.read() as s:
        prod = get_group(s, "prod")
        assert prod.packs[0].config == {"all": {"enforcementLevel": "mandatory"}, "check": {"max": 5}}
        first_modified = prod.packs[0].modified_at
        (ex,) = list_exemptions(s)
        assert ex.resource_tags == {"owner": "web"} and ex.expires_at.year == 2100
    again = _apply(published, path)
    assert again.empty and again.render() == "No changes."
    with published.read() as s:
        prod = get_group(s, "prod")
        assert prod.packs[0].modified_at == first_modified and prod.revision == 1


def test_export_round_trips(published, tmp_path):
    _apply(published, _file(tmp_path, POLICY))
    with published.transaction() as s:
        ensure_entity(s, EntityRef("stack", "acme/api/dev"))  # joins the default group: not configuration
        text = dump_document(export_document(s))
    data = yaml.safe_load(text)
    default = next(g for g in data["groups"] if g["name"] == "default-policy-group")
    assert "stacks" not in default
    exported = _file(tmp_path, text, "exported.yaml")
    with published.read() as s:
        assert make_plan(s, load_document(exported)).empty
    # JSON export is the same document.
    with published.read() as s:
        json_text = dump_document(export_document(s), "json")
    assert yaml.safe_load(json_text) == data


def test_changes_and_prune(published, tmp_path):
    _apply(published, _file(tmp_path, POLICY))
    changed = POLICY.replace("config: {all: mandatory, check: {max: 5}}", "config: {check: {max: 6}}")
    changed = changed.replace('tags: ["env=prod"]', 'tags: ["env=production"]')
    changed = changed[: changed.index("  - name: cloud")] + changed[changed.index("exemptions:") :]
    changed = changed.replace("reason: migrating off it", "reason: still migrating")
    path = _file(tmp_path, changed, "v2.yaml")
    with published.read() as s:
        keep = make_plan(s, load_document(path))
    assert "- group cloud" not in keep.render()
    plan = _apply(published, path, prune=True)
    assert plan.render() == textwrap.dedent(
        """\
        - group cloud
        ~ group prod
            - tag selector env=prod
            + tag selector env=production
            ~ pack base: config changed
        ~ exemption legacy-bucket
            ~ reason: 'migrating off it' -> 'still migrating'"""
    )
    with published.read() as s:
        assert [g.name for g in list_groups(s)] == [
            "default-accounts-policy-group",
            "default-policy-group",
            "prod",
        ]


def test_refusals_change_nothing(published, tmp_path):
    _apply(published, _file(tmp_path, POLICY))
    bad_config = POLICY.replace("check: {max: 5}", "check: {max: five}")
    with pytest.raises(ConfigValidationError, match="base 1.0.0  check: max: Invalid type"):
        _apply(published, _file(tmp_path, bad_config + "\n", "bad.yaml"))
    retype = POLICY.replace(
        "entityType: stacks\n    stacks", "entityType: stacks\n    mode: audit\n    stacks"
    )
    with pytest.raises(StoreError, match="group prod: mode cannot change"):
        _apply(published, _file(tmp_path, retype, "retype.yaml"))
    missing = POLICY.replace("version: 1.0.0", "version: 3.0.0")
    with pytest.raises(StoreError, match="policy pack base has no version 3.0.0"):
        _apply(published, _file(tmp_path, missing, "missing.yaml"))
    with published.read() as s:
        assert get_group(s, "prod").packs[0].config["check"] == {"max": 5}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "groups: [{name: x, entityType: stack}]",
            "p.yaml: groups[0].entityType: expected stacks or accounts",
        ),
        ("groups: [{name: x, stackz: []}]", "p.yaml: groups[0]: unknown key 'stackz'"),
        (
            "groups: [{name: x, selectors: {stacks: ['acme/*']}}]",
            "p.yaml: groups[0].selectors.stacks[0]: invalid stack pattern 'acme/*'",
        ),
        ("groups: [{name: x, stacks: [web/prod]}]", "p.yaml: groups[0].stacks[0]: invalid stack name"),
        ("groups: [{name: x}, {name: x}]", "group 'x' is listed twice"),
        (
            "exemptions: [{id: e, policies: [p], owner: o}]",
            "p.yaml: exemptions[0]: exemption e: a reason is required",
        ),
        ("exemptions: [{id: e, policies: [p], reason: r, owner: o, expires: soon}]", "exemptions[0].expires"),
        ("apiVersion: v9", "unsupported 'v9'"),
        ("groups: [\n  {name: x", "p.yaml: invalid YAML at line"),
    ],
)
def test_file_errors_name_file_and_place(tmp_path, text, message):
    with pytest.raises(InputError) as info:
        load_document(_file(tmp_path, text, "p.yaml"))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_new_group_needs_an_entity_type(published, tmp_path):
    with pytest.raises(StoreError, match="group x: entityType is required"):
        _apply(published, _file(tmp_path, "groups: [{name: x}]"))
