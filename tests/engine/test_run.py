"""The engine's sequence and rules, driven against packs served by pulumi_policy itself."""

from __future__ import annotations

import json

import pytest

from policy_host.engine import PackSpec
from policy_host.model import EnforcementLevel, PolicyConfigEntry, Severity
from policy_host.sources.stack_export import load_state_file
from policy_host.wire.values import UNKNOWN_STRING

from .conftest import analyze, corpus, export_with, messages, pack, res

M = EnforcementLevel.MANDATORY
A = EnforcementLevel.ADVISORY
BUCKET = "aws:s3/bucket:Bucket"


def by_policy(result, policy):
    return [v for v in result.violations if v.diagnostic.policy_name == policy]


def summary(result, pack_name, phase, urn):
    (found,) = [s for s in result.summaries if s.pack_name == pack_name and s.phase == phase and s.urn == urn]
    return found.passed, found.failed


# ---------------------------------------------------------------------------------------------
# two packs over a real DIY checkpoint (tfmigrate s3bucket), preview
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_run(s3bucket):
    return analyze([pack("s3-rules"), pack("remediator")], s3bucket)


def test_packs_are_described_with_yaml_version_and_sorted_policies(s3_run):
    s3, remediator = s3_run.packs
    assert (s3.name, s3.version, s3.plugin_version, s3.mode) == (
        "s3-rules",
        "1.2.3",
        "1.21.0",
        "language-host",
    )
    assert s3.info.description == "Bucket and provider rules used by the engine driver tests."
    assert [p.name for p in s3.info.policies] == [
        "buckets-tagged",
        "provider-region",
        "s3-bucket-prefix",
        "stack-urns",
    ]
    assert (remediator.name, remediator.version) == ("remediator", "0.0.1")  # pulumi_policy's own default
    # Schema defaults reach Configure.
    assert s3.config["s3-bucket-prefix"] == PolicyConfigEntry(M, {"prefix": "corp-"})
    assert s3.configured


def test_resource_violations_levels_severity_and_version(s3_run, s3bucket):
    bucket_urn = s3bucket.inputs[2].urn
    (prefix,) = by_policy(s3_run, "s3-bucket-prefix")
    d = prefix.diagnostic
    assert (d.level, d.severity, d.pack_version, d.urn, prefix.phase) == (
        M,
        Severity.HIGH,
        "1.2.3",
        bucket_urn,
        "analyze",
    )
    assert (
        d.message
        == "Bucket names carry the corporate prefix.\nbucket 'test-bucket-upsert-demo' does not start with 'corp-'"
    )
    assert (prefix.resource_type, prefix.resource_name) == (BUCKET, "test-bucket")
    (region,) = by_policy(s3_run, "provider-region")
    assert (region.diagnostic.level, region.diagnostic.severity) == (A, Severity.LOW)
    # The provider's inputs reached the policy through the provider reference.
    assert messages(s3_run, "provider-region") == ["region us-west-2 is not one of us-east-1"]


def test_stack_violations_are_attributed(s3_run, s3bucket):
    root, bucket = s3bucket.root_urn, s3bucket.inputs[2].urn
    (tagged,) = by_policy(s3_run, "buckets-tagged")
    assert tagged.diagnostic.urn == root and tagged.phase == "analyze-stack"
    urns = {v.diagnostic.message.split("\n")[1]: v.diagnostic.urn for v in by_policy(s3_run, "stack-urns")}
    assert urns == {"attributed to the bucket": bucket, "attributed to an unknown URN": root}


def test_remediations_replace_inputs_and_analyze_sees_the_result(s3_run, s3bucket):
    bucket = s3bucket.inputs[2]
    first, second = s3_run.remediations
    assert (first.policy_name, first.pack_name, first.urn) == ("add-tags", "remediator", bucket.urn)
    assert first.before == {"bucket": "test-bucket-upsert-demo"}
    assert first.after == {"bucket": "test-bucket-upsert-demo", "tags": {"managed-by": "policy"}}
    # The second remediation starts from the first one's result.
    assert second.before == first.after
    assert second.after == {**first.after, "sawInternal": []}
    assert s3_run.final_inputs == {bucket.urn: second.after}
    # check-tags ran on the remediated inputs, so it passed.
    assert by_policy(s3_run, "check-tags") == []
    # Remediations are never violations.
    assert {v.diagnostic.pack_name for v in s3_run.violations} == {"s3-rules"}


