"""Reading stack exports, checkpoints and DIY backends into resources; writing remediated exports."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from policy_host.errors import InputError, UsageError
from policy_host.sources.stack_export import (
    load_diy_stack,
    load_state_file,
    parse_state_document,
    remediated_document,
    strip_internal_keys,
    write_remediated_export,
)
from policy_host.wire.values import SIG_ARCHIVE, SIG_ASSET, SIG_KEY, SIG_SECRET, make_secret

from .conftest import CORPUS, corpus, export_with, res

SECRETS = "pulumi__stack-testdata__checkpoint-secrets.json"
S3 = "tfmigrate__s3bucket-test__test-upsert.checkpoint.json"


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.json")), ids=lambda p: p.name)
def test_every_corpus_state_loads(path):
    state = load_state_file(path)
    raw = json.loads(path.read_text())
    deployment = raw.get("deployment") or raw["checkpoint"]["latest"]
    live = [r for r in deployment.get("resources") or [] if not r.get("delete")]
    assert [r.urn for r in state.outputs] == [r["urn"] for r in live]
    assert [r.urn for r in state.inputs] == [r["urn"] for r in live if not r.get("external")]
    for resource in state.inputs:
        assert resource.type and resource.name


def test_checkpoint_identity_and_provider_resolution():
    state = load_state_file(corpus(S3))
    assert (state.organization, state.project, state.stack) == (
        "organization",
        "s3bucket-test",
        "test-upsert",
    )
    assert (
        state.root_urn
        == "urn:pulumi:test-upsert::s3bucket-test::pulumi:pulumi:Stack::s3bucket-test-test-upsert"
    )
    bucket = state.inputs[2]
    assert bucket.type == "aws:s3/bucket:Bucket" and bucket.name == "test-bucket"
    assert bucket.properties == {"bucket": "test-bucket-upsert-demo"}
    assert bucket.provider.urn == "urn:pulumi:test-upsert::s3bucket-test::pulumi:providers:aws::default"
    assert bucket.provider.type == "pulumi:providers:aws" and bucket.provider.name == "default"
    assert bucket.provider.properties == {"region": "us-west-2"}
    assert bucket.parent == state.root_urn and bucket.options.parent == state.root_urn
    outputs = state.outputs[2]
    assert outputs.properties["arn"] == "arn:aws:s3:::test-bucket-upsert-demo"
    # propertyDependencies with no URNs are omitted, as the engine omits empty entries.
    assert outputs.property_dependencies == {}
    ctx = state.stack_context(dry_run=True)
    assert (ctx.organization, ctx.project, ctx.stack, ctx.dry_run) == (
        "organization",
        "s3bucket-test",
        "test-upsert",
        True,
    )


def test_ciphertext_secrets_become_redacted_and_assets_pass_through():
    state = load_state_file(corpus(SECRETS))
    role = next(r for r in state.inputs if r.name == "countDown_watcher-iamrole")
    assert role.properties["assumeRolePolicy"] == make_secret("[secret]")
    function = next(r for r in state.inputs if r.name == "countDown_watcher")
    code = function.properties["code"]
    assert code[SIG_KEY] == SIG_ARCHIVE
    assert code["assets"]["__index.js"][SIG_KEY] == SIG_ASSET
    assert code["assets"]["__index.js"]["text"].startswith("exports.handler")


def test_old_checkpoint_without_stack_resource_gets_a_root_urn():
    state = load_state_file(corpus(SECRETS))
    assert state.root_urn == "urn:pulumi:foo::countdown::pulumi:pulumi:Stack::countdown-foo"


def test_plaintext_secrets_decode_and_stay_secret():
    state = load_state_file(corpus("eks__encryption-provider_3.0.0_stack.json"))
    secret = next(r for r in state.inputs if r.type == "kubernetes:core/v1:Secret")
    assert secret.properties["data"] == make_secret(
        {"dbPassword": "MnJ9U3hCcHluPz9BPiY9N3U+Q0UwODwoTn19ZjRAc1U="}
    )


def test_options_dependencies_and_property_dependencies():
    state = load_state_file(corpus("eks__cluster_3.0.0_stack.json"))
    raw = json.loads(corpus("eks__cluster_3.0.0_stack.json").read_text())["deployment"]["resources"]
    with_ignore = next(r for r in raw if r.get("ignoreChanges"))
    loaded = next(r for r in state.outputs if r.urn == with_ignore["urn"])
    assert loaded.options.ignore_changes == tuple(with_ignore["ignoreChanges"])
    with_deps = next(r for r in raw if r.get("dependencies") and r.get("propertyDependencies"))
    loaded = next(r for r in state.outputs if r.urn == with_deps["urn"])
    assert loaded.dependencies == tuple(with_deps["dependencies"])
    expected = {k: tuple(v) for k, v in with_deps["propertyDependencies"].items() if v}
    assert loaded.property_dependencies == expected


def test_internal_keys_are_kept_in_inputs_and_stripped_for_analyze():
    state = load_state_file(corpus("tfmigrate__dns-to-db-2026-04-05.pulumi-state.json"))
    with_defaults = [r for r in state.inputs if "__defaults" in r.properties]
    assert with_defaults
    stripped = strip_internal_keys(with_defaults[0].properties)
    assert not any(k.startswith("__") for k in stripped)
    assert strip_internal_keys({"a": {"__meta": 1, "b": [{"__x": 2, "c": 3}]}}) == {"a": {"b": [{"c": 3}]}}


def test_reads_are_not_analyzed_and_pending_deletes_are_skipped():
    state = export_with(
        [
            res("kept"),
            res("read", external=True),
            res("old", delete=True),
        ]
    )
    assert [r.name for r in state.inputs] == ["proj-dev", "kept"]
    assert [r.name for r in state.outputs] == ["proj-dev", "kept", "read"]


def test_resource_references_flatten_to_id_or_urn():
    ref = "5cf8f73096256a8f31e491e813e4eb8e"
    state = export_with(
        [
            res(
                "x",
                inputs={
                    "withId": {SIG_KEY: ref, "urn": "urn:a", "id": "i-123"},
                    "component": {SIG_KEY: ref, "urn": "urn:b"},
                },
            )
        ]
    )
    assert state.inputs[1].properties == {"withId": "i-123", "component": "urn:b"}


# ---------------------------------------------------------------------------------------------
# bad files
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "not a valid JSON file: Expecting value at line 1 column 1"),
        (
            '{"version": 3, "deployment": {}}\n{"x": 1}',
            "not a valid JSON file: Extra data at line 2 column 1",
        ),
        ("[]", "expected a JSON object at the top level"),
        ('{"deployment": {}}', 'missing "version" (expected a "pulumi stack export" file or a checkpoint)'),
        ('{"version": 2, "deployment": {}}', "unsupported deployment version 2 (supported: 3, 4)"),
        ('{"version": "3", "deployment": {}}', 'unsupported deployment version "3" (supported: 3, 4)'),
        ('{"version": 3}', 'missing "deployment" (expected a "pulumi stack export" file or a checkpoint)'),
        ('{"version": 3, "deployment": []}', '"deployment" must be an object'),
        ('{"version": 3, "deployment": {"resources": {}}}', '"resources" must be a list'),
        (
            '{"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:a::b::c:d:E::f"}]}}',
            'resource #0 (urn:pulumi:a::b::c:d:E::f) has no "type"',
        ),
        ('{"version": 3, "deployment": {"resources": [{"type": "x"}]}}', 'resource #0 has no "urn"'),
        ('{"version": 3, "deployment": {"resources": [7]}}', "resource #0 is not an object"),
    ],
)
def test_bad_files_give_one_line_naming_the_file(tmp_path, content, message):
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(InputError) as e:
        load_state_file(path)
    assert str(e.value) == f"{path}: {message}"
    assert "\n" not in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="nope.json: no such file"):
        load_state_file(tmp_path / "nope.json")


def test_version_4_is_accepted():
    state = parse_state_document({"version": 4, "deployment": {"resources": []}}, "v4.json")
    assert state.inputs == [] and state.outputs == []


# ---------------------------------------------------------------------------------------------
# DIY backend
# ---------------------------------------------------------------------------------------------


def test_diy_backend_project_layout(tmp_path, monkeypatch):
    stacks = tmp_path / ".pulumi" / "stacks" / "s3bucket-test"
    stacks.mkdir(parents=True)
    shutil.copy(corpus(S3), stacks / "test-upsert.json")
    monkeypatch.setenv("PULUMI_BACKEND_URL", f"file://{tmp_path}")
    state = load_diy_stack("acme/s3bucket-test/test-upsert")
    assert state.organization == "acme"
    assert state.inputs[2].name == "test-bucket"


def test_diy_backend_legacy_layout_and_gzip(tmp_path):
    stacks = tmp_path / ".pulumi" / "stacks"
    stacks.mkdir(parents=True)
    with gzip.open(stacks / "dev.json.gz", "wt") as f:
        f.write(corpus(S3).read_text())
    state = load_diy_stack("org/proj/dev", backend_url=f"file://{tmp_path}")
    assert len(state.inputs) == 3


def test_diy_backend_defaults_to_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    stacks = tmp_path / ".pulumi" / "stacks" / "p"
    stacks.mkdir(parents=True)
    shutil.copy(corpus(S3), stacks / "s.json")
    assert load_diy_stack("o/p/s").project == "s3bucket-test"


def test_diy_errors(tmp_path):
    with pytest.raises(UsageError, match='--stack must be "org/project/stack", got "proj/stack"'):
        load_diy_stack("proj/stack", backend_url=f"file://{tmp_path}")
    with pytest.raises(UsageError, match="DIY backends only"):
        load_diy_stack("o/p/s", backend_url="https://api.pulumi.com")
    with pytest.raises(InputError, match="stack o/p/s not found in the DIY backend"):
        load_diy_stack("o/p/s", backend_url=f"file://{tmp_path}")


# ---------------------------------------------------------------------------------------------
# remediated export
# ---------------------------------------------------------------------------------------------


def test_remediated_export_replaces_inputs_and_keeps_ciphertext(tmp_path):
    state = load_state_file(corpus(SECRETS))
    role = next(r for r in state.inputs if r.name == "countDown_watcher-iamrole")
    new = dict(role.properties)
    new["tags"] = {"owner": "policy"}
    new["password"] = make_secret("hunter2")
    out = tmp_path / "out.json"
    write_remediated_export(state, {role.urn: new}, str(out))
    written = json.loads(out.read_text())
    raw = next(r for r in written["checkpoint"]["latest"]["resources"] if r["urn"] == role.urn)
    original = next(
        r
        for r in json.loads(corpus(SECRETS).read_text())["checkpoint"]["latest"]["resources"]
        if r["urn"] == role.urn
    )
    assert raw["inputs"]["assumeRolePolicy"] == original["inputs"]["assumeRolePolicy"]  # ciphertext untouched
    assert raw["inputs"]["tags"] == {"owner": "policy"}
    assert raw["inputs"]["password"] == {SIG_KEY: SIG_SECRET, "plaintext": '"hunter2"'}
    assert raw["outputs"] == original["outputs"]
    # The written file is itself a loadable state.
    reloaded = load_state_file(out)
    assert next(r for r in reloaded.inputs if r.urn == role.urn).properties["password"] == make_secret(
        "hunter2"
    )


def test_remediated_document_leaves_other_resources_alone():
    state = load_state_file(corpus(S3))
    document = remediated_document(state, {})
    assert document == json.loads(Path(corpus(S3)).read_text())
    assert document is not state.document
