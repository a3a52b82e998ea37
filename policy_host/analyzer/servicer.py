"""The ``pulumirpc.Analyzer`` servicer: protocol in, evaluation core, protocol out.

It holds one or more prepared packs. With one pack it is indistinguishable from ``pulumi_policy``'s
server except for the documented fixes. With several packs (policy groups) every diagnostic and
remediation carries its own pack's name and version; remediations chain across packs in pack-name order,
each pack seeing the previous one's output, as the engine chains separate packs.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime import proto

from .. import __version__
from ..engine.client import RpcFailure
from ..errors import InputError, PolicyHostError
from ..evaluate import EvalContext, PreparedPack, analyze, analyze_stack, build_policy_resources, remediate
from ..evaluate._decode import validation_view_from_struct
from ..model import AnalyzeResult, PackInfo, RemediateResult, StackContext
from ..packs.loader import configure_pulumi_runtime, pack_environment
from ..wire import convert
from .naming import split_config

log = logging.getLogger("policy_host.analyzer")

MAX_MESSAGE_BYTES = 400 * 1024 * 1024  # the engine's limit (engine-protocol.md §2)


def combined_info(packs: Sequence[PreparedPack]) -> PackInfo:
    """AnalyzerInfo for what this analyzer serves: the pack itself, or a union for several packs."""
    if len(packs) == 1:
        return packs[0].info
    policies = []
    for pack in packs:
        policies.extend(pack.info.policies)
    return PackInfo(
        name="policy-host",
        version=__version__,
        policies=tuple(policies),
        description="Policy packs served together by policy-host: "
        + ", ".join(f"{p.name}@{p.version}" for p in packs),
    )


def _analyze(pack: Any, resource: Any, ctx: EvalContext, view: Callable[[], Any]) -> AnalyzeResult:
    # In-process packs go through the evaluation core; isolated packs (own process) answer themselves.
    if isinstance(pack, PreparedPack):
        return analyze(pack, resource, ctx, view=view)
    return pack.analyze(resource, ctx)


def _analyze_stack(pack: Any, resources: Any, ctx: EvalContext, built: Callable[[], Any]) -> AnalyzeResult:
    if isinstance(pack, PreparedPack):
        return analyze_stack(pack, resources, ctx, policy_resources=built)
    return pack.analyze_stack(resources, ctx)


def _remediate(pack: Any, resource: Any, ctx: EvalContext) -> RemediateResult:
    return remediate(pack, resource, ctx) if isinstance(pack, PreparedPack) else pack.remediate(resource, ctx)


def _once(build: Callable[[], Any]) -> Callable[[], Any]:
    """A zero-argument function computing ``build()`` on first call only (one view for all packs)."""
    cell: list[Any] = []

    def get() -> Any:
        if not cell:
            cell.append(build())
        return cell[0]

    return get


class AnalyzerServicer(proto.AnalyzerServicer):
    """Serves prepared packs over the Analyzer protocol. Thread-safe; every RPC is independent."""

    def __init__(
        self,
        packs: Sequence[PreparedPack],
        *,
        policy_timeout: float | None = None,
        timeout_mode: str = "inline",
        on_cancel: Callable[[], None] | None = None,
        decorate: Callable[[str, Any, AnalyzeResult], None] | None = None,
        info: PackInfo | None = None,
        loader: Callable[[StackContext], tuple[list[PreparedPack], PackInfo, Any]] | None = None,
    ) -> None:
        """``packs`` to serve now, or none plus a ``loader`` that resolves them at ConfigureStack
        (executable mode with policy groups: the stack is known only then). ``info`` overrides the
        AnalyzerInfo derived from the packs; ``decorate`` post-processes results (exemptions)."""
        if not packs and loader is None:
            raise ValueError("an analyzer needs at least one pack")
        self.ctx = EvalContext(policy_timeout=policy_timeout, timeout_mode=timeout_mode)
        self.on_cancel = on_cancel
        self.stack = StackContext()
        self._loader = loader
        self._lock = threading.Lock()
        self.packs: list[PreparedPack] = []
        self._install(list(packs), info, decorate)

    def _install(self, packs: list[PreparedPack], info: PackInfo | None, decorate: Any) -> None:
        self.packs = packs
        self.remediation_order = sorted(packs, key=lambda p: p.name)
        self.decorate = decorate  # hook for exemptions: (rpc, resource(s), result) -> None
        if info is None and packs:
            info = combined_info(packs)
        # A stack whose groups hold no packs gets an analyzer with no policies, not an error.
        self._info = convert.pack_info_to_proto(info) if info is not None else None

    # -- lifecycle ---------------------------------------------------------------------------------

    def Handshake(self, request: Any, context: Any) -> Any:
        return proto.AnalyzerHandshakeResponse()

    def ConfigureStack(self, request: Any, context: Any) -> Any:
        """Keep stack tags and, unlike the reference (§9 #7), make project/stack/dry-run/config visible
        to ``pulumi.Config()``, ``get_stack()`` and ``is_dry_run()`` even in executable mode."""
        stack = convert.stack_context_from_proto(request)
        with self._lock:
            self.stack = stack
            if self._loader is not None and not self.packs:
                try:
                    self._install(*self._loader(stack))
                except PolicyHostError as e:
                    return _abort(context, grpc.StatusCode.FAILED_PRECONDITION, f"policy-host: {e}")
            env = pack_environment(stack)
            if stack.project and stack.stack:
                os.environ.update(env)
                configure_pulumi_runtime()
            for pack in self.packs:
                if isinstance(pack, PreparedPack):
                    pack.set_stack_tags(stack.tags)
                else:  # an isolated pack's own host configures its runtime too
                    pack.configure_stack(stack)
        return proto.AnalyzerStackConfigureResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return proto.PluginInfo(version=__version__)

    def GetAnalyzerInfo(self, request: Any, context: Any) -> Any:
        if self._info is None:
            return _abort(
                context,
                grpc.StatusCode.FAILED_PRECONDITION,
                "policy-host: no packs yet (send ConfigureStack first)",
            )
        return self._info

    def Configure(self, request: Any, context: Any) -> Any:
        try:
            config = convert.configure_from_proto(request)
        except ValueError as e:
            return _abort(context, grpc.StatusCode.INVALID_ARGUMENT, f"Configure: {e}")
        per_pack = split_config(self.packs, config)
        for pack in self.packs:
            pack.configure(per_pack[pack.name])
        return empty_pb2.Empty()

    def _finish_run(self) -> None:
        finish = getattr(self.decorate, "finish", None)
        if finish is not None:
            finish()

    def Cancel(self, request: Any, context: Any) -> Any:
        self._finish_run()  # a run that stopped before AnalyzeStack is still recorded
        if self.on_cancel is not None:
            self.on_cancel()
        return empty_pb2.Empty()

    # -- evaluation --------------------------------------------------------------------------------

    def _evaluation(self, context: Any, subject: str, body: Callable[[], Any]) -> Any:
        """The frame every evaluation RPC shares: packs must be loaded; a bad request is INVALID_ARGUMENT
        naming ``subject``; an isolated pack's failure is INTERNAL. The server keeps serving."""
        if self._info is None:
            return _abort(
                context,
                grpc.StatusCode.FAILED_PRECONDITION,
                "policy-host: no packs yet (send ConfigureStack first)",
            )
        try:
            return body()
        except InputError as e:
            return _abort(context, grpc.StatusCode.INVALID_ARGUMENT, f"{subject}: {e}")
        except RpcFailure as e:
            return _abort(context, grpc.StatusCode.INTERNAL, f"isolated pack: {e.engine_text()}")

    def _needs_plain_properties(self) -> bool:
        # Validators get properties decoded straight from the Struct; the plain dict form is built only
        # when something else reads it (exemption matching, isolated packs).
        return self.decorate is not None or not all(isinstance(p, PreparedPack) for p in self.packs)

    def Analyze(self, request: Any, context: Any) -> Any:
        def body() -> Any:
            resource = convert.resource_from_analyze_request(request, self._needs_plain_properties())
            view = _once(lambda: validation_view_from_struct(request.properties))  # one view, all packs
            merged = AnalyzeResult()
            for pack in self.packs:
                r = _analyze(pack, resource, self.ctx, view)
                merged.diagnostics.extend(r.diagnostics)
                merged.not_applicable.extend(r.not_applicable)
            if self.decorate is not None:
                self.decorate("Analyze", resource, merged)
            return convert.analyze_result_to_proto(merged)

        return self._evaluation(context, f"resource {request.urn}", body)

    def AnalyzeStack(self, request: Any, context: Any) -> Any:
        def body() -> Any:
            plain = self._needs_plain_properties()
            providers: dict[str, Any] = {}
            resources = [
                convert.resource_from_analyzer_resource(r, plain, providers) for r in request.resources
            ]
            # One PolicyResource graph for all packs, built only if a stack policy runs, with each
            # resource's outputs decoded lazily straight from its Struct.
            built = _once(
                lambda: build_policy_resources(
                    resources, [validation_view_from_struct(r.properties) for r in request.resources]
                )
            )
            merged = AnalyzeResult()
            for pack in self.packs:
                r = _analyze_stack(pack, resources, self.ctx, built)
                merged.diagnostics.extend(r.diagnostics)
                merged.not_applicable.extend(r.not_applicable)
            if self.decorate is not None:
                self.decorate("AnalyzeStack", resources, merged)
                self._finish_run()  # AnalyzeStack ends a preview or update
            return convert.analyze_result_to_proto(merged)

        return self._evaluation(context, "AnalyzeStack", body)

    def Remediate(self, request: Any, context: Any) -> Any:
        def body() -> Any:
            resource = convert.resource_from_analyze_request(request)
            merged = RemediateResult()
            for pack in self.remediation_order:  # each pack sees the previous one's output
                r = _remediate(pack, resource, self.ctx)
                merged.remediations.extend(r.remediations)
                merged.not_applicable.extend(r.not_applicable)
                for rem in r.remediations:
                    if rem.properties is not None:
                        resource.properties = rem.properties
            return convert.remediate_result_to_proto(merged)

        return self._evaluation(context, f"resource {request.urn}", body)

    def close(self) -> None:
        """Stop isolated packs' processes (in-process packs need nothing)."""
        for pack in self.packs:
            if not isinstance(pack, PreparedPack):
                pack.close()


def _abort(context: Any, code: grpc.StatusCode, message: str) -> Any:
    log.warning("%s", message)
    if context is None:  # in-process callers get the error as an exception
        raise InputError(message)
    context.abort(code, message)