def test_summaries_follow_the_engine_formula(s3_run, s3bucket):
    root, provider, bucket = (r.urn for r in s3bucket.inputs)
    assert summary(s3_run, "s3-rules", "analyze", bucket) == ((), ("provider-region", "s3-bucket-prefix"))
    # not_applicable removes a policy from "passed" without making it fail.
    assert summary(s3_run, "s3-rules", "analyze", root) == (("provider-region",), ())
    assert summary(s3_run, "s3-rules", "analyze-stack", root) == ((), ("buckets-tagged", "stack-urns"))
    assert summary(s3_run, "remediator", "remediate", bucket) == (
        ("check-tags",),
        ("add-tags", "note-internal-keys"),
    )
    assert summary(s3_run, "remediator", "analyze", provider) == (("check-tags",), ())
    na = {(n.pack_name, n.policy_name, n.urn, n.reason) for n in s3_run.not_applicable}
    assert ("s3-rules", "s3-bucket-prefix", provider, "only S3 buckets") in na
    assert ("remediator", "add-tags", bucket, "Policy does not implement validate") in na


def test_preview_outcome(s3_run, s3bucket):
    assert s3_run.resources_analyzed == [r.urn for r in s3bucket.inputs]
    assert s3_run.stack_analyzed
    assert s3_run.bail == "step generator errored"
    assert s3_run.errors == [] and s3_run.exit_code == 1


# ---------------------------------------------------------------------------------------------
# preview vs up
# ---------------------------------------------------------------------------------------------


TWO_BUCKETS = export_with(
    [
        res("bad", BUCKET, {"bucket": "logs"}),
        res("good", BUCKET, {"bucket": "corp-logs"}),
    ]
)


def test_preview_analyzes_every_resource_and_fails_the_run():
    result = analyze([pack("s3-rules")], TWO_BUCKETS)
    assert [u.rsplit("::", 1)[-1] for u in result.resources_analyzed] == ["proj-dev", "bad", "good"]
    assert result.stack_analyzed and result.bail == "step generator errored"


def test_up_stops_at_the_first_invalid_resource():
    result = analyze([pack("s3-rules")], TWO_BUCKETS, preview=False)
    bad = TWO_BUCKETS.inputs[1].urn
    assert result.resources_analyzed[-1] == bad
    assert result.bail == f"resource {bad} is invalid"
    assert not result.stack_analyzed and result.exit_code == 1


def test_up_with_advisory_only_succeeds_and_stack_mandatory_fails_after():
    state = export_with([res("a", "test:index:Thing", {"flag": False}), res("b")])
    result = analyze([pack("stack-policy")], state, preview=False)
    (too_many,) = by_policy(result, "too-many")
    assert too_many.diagnostic.level == M and too_many.diagnostic.urn == state.root_urn
    assert result.stack_analyzed and result.bail == "step generator errored"


def test_remediate_level_violation_is_mandatory():
    state = export_with([res("flagged", "test:index:Thing", {"flag": True})])
    result = analyze([pack("stack-policy")], state)
    (flag,) = by_policy(result, "no-flag")
    assert flag.diagnostic.level == M
    assert flag.diagnostic.pack_version == "2.0.0"


# ---------------------------------------------------------------------------------------------
# config through the whole sequence
# ---------------------------------------------------------------------------------------------


def spec(name, config):
    return PackSpec(pack(name), config=config, config_path=f"{name}.json")


