"""Launch a pack under pulumi_policy's own server (the reference) and under policy-host, the way the
engine does, and talk to both over real gRPC sockets."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
from pulumi.runtime.proto import analyzer_pb2_grpc

from policy_host.engine.launch import EXECUTABLE, LaunchSpec, PluginProcess, language_host_spec, stack_env
from policy_host.model import StackContext

PACKS = Path(__file__).parent / "packs"
STACK = StackContext(
    organization="acme",
    project="proj",
    stack="dev",
    dry_run=True,
    config={"conf:value": "hello", "aws:region": "us-west-2"},
    tags={"env": "dev"},
)
ENGINE_ADDRESS = "127.0.0.1:1"  # neither server calls the engine in these tests
GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", 400 * 1024 * 1024),
    ("grpc.max_send_message_length", 400 * 1024 * 1024),
]


def host_spec(pack_dir: Path, stack: StackContext = STACK, extra: tuple[str, ...] = ()) -> LaunchSpec:
    """policy-host serving one pack, launched like a language-host-mode pack (cwd, PULUMI_* env)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    env.update(stack_env(stack))
    argv = (sys.executable, "-m", "policy_host", "serve", "--pack", str(pack_dir), *extra, ENGINE_ADDRESS)
    return LaunchSpec(name=str(pack_dir), mode=EXECUTABLE, argv=argv, cwd=str(pack_dir), env=env)


@contextmanager
def running(spec: LaunchSpec) -> Iterator[tuple[PluginProcess, analyzer_pb2_grpc.AnalyzerStub]]:
    plugin = PluginProcess.start(spec, port_timeout=60)
    channel = grpc.insecure_channel(plugin.address, options=GRPC_OPTIONS)
    try:
        yield plugin, analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        channel.close()
        plugin.stop(grace=5)


@pytest.fixture(scope="module")
def pair(request):
    """(reference stub, policy-host stub) serving the pack named by the module's PACK attribute."""
    pack_dir = PACKS / request.module.PACK
    with running(language_host_spec(pack_dir, ENGINE_ADDRESS, STACK)) as (_, ref):
        with running(host_spec(pack_dir, extra=tuple(getattr(request.module, "HOST_ARGS", ())))) as (_, ours):
            yield ref, ours
