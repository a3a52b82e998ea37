"""The host as a plugin process: port line, load failures, bad input, several packs, shutdown."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime import proto

from policy_host.errors import PluginError
from policy_host.model import Resource
from policy_host.wire import convert

from .conftest import ENGINE_ADDRESS, PACKS, host_spec, running

URN = "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::b"


def bucket_request(props: dict) -> proto.AnalyzeRequest:
    return convert.analyze_request_from_resource(Resource("aws:s3/bucket:Bucket", URN, "b", props))


def serve_command(*packs: str, extra: tuple[str, ...] = ()) -> list[str]:
    argv = [sys.executable, "-m", "policy_host", "serve"]
    for p in packs:
        argv += ["--pack", str(PACKS / p)]
    return [*argv, *extra]


def test_pack_output_at_import_does_not_corrupt_the_port_line():
    with running(host_spec(PACKS / "noisy")) as (plugin, stub):
        assert plugin.port > 0
        assert stub.GetAnalyzerInfo(empty_pb2.Empty()).name == "noisy"
        stderr_text = "\n".join(line.text for line in plugin.output())
    assert "noise from the pack at import" in stderr_text
    assert "raw fd noise" in stderr_text


def test_invalid_pack_exits_1_before_the_port_with_the_sdk_message():
    result = subprocess.run(
        serve_command("bad-name", extra=(ENGINE_ADDRESS,)), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stdout == ""  # no port
    assert "Program failed with an unhandled exception" in result.stderr
    assert result.stderr.rstrip().endswith(
        "TypeError: Invalid policy pack name bad name. Policy pack names may only contain alphanumerics, "
        "hyphens, underscores, or periods."
    )
    assert "policy_host/" not in result.stderr  # only the pack's and the SDK's frames, not ours


def test_pack_that_raises_at_import_exits_1():
    with pytest.raises(PluginError) as err:
        with running(host_spec(PACKS / "raises")):
            pass
    assert "exit status 1" in str(err.value)


def test_engine_flags_before_the_address_are_tolerated():
    spec = host_spec(PACKS / "simple")
    argv = list(spec.argv)
    # the engine prepends its flags before the engine address
    argv[-1:-1] = ["--logtostderr", "-v=9", "--tracing", "127.0.0.1:4317"]
    with running(spec.__class__(spec.name, spec.mode, tuple(argv), spec.cwd, spec.env)) as (_, stub):
        assert stub.GetAnalyzerInfo(empty_pb2.Empty()).name == "simple"


def test_large_properties_and_bad_values_keep_the_server_serving():
    with running(host_spec(PACKS / "noisy")) as (_, stub):
        blob = "x" * (5 * 1024 * 1024)
        response = stub.Analyze(bucket_request({"blob": blob}))
        assert [d.message for d in response.diagnostics] == [
            f"Reports blob sizes.\nblob of {len(blob)} characters"
        ]

        for bad, expected in [
            ({"x": {"4dabf18193072939515e22adb298388d": "nope"}}, "Unrecognized signature 'nope'"),
            (
                {"x": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}},
                "Invalid secret",
            ),
            (
                {"x": {"4dabf18193072939515e22adb298388d": "c44067f5952c0a294b673a41bacd8c17"}},
                "Invalid asset",
            ),
            (
                {"x": {"4dabf18193072939515e22adb298388d": "0def7320c3a5731c473e5ecbe6d01bc7"}},
                "Invalid archive",
            ),
        ]:
            with pytest.raises(grpc.RpcError) as err:
                stub.Analyze(bucket_request(bad))
            assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert expected in err.value.details()
            assert URN in err.value.details() and ".x" in err.value.details()

        bad_level = proto.ConfigureAnalyzerRequest()
        bad_level.policyConfig["big"].enforcementLevel = 7
        with pytest.raises(grpc.RpcError) as err:
            stub.Configure(bad_level)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "invalid enforcement level 7" in err.value.details()

        # still serving, with its state intact
        assert len(stub.Analyze(bucket_request({"blob": "abc"})).diagnostics) == 1


def test_two_packs_with_same_local_module_names_each_get_their_own():
    spec = host_spec(PACKS / "twin-a")
    argv = list(spec.argv)
    argv[-1:-1] = ["--pack", str(PACKS / "twin-b")]
    with running(spec.__class__(spec.name, spec.mode, tuple(argv), spec.cwd, spec.env)) as (_, stub):
        response = stub.Analyze(bucket_request({}))
    got = sorted((d.policyPackName, d.message) for d in response.diagnostics)
    assert got == [("twin-a", "Says which pack.\ntwin-a"), ("twin-b", "Says which pack.\ntwin-b")]


def _start(argv: list[str]) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=PACKS / "simple")
    line = proc.stdout.readline()
    return proc, int(line)


@pytest.mark.parametrize("how", ["cancel", "sigint", "sigterm"])
def test_clean_exit_within_five_seconds(how):
    proc, port = _start(serve_command("simple", extra=(ENGINE_ADDRESS,)))
    try:
        if how == "cancel":
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                from pulumi.runtime.proto import analyzer_pb2_grpc

                analyzer_pb2_grpc.AnalyzerStub(channel).Cancel(empty_pb2.Empty())
        else:
            proc.send_signal(signal.SIGINT if how == "sigint" else signal.SIGTERM)
        start = time.monotonic()
        assert proc.wait(timeout=5) == 0
        assert time.monotonic() - start < 5
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def listening_addresses(port: int) -> list[str]:
    """Local addresses (hex, as in /proc/net/tcp*) of sockets listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            addr, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                found.append(addr)
    return found


LOOPBACK_HEX = {
    "0100007F",  # 127.0.0.1 (little-endian)
    "0000000000000000FFFF00000100007F",  # ::ffff:127.0.0.1
    "00000000000000000000000001000000",  # ::1
}


def test_binds_to_loopback_only():
    proc, port = _start(serve_command("simple", extra=(ENGINE_ADDRESS,)))
    try:
        addresses = listening_addresses(port)
        assert addresses, f"nothing listens on {port}"
        assert set(addresses) <= LOOPBACK_HEX, addresses
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