def test_config_properties_and_levels_reach_the_pack(s3bucket):
    config = {
        "s3-bucket-prefix": PolicyConfigEntry(None, {"prefix": "test-"}),
        "provider-region": PolicyConfigEntry(M, {"allowedRegions": ["eu-west-1"]}),
    }
    result = analyze([spec("s3-rules", config)], s3bucket)
    assert by_policy(result, "s3-bucket-prefix") == []
    (region,) = by_policy(result, "provider-region")
    assert region.diagnostic.level == M
    assert messages(result, "provider-region") == ["region us-west-2 is not one of eu-west-1"]


def test_all_disabled_silences_the_pack_and_empties_passed(s3bucket):
    result = analyze([spec("s3-rules", {"all": PolicyConfigEntry(EnforcementLevel.DISABLED)})], s3bucket)
    assert result.violations == []
    assert all(s.passed == () for s in result.summaries if s.pack_name == "s3-rules")
    assert result.exit_code == 0
    assert {p.enforcement_level for p in result.packs[0].info.policies} == {EnforcementLevel.DISABLED}


def test_invalid_config_stops_before_any_analyze(s3bucket):
    config = {
        "validator": PolicyConfigEntry(None, {"names": []}),
        "typed": PolicyConfigEntry(None, {"foo": 1}),
        "choice": PolicyConfigEntry(None, {"foo": "qux"}),
    }
    result = analyze(
        [
            spec("config-schema", config),
            spec("s3-rules", {"s3-bucket-prefix": PolicyConfigEntry(None, {"prefix": 7})}),
        ],
        s3bucket,
    )
    assert result.errors == [
        'validating policy config: config-schema 3.0.0  choice: foo: foo must be one of the following: "bar", "baz"',
        "validating policy config: config-schema 3.0.0  typed: foo: Invalid type. Expected: string, given: integer",
        "validating policy config: config-schema 3.0.0  validator: names: Array must have at least 1 items",
        "validating policy config: s3-rules 1.2.3  s3-bucket-prefix: prefix: Invalid type. Expected: string, given: integer",
    ]
    assert result.bail == "validating policy config"
    assert result.resources_analyzed == [] and result.exit_code == 1


def test_missing_required_config_is_reported(s3bucket):
    result = analyze([pack("config-schema")], s3bucket)
    assert result.errors == ["validating policy config: config-schema 3.0.0  validator: names is required"]


def test_valid_config_precedence_through_the_pack(s3bucket):
    config = {
        "all": PolicyConfigEntry(M),
        "validator": PolicyConfigEntry(None, {"names": ["a"]}),
        "defaults": PolicyConfigEntry(A, {"limit": 7}),
    }
    result = analyze([spec("config-schema", config)], s3bucket)
    assert result.errors == []
    sent = result.packs[0].config
    # default < initialConfig < file, shallow merge; "all" before specific keys; "all" itself is sent.
    assert sent["defaults"] == PolicyConfigEntry(A, {"limit": 7, "label": "from-initial"})
    assert sent["no-schema"].enforcement_level == M  # initialConfig said disabled; the file's "all" wins
    assert sent["all"] == PolicyConfigEntry(M, {})
    assert sent["validator"] == PolicyConfigEntry(M, {"names": ["a"]})


# ---------------------------------------------------------------------------------------------
# values: unknowns, secrets, assets, internal keys, graph links (inspect pack)
# ---------------------------------------------------------------------------------------------


def echoed(result, name):
    for payload in messages(result, "echo-resource"):
        data = json.loads(payload)
        if data["name"] == name:
            return data
    raise AssertionError(f"no echo for {name}")


def test_unknown_values_give_the_sdk_advisory():
    state = export_with([res("u", "test:index:Thing", {"value": UNKNOWN_STRING, "other": 1})])
    result = analyze([pack("inspect")], state)
    (strict,) = by_policy(result, "strict-value")
    assert strict.diagnostic.level == A
    assert strict.diagnostic.message == (
        "can't run policy 'strict-value' from policy pack 'inspect@v0.0.1' during preview: "
        "string value at .value can't be known during preview"
    )
    assert strict.diagnostic.pack_version == "0.5.0"
    assert echoed(result, "u")["props"] == {"value": "<unknown>", "other": 1.0}
    assert result.exit_code == 0


