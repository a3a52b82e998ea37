"""The host reached the three ways the Pulumi CLI launches a policy pack (engine-protocol.md §5.2-5.4)."""

from __future__ import annotations

import os
from pathlib import Path

from google.protobuf import empty_pb2

from policy_host.analyzer.entry import write_executable, write_wrapper
from policy_host.engine.launch import executable_spec, language_host_spec
from policy_host.model import Resource, StackContext
from policy_host.wire import convert

from .conftest import ENGINE_ADDRESS, PACKS, STACK, running

REPO = Path(__file__).resolve().parents[2]
STACK_URN = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"


def test_repository_root_is_a_pack_serving_the_configured_packs():
    spec = language_host_spec(REPO, ENGINE_ADDRESS, STACK)
    spec.env["POLICY_HOST_PACKS"] = os.pathsep.join([str(PACKS / "simple"), str(PACKS / "twin-a")])
    assert spec.argv[1:4] == ("-u", "-m", "pulumi.policy")  # exactly how the language host runs packs
    with running(spec) as (_, stub):
        info = stub.GetAnalyzerInfo(empty_pb2.Empty())
        assert sorted(p.name for p in info.policies) == ["max-count", "no-public-acl", "who-a"]
        response = stub.Analyze(
            convert.analyze_request_from_resource(
                Resource(
                    "aws:s3/bucket:Bucket",
                    "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::b",
                    "b",
                    {"acl": "public-read"},
                )
            )
        )
    assert sorted((d.policyPackName, d.policyName) for d in response.diagnostics) == [
        ("simple", "no-public-acl"),
        ("twin-a", "who-a"),
    ]


def test_generated_wrapper_directory(tmp_path):
    wrapper = write_wrapper(tmp_path / "wrapper", [str(PACKS / "simple")])
    with running(language_host_spec(wrapper, ENGINE_ADDRESS, STACK)) as (_, stub):
        assert stub.GetAnalyzerInfo(empty_pb2.Empty()).name == "simple"


def test_executable_mode_takes_stack_information_from_configure_stack(tmp_path):
    exe = write_executable(tmp_path / "bin" / "analyzer", [str(PACKS / "conformance")])
    spec = executable_spec(exe, ENGINE_ADDRESS, project_dir=str(tmp_path))
    for key in [k for k in spec.env if k.startswith("PULUMI_")]:
        del spec.env[key]  # executable mode: the engine sets no PULUMI_* variables
    with running(spec) as (plugin, stub):
        stub.Handshake(_handshake())  # executable mode: the pack sees Handshake first
        stub.ConfigureStack(
            convert.stack_context_to_proto(
                StackContext(
                    project="proj",
                    stack="dev",
                    dry_run=True,
                    config={"conf:value": "hello"},
                    tags={"env": "dev"},
                )
            )
        )
        response = stub.Analyze(
            convert.analyze_request_from_resource(Resource("pulumi:pulumi:Stack", STACK_URN, "proj-dev", {}))
        )
    runtime = [d.message for d in response.diagnostics if d.policyName == "runtime-data"]
    assert runtime == ["Runtime data.\nstack=dev project=proj dry=True value=hello"]
    tags = [d.message for d in response.diagnostics if d.policyName == "options" and "tags=" in d.message]
    assert tags == ["Options and provider.\ntags={'env': 'dev'}"]


def _handshake():
    from pulumi.runtime import proto

    return proto.AnalyzerHandshakeRequest(
        engine_address=ENGINE_ADDRESS, root_directory=".", program_directory="."
    )
