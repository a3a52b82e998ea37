"""Every bundled pack starts under pulumi_policy's own gRPC server (``python <pack dir>``, a real
subprocess and loopback socket) and reports its policies' metadata over the wire."""

import subprocess
import sys
from pathlib import Path

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc

PACKS_DIR = Path(__file__).resolve().parent
PACKS = sorted(p.name for p in PACKS_DIR.iterdir() if (p / "PulumiPolicy.yaml").is_file())


def test_the_bundled_packs_are_all_here():
    assert PACKS == ["aws-baseline", "azure-baseline", "gcp-baseline", "kubernetes-baseline", "tagging"]


@pytest.mark.parametrize("pack", PACKS)
def test_pack_serves_under_pulumi_policy(pack):
    pack_dir = PACKS_DIR / pack
    meta = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text())
    assert meta["runtime"] == "python" and meta["version"] == "1.0.0" and meta["description"]
    assert {"pulumi-policy", "policy-host"} <= {
        line.split(">")[0].split("=")[0].strip()
        for line in (pack_dir / "requirements.txt").read_text().splitlines()
    }
    proc = subprocess.Popen(
        [sys.executable, "-u", str(pack_dir)], cwd=pack_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        port = proc.stdout.readline().decode().strip()
        assert port.isdigit(), proc.stderr.read().decode()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
            info = analyzer_pb2_grpc.AnalyzerStub(channel).GetAnalyzerInfo(empty_pb2.Empty())
    finally:
        proc.kill()
        proc.wait()
    assert info.name == pack
    names = [p.name for p in info.policies]
    assert len(names) == len(set(names)) >= 2
    for policy in info.policies:
        assert policy.severity != proto.POLICY_SEVERITY_UNSPECIFIED, policy.name
        assert policy.description and policy.remediation_steps, policy.name
    if pack == "aws-baseline":
        assert len(names) >= 15