@pytest.fixture(scope="module")
def secrets_run():
    state = load_state_file(corpus("pulumi__stack-testdata__checkpoint-secrets.json"))
    return analyze([pack("inspect")], state)


def test_ciphertext_secrets_reach_policies_as_redacted(secrets_run):
    assert echoed(secrets_run, "countDown_watcher-iamrole")["props"]["assumeRolePolicy"] == "[secret]"


def test_assets_and_archives_reach_policies_as_sdk_objects(secrets_run):
    code = echoed(secrets_run, "countDown_watcher")["props"]["code"]
    assert code == "AssetArchive"


def test_plaintext_secrets_reach_policies_as_values():
    state = load_state_file(corpus("eks__encryption-provider_3.0.0_stack.json"))
    result = analyze([pack("inspect")], state)
    secret = next(
        json.loads(p)
        for p in messages(result, "echo-resource")
        if json.loads(p)["type"] == "kubernetes:core/v1:Secret"
    )
    assert secret["props"]["data"] == {"dbPassword": "MnJ9U3hCcHluPz9BPiY9N3U+Q0UwODwoTn19ZjRAc1U="}


def test_analyze_never_sees_internal_keys_on_a_real_export():
    state = load_state_file(corpus("tfmigrate__dns-to-db-2026-04-05.pulumi-state.json"))
    assert any("__defaults" in r.properties for r in state.inputs)
    result = analyze([pack("inspect")], state)
    props = [json.loads(p)["props"] for p in messages(result, "echo-resource")]
    assert len(props) == len(state.inputs)
    assert not any(k.startswith("__") for p in props for k in p)


def test_remediate_sees_internal_keys_and_analyze_does_not():
    state = export_with([res("b", BUCKET, {"bucket": "x", "__defaults": ["bucket"]})])
    result = analyze([pack("remediator")], state)
    last = result.remediations[-1]
    assert last.after["sawInternal"] == ["__defaults"]
    assert last.after["__defaults"] == ["bucket"]  # carried through to the new inputs
    assert by_policy(result, "check-tags") == []


def test_stack_policies_see_graph_links_from_an_eks_export():
    state = load_state_file(corpus("eks__cluster_3.0.0_stack.json"))
    result = analyze([pack("inspect")], state)
    assert result.errors == []
    echoed_stack = {json.loads(p)["urn"]: json.loads(p) for p in messages(result, "echo-stack")}
    assert set(echoed_stack) == {r.urn for r in state.outputs}
    linked = [r for r in state.outputs if r.dependencies and r.property_dependencies and r.parent]
    assert linked
    for r in linked[:5]:
        seen = echoed_stack[r.urn]
        known = set(echoed_stack)
        assert seen["parent"] == r.parent
        assert seen["dependencies"] == [d for d in r.dependencies if d in known]
        assert seen["property_dependencies"] == {
            k: [d for d in v if d in known] for k, v in r.property_dependencies.items()
        }
    with_provider = next(r for r in state.inputs if r.provider is not None)
    assert echoed(result, with_provider.name)["provider"]["urn"] == with_provider.provider.urn
    # Options from state reach Analyze.
    ignoring = next(r for r in state.inputs if r.options.ignore_changes)
    assert echoed(result, ignoring.name)["ignore_changes"] == list(ignoring.options.ignore_changes)


def test_several_packs_in_one_run_on_an_eks_export():
    state = load_state_file(corpus("eks__managed-nodegroups_3.0.0_stack.json"))
    result = analyze([pack("s3-rules"), pack("inspect"), pack("stack-policy")], state)
    assert result.errors == []
    assert [p.name for p in result.packs] == ["s3-rules", "inspect", "stack-policy"]
    per_pack = {}
    for s in result.summaries:
        if s.phase == "analyze":
            per_pack[s.pack_name] = per_pack.get(s.pack_name, 0) + 1
    assert per_pack == {
        "s3-rules": len(state.inputs),
        "inspect": len(state.inputs),
        "stack-policy": len(state.inputs),
    }
    assert by_policy(result, "too-many")[0].diagnostic.level == M
