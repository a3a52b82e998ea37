"""The test kit: same answers as the host over the wire, readable assertions, YAML cases, commands."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from google.protobuf import json_format

from policy_host.errors import ConfigValidationError, InputError
from policy_host.testing import PackRunner, load_cases, resource, run_case, secret, unknown
from policy_host.wire import convert

from ..host.conftest import PACKS, STACK, host_spec, running
from ..host.test_differential import CONFIGS, RESOURCES, STACK_RESOURCES

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "states"


def as_dict(message) -> dict:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


@pytest.mark.parametrize("pack", ["conformance", "simple", "twin-a"])
def test_kit_answers_equal_the_host_over_the_wire(pack):
    runner = PackRunner.load(PACKS / pack, stack=STACK)
    config = CONFIGS["engine-defaults"] if pack == "conformance" else None
    if config is not None:
        runner.apply(config)
    with running(host_spec(PACKS / pack)) as (_, stub):
        stub.ConfigureStack(convert.stack_context_to_proto(STACK))
        if config is not None:
            stub.Configure(convert.configure_request(config))
        compared = 0
        for r in RESOURCES:
            wire = stub.Analyze(convert.analyze_request_from_resource(r))
            kit = convert.analyze_result_to_proto(runner.analyze(r).result)
            assert as_dict(kit) == as_dict(wire)
            wire_rem = stub.Remediate(convert.analyze_request_from_resource(r))
            kit_rem = runner.remediate(r)
            assert as_dict(
                convert.remediate_result_to_proto(
                    type(
                        "R",
                        (),
                        {"remediations": kit_rem.remediations, "not_applicable": kit_rem.not_applicable},
                    )
                )
            ) == as_dict(wire_rem)
            compared += len(wire.diagnostics) + len(wire_rem.remediations)
        request = convert.proto.AnalyzeStackRequest()
        request.resources.extend(convert.analyzer_resource_from_resource(r) for r in STACK_RESOURCES)
        assert as_dict(
            convert.analyze_result_to_proto(runner.analyze_stack(STACK_RESOURCES).result)
        ) == as_dict(stub.AnalyzeStack(request))
    assert compared > 0  # the packs did report: the equality above is not vacuous


def test_values_are_normalised_like_the_wire():
    runner = PackRunner.load(PACKS / "conformance", stack=STACK)
    verdict = runner.analyze(resource("aws:s3/bucket:Bucket", {"size": 3, "tags": {"owner": "x"}}, name="b"))
    assert "size: float 3.0" in [d.message.split("\n")[1] for d in verdict.violations_of("proxy-types")]


def test_assertions_explain_failures():
    runner = PackRunner.load(PACKS / "simple")
    verdict = runner.analyze(resource("aws:s3/bucket:Bucket", {"acl": "public-read"}, name="b"))
    verdict.assert_violation("no-public-acl", level="mandatory", message="public-read", count=1)
    with pytest.raises(AssertionError) as err:
        verdict.assert_no_violation()
    assert "[mandatory] no-public-acl: 'No public ACLs.\\nacl is public-read'" in str(err.value)
    with pytest.raises(AssertionError, match="expected a violation of no-public-acl at level advisory"):
        verdict.assert_violation("no-public-acl", level="advisory")
    runner.analyze(resource("aws:s3/bucket:Bucket", {"acl": "private"})).assert_passes("no-public-acl")


def test_unknowns_and_secrets_behave_as_on_the_wire():
    runner = PackRunner.load(PACKS / "conformance", stack=STACK)
    verdict = runner.analyze(
        resource("aws:s3/bucket:Bucket", {"tags": unknown(), "acl": secret("public-read")})
    )
    assert [d.message for d in verdict.violations_of("needs-tags")] == [
        "can't run policy 'needs-tags' from policy pack 'conformance@v0.0.1' during preview: "
        "string value at .tags can't be known during preview"
    ]
    verdict.assert_violation("public-acl", message="public-read")  # validators see secrets in plaintext


def test_config_is_validated_like_the_engine():
    with pytest.raises(ConfigValidationError) as err:
        PackRunner.load(PACKS / "conformance", {"needs-tags": {"required": "owner"}})
    assert err.value.lines == [
        "validating policy config: conformance 0.0.1  needs-tags: required: Invalid type. Expected: array, given: string"
    ]


def test_from_policies_validates_like_the_sdk():
    from pulumi_policy import ResourceValidationPolicy

    with pytest.raises(Exception, match='Invalid policy name "all"'):
        ResourceValidationPolicy("all", "d", lambda a, r: None)
    policy = ResourceValidationPolicy("p", "Policy p.", lambda a, r: r("bad"))
    runner = PackRunner.from_policies([policy], name="adhoc")
    runner.analyze(resource("x:y:Z")).assert_violation("p", message="bad", level="advisory")
    with pytest.raises(Exception, match="Invalid policy pack name"):
        PackRunner.from_policies([policy], name="has space")


def test_yaml_case_mismatches_are_reported(tmp_path):
    case_file = tmp_path / "wrong.policy-test.yaml"
    case_file.write_text(
        textwrap.dedent(
            f"""
            pack: {PACKS / "simple"}
            resources:
              - {{name: open, type: "aws:s3/bucket:Bucket", properties: {{acl: public-read}}}}
            results:
              - {{policy: no-public-acl, resource: open, result: pass}}
              - {{policy: no-public-acl, resource: open, result: fail, level: advisory}}
              - {{policy: no-public-acl, resource: ghost, result: pass}}
            """
        )
    )
    (case,) = load_cases(case_file)
    assert run_case(case) == [
        "no-public-acl on open: expected pass, got fail (No public ACLs. / acl is public-read)",
        "no-public-acl on open: no violation at level advisory; saw [mandatory] 'No public ACLs.\\nacl is public-read'",
        "no-public-acl on ghost: no such resource in the case",
    ]


def test_yaml_case_typos_are_errors(tmp_path):
    case_file = tmp_path / "typo.policy-test.yaml"
    case_file.write_text(
        f"pack: {PACKS / 'simple'}\nresults:\n  - {{policy: p, resource: r, status: pass}}\n"
    )
    with pytest.raises(InputError, match=r"typo.policy-test.yaml: case 1 result 1: unknown key\(s\) status"):
        load_cases(case_file)


def _pack_with_cases(tmp_path: Path, expected: str) -> Path:
    pack = tmp_path / "pack"
    (pack / "tests").mkdir(parents=True)
    for name in ("PulumiPolicy.yaml", "__main__.py"):
        (pack / name).write_text((PACKS / "simple" / name).read_text())
    (pack / "tests" / "buckets.policy-test.yaml").write_text(
        "resources:\n  - {name: open, type: 'aws:s3/bucket:Bucket', properties: {acl: public-read}}\n"
        f"results:\n  - {{policy: no-public-acl, resource: open, result: {expected}}}\n"
    )
    return pack


@pytest.mark.parametrize(("expected", "code"), [("fail", 0), ("pass", 1)])
def test_policy_host_test_command(tmp_path, expected, code):
    pack = _pack_with_cases(tmp_path, expected)
    result = subprocess.run(
        [sys.executable, "-m", "policy_host", "test", str(pack), "-q", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == code, result.stdout + result.stderr
    assert ("1 passed" if code == 0 else "1 failed") in result.stdout


def test_fixture_command_cuts_resources_from_an_export(tmp_path):
    export = CORPUS / "tfmigrate__s3bucket-test__test-upsert.checkpoint.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "policy_host",
            "fixture",
            "--file",
            str(export),
            "--type",
            "aws:s3/bucket:Bucket",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    raw = json.loads(export.read_text())
    expected = [
        r["urn"] for r in raw["checkpoint"]["latest"]["resources"] if r["type"] == "aws:s3/bucket:Bucket"
    ]
    assert [r["urn"] for r in rows] == expected and expected
    fixture_file = tmp_path / "fixture.json"
    fixture_file.write_text(result.stdout)
    from policy_host.testing import load_fixture

    loaded = load_fixture(fixture_file)
    assert [r.urn for r in loaded] == expected
    assert loaded[0].provider is not None and loaded[0].provider.properties.get("region") == "us-west-2"
