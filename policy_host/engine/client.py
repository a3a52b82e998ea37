"""Analyzer clients: one method per ``pulumirpc.Analyzer`` RPC, taking and returning ``policy_host.model``.

:class:`AnalyzerClient` is the protocol the engine sequence (``run.py``) is written against. Two
implementations:

- :class:`GrpcAnalyzerClient` dials a pack process over loopback gRPC with the engine's 400 MiB message
  limits and its tolerance rules (Handshake retried while ``UNAVAILABLE`` up to 10 s, ``UNIMPLEMENTED``
  accepted for Handshake, ConfigureStack, Remediate, AnalyzeStack and Cancel);
- :class:`InProcessAnalyzerClient` calls a servicer object's methods directly (``--in-process``), with the
  same protobuf messages, so the same rules apply.

Failures surface as :class:`RpcFailure` carrying the gRPC status code name and details; ``run.py`` turns
them into the engine's messages.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, Protocol

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc

from ..model import (
    AnalyzeResult,
    PackInfo,
    PolicyConfigEntry,
    RemediateResult,
    Resource,
    StackContext,
)
from ..wire import convert

#: The engine's max message size for analyzer connections (``rpcutil.maxRPCMessageSize``).
MAX_MESSAGE_BYTES = 400 * 1024 * 1024
#: Dial + Ready + Handshake share this budget (``pluginRPCConnectionTimeout``).
CONNECT_TIMEOUT = 10.0
#: Cancel is given this long at shutdown (``host.go``).
CANCEL_TIMEOUT = 5.0

_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
]

# semver.ParseTolerant: optional "v", 1-3 numeric parts, optional pre-release and build metadata.
_SEMVER = re.compile(
    r"^v?(0|[1-9]\d*)(\.(0|[1-9]\d*)){0,2}"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)


class RpcFailure(Exception):
    """An RPC ended with a non-OK status. ``code`` is the status name (``"UNIMPLEMENTED"``, ...)."""

    def __init__(self, method: str, code: str, details: str):
        self.method = method
        self.code = code
        self.details = details
        super().__init__(f"{method}: {code}: {details}")

    @property
    def engine_text(self) -> str:
        """How Go's gRPC error prints: ``rpc error: code = Unknown desc = <details>``."""
        return f"rpc error: code = {_go_code_name(self.code)} desc = {self.details}"


def is_valid_plugin_version(version: str) -> bool:
    """``GetPluginInfo.version`` must be empty or parse as (tolerant) semver, else the load fails."""
    return version == "" or _SEMVER.match(version.strip()) is not None


class AnalyzerClient(Protocol):
    """The Analyzer protocol as the engine uses it. Every method may raise :class:`RpcFailure`."""

    def handshake(self, engine_address: str, root_directory: str, program_directory: str) -> None: ...

    def configure_stack(self, stack: StackContext) -> None: ...

    def get_plugin_info(self) -> str: ...

    def get_analyzer_info(self) -> PackInfo: ...

    def configure(self, config: dict[str, PolicyConfigEntry]) -> None: ...

    def analyze(self, resource: Resource) -> AnalyzeResult: ...

    def analyze_stack(self, resources: list[Resource]) -> AnalyzeResult: ...

    def remediate(self, resource: Resource) -> RemediateResult: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


class _ClientBase:
    """The conversions and tolerance rules; subclasses provide :meth:`_call`."""

    def _call(self, method: str, request: Any, timeout: float | None = None) -> Any:
        raise NotImplementedError

    def handshake(self, engine_address: str, root_directory: str, program_directory: str) -> None:
        req = proto.AnalyzerHandshakeRequest(engine_address=engine_address)
        if root_directory:
            req.root_directory = root_directory
        if program_directory:
            req.program_directory = program_directory
        deadline = time.monotonic() + CONNECT_TIMEOUT
        while True:
            try:
                self._call("Handshake", req, timeout=max(0.01, deadline - time.monotonic()))
                return
            except RpcFailure as e:
                if e.code == "UNIMPLEMENTED":
                    return
                if e.code in ("UNAVAILABLE", "DEADLINE_EXCEEDED") and time.monotonic() < deadline:
                    time.sleep(0.01)
                    continue
                raise

    def configure_stack(self, stack: StackContext) -> None:
        try:
            self._call("ConfigureStack", convert.stack_context_to_proto(stack))
        except RpcFailure as e:
            if e.code != "UNIMPLEMENTED":
                raise

    def get_plugin_info(self) -> str:
        return self._call("GetPluginInfo", empty_pb2.Empty()).version

    def get_analyzer_info(self) -> PackInfo:
        return convert.pack_info_from_proto(self._call("GetAnalyzerInfo", empty_pb2.Empty()))

    def configure(self, config: dict[str, PolicyConfigEntry]) -> None:
        self._call("Configure", convert.configure_request(config))

    def analyze(self, resource: Resource) -> AnalyzeResult:
        resp = self._call("Analyze", convert.analyze_request_from_resource(resource))
        return convert.analyze_result_from_proto(resp)

    def analyze_stack(self, resources: list[Resource]) -> AnalyzeResult:
        req = proto.AnalyzeStackRequest()
        req.resources.extend(convert.analyzer_resource_from_resource(r) for r in resources)
        try:
            resp = self._call("AnalyzeStack", req)
        except RpcFailure as e:
            if e.code == "UNIMPLEMENTED":
                return AnalyzeResult()
            raise
        return convert.analyze_result_from_proto(resp)

    def remediate(self, resource: Resource) -> RemediateResult:
        try:
            resp = self._call("Remediate", convert.analyze_request_from_resource(resource))
        except RpcFailure as e:
            if e.code == "UNIMPLEMENTED":
                return RemediateResult()
            raise
        return convert.remediate_result_from_proto(resp)

    def cancel(self) -> None:
        try:
            self._call("Cancel", empty_pb2.Empty(), timeout=CANCEL_TIMEOUT)
        except RpcFailure as e:
            if e.code != "UNIMPLEMENTED":
                raise

    def close(self) -> None:
        pass


