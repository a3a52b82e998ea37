"""A pack written with policy_host.sdk runs unchanged under pulumi_policy's own gRPC server: start it as
a real subprocess (``python <pack dir>``, the way the Python language host runs ``__main__.py``), read
the port line and call the analyzer over a loopback socket."""

import subprocess
import sys
import textwrap

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc

PACK_MAIN = textwrap.dedent(
    """
    from pulumi_policy import PolicyPack

    from policy_host.sdk import props_get, remediate_props, resource_policy


    def check(args, report_violation):
        if props_get(args.props, "versioning.enabled") is not True:
            report_violation("Versioning is disabled.")


    PolicyPack(
        name="served-pack",
        policies=[
            resource_policy(
                "s3-bucket-versioning",
                "S3 buckets must have versioning enabled.",
                types=["aws:s3/bucket:Bucket"],
                validate=check,
                remediate=lambda args: remediate_props(args, {"versioning.enabled": True}),
                severity="high",
                level="mandatory",
                framework=("AWS Foundational Security Best Practices", "1.0.0", "S3.14"),
            )
        ],
    )
    """
)


@pytest.fixture
def analyzer(tmp_path):
    (tmp_path / "__main__.py").write_text(PACK_MAIN)
    proc = subprocess.Popen(
        [sys.executable, "-u", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path
    )
    try:
        line = proc.stdout.readline().decode()
        assert line.strip().isdigit(), f"no port line; stderr: {proc.stderr.read().decode()}"
        channel = grpc.insecure_channel(f"127.0.0.1:{line.strip()}")
        grpc.channel_ready_future(channel).result(timeout=30)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        proc.kill()
        proc.wait()


def _request(type_, props):
    request = proto.AnalyzeRequest(type=type_, urn=f"urn:pulumi:dev::app::{type_}::r", name="r")
    request.properties.update(props)
    return request


def test_metadata_verdicts_and_fast_path_reason_over_the_wire(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    [policy] = info.policies
    assert (policy.name, policy.severity, policy.enforcementLevel) == (
        "s3-bucket-versioning",
        proto.POLICY_SEVERITY_HIGH,
        proto.MANDATORY,
    )
    assert policy.framework.reference == "S3.14"

    bad = analyzer.Analyze(_request("aws:s3/bucket:Bucket", {"versioning": {"enabled": False}}))
    assert [(d.policyName, d.enforcementLevel) for d in bad.diagnostics] == [
        ("s3-bucket-versioning", proto.MANDATORY)
    ]
    other = analyzer.Analyze(_request("aws:ec2/vpc:Vpc", {}))
    assert list(other.diagnostics) == []
    assert [(n.policy_name, n.reason) for n in other.not_applicable] == [
        ("s3-bucket-versioning", "Policy only applies to resources of type 'aws:s3/bucket:Bucket'")
    ]
