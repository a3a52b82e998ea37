"""A minimal ``pulumirpc.Engine`` server: the address every pack process is handed as ``<engine-addr>``.

The real CLI serves Log, GetRootResource, SetRootResource, StartDebugging and RequirePulumiVersion
(``pkg/host/host_server.go``). Packs rarely call it (``pulumi.log`` inside a policy does), so we log
every message for display and answer the rest trivially. Binds to 127.0.0.1 only.
"""

from __future__ import annotations

import threading
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

_SEVERITIES = {
    engine_pb2.DEBUG: "debug",
    engine_pb2.INFO: "info",
    engine_pb2.WARNING: "warning",
    engine_pb2.ERROR: "error",
}


@dataclass(frozen=True)
class LogEntry:
    """One ``Engine.Log`` call."""

    severity: str  # debug | info | warning | error
    message: str
    urn: str = ""
    stream_id: int = 0
    ephemeral: bool = False


class _EngineServicer(engine_pb2_grpc.EngineServicer):
    def __init__(self, owner: EngineServer):
        self._owner = owner

    def Log(self, request: Any, context: Any) -> Any:
        self._owner._record(
            LogEntry(
                severity=_SEVERITIES.get(request.severity, "info"),
                message=request.message,
                urn=request.urn,
                stream_id=request.streamId,
                ephemeral=request.ephemeral,
            )
        )
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=self._owner.root_urn)

    def SetRootResource(self, request: Any, context: Any) -> Any:
        self._owner.root_urn = request.urn
        return engine_pb2.SetRootResourceResponse()

    def StartDebugging(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    def RequirePulumiVersion(self, request: Any, context: Any) -> Any:
        # We stand in for "a recent CLI"; accepting every range keeps packs that pin a version working.
        return engine_pb2.RequirePulumiVersionResponse()


class EngineServer:
    """Start with :meth:`start`, hand :attr:`address` to packs, read :meth:`logs`, then :meth:`stop`."""

    def __init__(self, root_urn: str = "", on_log: Any = None):
        self.root_urn = root_urn
        self._on_log = on_log
        self._logs: list[LogEntry] = []
        self._lock = threading.Lock()
        self._server: grpc.Server | None = None
        self._port = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self._port}"

    def start(self) -> EngineServer:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="engine-rpc"))
        engine_pb2_grpc.add_EngineServicer_to_server(_EngineServicer(self), server)
        self._port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(grace=None)
            self._server = None

    def logs(self) -> list[LogEntry]:
        with self._lock:
            return list(self._logs)

    def _record(self, entry: LogEntry) -> None:
        with self._lock:
            self._logs.append(entry)
        if self._on_log is not None:
            self._on_log(entry)

    def __enter__(self) -> EngineServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
