"""The three servers under test, launched as the engine launches a pack, and how long they take to start.

- ``policy-host``: ``python -m policy_host serve --pack DIR ENGINE_ADDRESS``;
- ``pulumi_policy``: the reference, ``python -u -m pulumi.policy ENGINE_ADDRESS DIR`` (language-host mode);
- ``bare gRPC``: :mod:`bench.bare_server`, the floor.

All three run as their own process with cwd = the pack directory and the ``PULUMI_*`` variables of
:data:`STACK`, and print their port on the first stdout line (read by
:class:`policy_host.engine.launch.PluginProcess`, which also stops them).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2_grpc

from policy_host.engine.launch import EXECUTABLE, LaunchSpec, PluginProcess, language_host_spec, stack_env
from policy_host.model import StackContext
from policy_host.wire import convert

from . import fixtures

OURS = "policy-host"
REFERENCE = "pulumi_policy"
BARE = "bare gRPC"
SERVERS = (OURS, REFERENCE, BARE)

STACK = StackContext(
    organization="bench",
    project=fixtures.PROJECT,
    stack=fixtures.STACK,
    dry_run=True,
    config={"aws:region": "us-west-2"},
)
ENGINE_ADDRESS = "127.0.0.1:1"  # none of the servers calls the engine in these runs
BARE_SCRIPT = Path(__file__).with_name("bare_server.py")
MAX_MESSAGE_BYTES = 400 * 1024 * 1024
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
]


def _pack_env(pack_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    env.update(stack_env(STACK))
    return env


def launch_spec(server: str, pack_dir: Path) -> LaunchSpec:
    """How ``server`` is started for ``pack_dir``."""
    if server == REFERENCE:
        return language_host_spec(pack_dir, ENGINE_ADDRESS, STACK, name=f"{REFERENCE}:{pack_dir.name}")
    if server == OURS:
        argv = (sys.executable, "-m", "policy_host", "serve", "--pack", str(pack_dir), ENGINE_ADDRESS)
    elif server == BARE:
        argv = (sys.executable, "-u", str(BARE_SCRIPT), ENGINE_ADDRESS)
    else:
        raise ValueError(f"unknown server {server!r}")
    return LaunchSpec(
        name=f"{server}:{pack_dir.name}",
        mode=EXECUTABLE,
        argv=argv,
        cwd=str(pack_dir),
        env=_pack_env(pack_dir),
    )


@dataclass
class Running:
    """A started server: its process, a stub on a fresh channel, and its spawn-to-port time."""

    server: str
    plugin: PluginProcess
    stub: analyzer_pb2_grpc.AnalyzerStub
    port_seconds: float

    @property
    def pid(self) -> int:
        return self.plugin.pid


@contextmanager
def running(server: str, pack_dir: Path, port_timeout: float = 120.0) -> Iterator[Running]:
    """Start ``server`` on ``pack_dir``, run the engine's startup RPCs, yield it, and stop it."""
    spec = launch_spec(server, pack_dir)
    started = time.perf_counter()
    plugin = PluginProcess.start(spec, port_timeout=port_timeout)
    port_seconds = time.perf_counter() - started
    channel = grpc.insecure_channel(plugin.address, options=CHANNEL_OPTIONS)
    try:
        stub = analyzer_pb2_grpc.AnalyzerStub(channel)
        # The startup sequence of engine-protocol.md §6.1 in language-host mode (no Handshake, no Configure).
        stub.ConfigureStack(convert.stack_context_to_proto(STACK))
        stub.GetPluginInfo(empty_pb2.Empty())
        stub.GetAnalyzerInfo(empty_pb2.Empty())
        yield Running(server, plugin, stub, port_seconds)
    finally:
        channel.close()
        plugin.stop(grace=5)


# ---------------------------------------------------------------------------------------------
# Start-up costs that are not the host's: the interpreter and the pack's own imports
# ---------------------------------------------------------------------------------------------

# Imports pulumi_policy, then runs the pack's __main__.py with PolicyPack replaced by a no-op (the real
# one would start serving), each timed from inside a fresh interpreter.
_IMPORT_PROBE = """
import runpy, sys, time
t0 = time.perf_counter()
import pulumi_policy
t1 = time.perf_counter()
pulumi_policy.PolicyPack = lambda *args, **kwargs: None
sys.path.insert(0, ".")
runpy.run_path("__main__.py", run_name="__main__")
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


@dataclass(frozen=True)
class ImportTimes:
    """Median seconds, in a fresh interpreter, to import pulumi_policy and then to run the pack module."""

    sdk: float
    pack: float

    @property
    def total(self) -> float:
        return self.sdk + self.pack


def pack_import_times(pack_dir: Path, repeats: int = 3) -> ImportTimes:
    """Time the pack's own imports (what any host must pay before it can print a port)."""
    sdk, pack = [], []
    for _ in range(max(1, repeats)):
        out = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE],
            cwd=pack_dir,
            env=_pack_env(pack_dir),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        sdk.append(float(out[0]))
        pack.append(float(out[1]))
    return ImportTimes(statistics.median(sdk), statistics.median(pack))


def interpreter_start_seconds(repeats: int = 3) -> float:
    """Median wall time of ``python -c pass``: the start-up no server can avoid."""
    samples = []
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)