class GrpcAnalyzerClient(_ClientBase):
    """Talks to a pack process at ``127.0.0.1:<port>``."""

    def __init__(self, address: str):
        self.address = address
        self._channel = grpc.insecure_channel(address, options=_CHANNEL_OPTIONS)
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)

    def wait_ready(self, timeout: float = CONNECT_TIMEOUT) -> None:
        """Block until the channel connects (the engine's dial + Ready step)."""
        grpc.channel_ready_future(self._channel).result(timeout=timeout)

    def _call(self, method: str, request: Any, timeout: float | None = None) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=timeout)
        except grpc.RpcError as e:
            code = e.code() if hasattr(e, "code") else grpc.StatusCode.UNKNOWN
            details = e.details() if hasattr(e, "details") else str(e)
            raise RpcFailure(method, code.name, details or "") from None

    def close(self) -> None:
        self._channel.close()


class _InProcessContext:
    """Just enough of ``grpc.ServicerContext`` for servicers that set codes or abort."""

    def __init__(self) -> None:
        self.code: grpc.StatusCode | None = None
        self.details_text = ""

    def set_code(self, code: grpc.StatusCode) -> None:
        self.code = code

    def set_details(self, details: str) -> None:
        self.details_text = details

    def abort(self, code: grpc.StatusCode, details: str) -> None:
        self.code, self.details_text = code, details
        raise _Aborted()

    def is_active(self) -> bool:
        return True

    def time_remaining(self) -> float | None:
        return None

    def invocation_metadata(self) -> tuple:
        return ()

    def peer(self) -> str:
        return "in-process"


class _Aborted(Exception):
    pass


class InProcessAnalyzerClient(_ClientBase):
    """Calls ``servicer.<Method>(request, context)`` directly; messages still round-trip through bytes,
    so a servicer that builds an unserialisable response fails here as it would over the wire."""

    def __init__(self, servicer: Any, on_close: Callable[[], None] | None = None):
        self._servicer = servicer
        self._on_close = on_close

    def _call(self, method: str, request: Any, timeout: float | None = None) -> Any:
        fn = getattr(self._servicer, method, None)
        if fn is None:
            raise RpcFailure(method, "UNIMPLEMENTED", "Method not implemented!")
        context = _InProcessContext()
        request = type(request).FromString(request.SerializeToString())
        try:
            response = fn(request, context)
        except _Aborted:
            raise RpcFailure(
                method, (context.code or grpc.StatusCode.UNKNOWN).name, context.details_text
            ) from None
        except NotImplementedError as e:
            # The generated base servicer sets UNIMPLEMENTED and raises NotImplementedError.
            code = context.code or grpc.StatusCode.UNIMPLEMENTED
            raise RpcFailure(
                method, code.name, context.details_text or str(e) or "Method not implemented!"
            ) from None
        except Exception as e:  # noqa: BLE001 - a servicer bug is an RPC failure, like grpc reports it
            raise RpcFailure(method, "UNKNOWN", f"Exception calling application: {e}") from None
        if context.code is not None and context.code != grpc.StatusCode.OK:
            raise RpcFailure(method, context.code.name, context.details_text)
        if response is None:
            raise RpcFailure(method, "UNKNOWN", "servicer returned no response")
        return type(response).FromString(response.SerializeToString())

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()


_GO_CODE_NAMES = {
    "OK": "OK",
    "CANCELLED": "Canceled",
    "UNKNOWN": "Unknown",
    "INVALID_ARGUMENT": "InvalidArgument",
    "DEADLINE_EXCEEDED": "DeadlineExceeded",
    "NOT_FOUND": "NotFound",
    "ALREADY_EXISTS": "AlreadyExists",
    "PERMISSION_DENIED": "PermissionDenied",
    "RESOURCE_EXHAUSTED": "ResourceExhausted",
    "FAILED_PRECONDITION": "FailedPrecondition",
    "ABORTED": "Aborted",
    "OUT_OF_RANGE": "OutOfRange",
    "UNIMPLEMENTED": "Unimplemented",
    "INTERNAL": "Internal",
    "UNAVAILABLE": "Unavailable",
    "DATA_LOSS": "DataLoss",
    "UNAUTHENTICATED": "Unauthenticated",
}


def _go_code_name(code: str) -> str:
    return _GO_CODE_NAMES.get(code, code.title())
