"""Building an analyzer from pack directories, and serving it as a Pulumi analyzer plugin process.

Plugin-process contract (engine-protocol.md §5.3-5.6, §10): load every pack *before* printing anything;
a pack that fails to load exits 1 with the reference's message on stderr and no port; then the port alone
on the first stdout line; leading engine flags (``--logtostderr``, ``-v=N``, ``--tracing X``) are
accepted and ignored; stop cleanly on Cancel, SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from pulumi.runtime.proto import analyzer_pb2_grpc

from .. import __version__
from ..errors import PolicyHostError
from ..evaluate import PreparedPack, prepare
from ..model import PackInfo, StackContext
from ..packs.loader import load_pack
from .loading import load_packs, stack_from_environment
from .servicer import MAX_MESSAGE_BYTES, AnalyzerServicer

log = logging.getLogger("policy_host.analyzer")

GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
]
DEFAULT_WORKERS = 8
PACKS_ENV = "POLICY_HOST_PACKS"


def groups_loader(stack: StackContext) -> tuple[list[PreparedPack], PackInfo, Any]:
    """Resolve the stack's preventative policy groups from the store and load their packs."""
    from ..groups import resolve_stack
    from ..store import open_store
    from .groups import ExemptionMarker, info_from_state, load_resolved
    from .recording import Decorators, RunRecorder

    if not stack.project or not stack.stack:
        raise PolicyHostError(
            "policy groups need the stack's project and name (PULUMI_PROJECT/PULUMI_STACK or ConfigureStack)"
        )
    store = open_store()
    try:
        resolved = resolve_stack(
            store, stack.organization, stack.project, stack.stack, dict(stack.tags) or None
        )
    finally:
        store.close()
    packs = load_resolved(resolved, stack)
    if len(packs) == 1:
        name, version = packs[0].name, packs[0].version
    else:
        name, version = "policy-host", __version__
    entity = f"{stack.organization or 'organization'}/{stack.project}/{stack.stack}"
    description = f"policy groups of {entity}: " + (
        ", ".join(f"{p.name}@{p.version}" for p in packs) or "no packs"
    )
    log.info("%s", description)
    # Exemptions mark verdicts first; the recorder then keeps the run for findings (kind preventative).
    hooks = Decorators(
        ExemptionMarker(resolved), RunRecorder(stack, packs, {p.name: p.group for p in resolved.packs})
    )
    return packs, info_from_state(packs, name, version, description), hooks


def build_servicer(pack_dir: str | Path, stack: StackContext | None = None, **kwargs) -> AnalyzerServicer:
    """One pack's servicer, in process (used by ``policy-host analyze --in-process`` and tests).

    ``stack`` sets the PULUMI_* environment before the pack is imported, as the engine does.
    """
    return AnalyzerServicer([prepare(load_pack(pack_dir, stack))], **kwargs)


class AnalyzerServer:
    """A gRPC server around a servicer, bound to loopback unless told otherwise."""

    def __init__(
        self,
        servicer: AnalyzerServicer,
        bind: str = "127.0.0.1",
        port: int = 0,
        workers: int = DEFAULT_WORKERS,
    ):
        self.stopped = threading.Event()
        servicer.on_cancel = self.stopped.set
        self.servicer = servicer
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers), options=GRPC_OPTIONS)
        analyzer_pb2_grpc.add_AnalyzerServicer_to_server(servicer, self.server)
        self.port = self.server.add_insecure_port(f"{bind}:{port}")
        if self.port == 0:
            raise PolicyHostError(f"cannot listen on {bind}:{port}")

    def start(self) -> int:
        self.server.start()
        return self.port

    def stop(self, grace: float = 1.0) -> None:
        self.stopped.set()
        self.server.stop(grace).wait(grace + 1)
        self.servicer.close()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="policy-host serve",
        description="Serve policy packs as a Pulumi analyzer plugin (prints the port on stdout).",
    )
    p.add_argument(
        "engine_address", nargs="?", default="", help="the engine's address (ignored; no engine calls)"
    )
    p.add_argument("extra", nargs="*", help=argparse.SUPPRESS)
    p.add_argument("--pack", action="append", default=[], help="a policy pack directory (repeatable)")
    p.add_argument("--from-store", action="store_true", help="serve the stack's policy groups from the store")
    p.add_argument(
        "--isolate", action="store_true", help="serve every pack from its own virtualenv and process"
    )
    # Set by a parent host for the process it runs inside a pack's own environment: serve here, never
    # isolate again (a path requirement would otherwise look unmet forever).
    p.add_argument("--in-pack-environment", action="store_true", help=argparse.SUPPRESS)
    p.add_argument(
        "--policy-timeout", type=float, default=60.0, help="seconds one policy call may take (0 = none)"
    )
    p.add_argument(
        "--policy-timeout-mode",
        choices=["inline", "thread"],
        default="inline",
        help="inline: a watchdog interrupts an overrunning policy (no per-call cost); "
        "thread: policies run on a hand-off thread, so even one blocked in a C call is cut off",
    )
    p.add_argument("--bind", default="127.0.0.1", help="address to listen on (default loopback)")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="gRPC worker threads")
    # Flags the engine prepends (engine-protocol.md §5.3): accepted and ignored.
    p.add_argument("--logtostderr", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--logflow", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("-v", "--verbose", default=None, help=argparse.SUPPRESS)
    p.add_argument("--tracing", default=None, help=argparse.SUPPRESS)
    return p


def pack_dirs_from_environment() -> list[str]:
    raw = os.environ.get(PACKS_ENV, "")
    return [d for d in raw.split(os.pathsep) if d.strip()]


def serve_main(argv: Sequence[str] | None = None, default_packs: Sequence[str] = ()) -> int:
    """Run as an analyzer plugin process; returns the exit code."""
    args, _unknown = _parser().parse_known_args(argv)  # unknown leading flags are tolerated
    pack_dirs = args.pack or list(default_packs) or pack_dirs_from_environment()
    if not pack_dirs and not args.from_store:
        print(
            f"error: no policy packs to serve: pass --pack DIR, --from-store, or set {PACKS_ENV}",
            file=sys.stderr,
        )
        return 2
    try:
        timeout = args.policy_timeout or None
        if args.from_store:
            stack = stack_from_environment()
            if stack.project and stack.stack:  # language-host mode: the stack is known now
                servicer = AnalyzerServicer(
                    [], policy_timeout=timeout, timeout_mode=args.policy_timeout_mode, loader=groups_loader
                )
                servicer._install(*groups_loader(stack))
            else:  # executable mode: resolve when ConfigureStack names the stack
                servicer = AnalyzerServicer(
                    [], policy_timeout=timeout, timeout_mode=args.policy_timeout_mode, loader=groups_loader
                )
        else:
            servicer = AnalyzerServicer(
                load_packs(
                    pack_dirs,
                    isolate=args.isolate,
                    policy_timeout=timeout,
                    in_pack_environment=args.in_pack_environment,
                ),
                policy_timeout=timeout,
                timeout_mode=args.policy_timeout_mode,
            )
        server = AnalyzerServer(servicer, bind=args.bind, port=args.port, workers=args.workers)
        port = server.start()
    except PolicyHostError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1

    def _stop(signum: int, frame: object) -> None:
        server.stopped.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    server.stopped.wait()
    server.stop(grace=1.0)
    return 0
