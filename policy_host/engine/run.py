"""The engine's sequence over a set of packs and a stack's resources (``engine-protocol.md`` §6, §12).

1. start the ``pulumirpc.Engine`` server; load every pack concurrently (the first failure stops the run);
2. per pack: reconcile config (schema defaults < ``initialConfig`` < file), validate it (all packs' errors
   sorted, then ``validating policy config`` and stop), ``Configure`` when the pack supports config;
3. per resource in registration order: ``Remediate`` on each pack in turn (returned properties *replace*
   the inputs; a remediation carrying only a diagnostic becomes an advisory violation), then ``Analyze`` on
   all packs in parallel with the final inputs (internal ``__`` keys stripped);
4. ``AnalyzeStack`` on all packs in parallel with the outputs, unless an error (or an ``up`` bail) came first;
5. shutdown: Cancel (5 s), close, SIGINT, SIGKILL after 5 s.

Preview semantics: every resource is analyzed; a mandatory violation fails the run with ``step generator
errored``. Up semantics: the first resource with a mandatory violation stops the run with
``resource <urn> is invalid``. Remediations are computed and reported; whether they are written anywhere is
the caller's business (``RunResult.final_inputs``).

Choices where the engine is not deterministic or not specified: packs remediate in command-line order (the
engine uses load-completion order), and results are recorded in command-line order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import PolicyHostError
from ..model import AnalyzeResult, Diagnostic, EnforcementLevel, RemediateResult, Resource, StackContext
from ..packs import config as pack_config
from ..sources.stack_export import strip_internal_keys
from ..sources.urn import urn_name, urn_type
from .client import RpcFailure
from .engine_server import EngineServer
from .launch import DEFAULT_PORT_TIMEOUT, OutputLine
from .results import (
    ANALYZE,
    ANALYZE_STACK,
    BAIL_CONFIG,
    BAIL_STEP_GENERATOR,
    REMEDIATE,
    LoadedPack,
    NotApplicableRecord,
    PackSpec,
    RemediationRecord,
    RunResult,
    Summary,
    Violation,
)
from .rules import DisabledDiagnosticError, attribute_stack_urn, normalise_diagnostic, summarise
from .session import PackSession, ServicerFactory, load_pack

__all__ = [
    "LoadedPack",
    "NotApplicableRecord",
    "PackSpec",
    "RemediationRecord",
    "RunOptions",
    "RunResult",
    "Summary",
    "Violation",
    "run",
]


@dataclass
class RunOptions:
    """How to run: stack identity, preview or up, launch mode and limits."""

    stack: StackContext = field(default_factory=StackContext)
    root_urn: str = ""
    preview: bool = True
    port_timeout: float = DEFAULT_PORT_TIMEOUT
    in_process: bool = False
    servicer_factory: ServicerFactory | None = None
    on_output: Callable[[OutputLine], None] | None = None


class _Stop(Exception):
    """Internal: the run ends here (an error or a bail has been recorded)."""


def run(
    packs: Sequence[PackSpec],
    inputs: Sequence[Resource],
    outputs: Sequence[Resource],
    options: RunOptions | None = None,
) -> RunResult:
    """Run ``packs`` over a stack: ``inputs`` for Remediate/Analyze, ``outputs`` for AnalyzeStack.

    Never raises for pack misbehaviour: failures land in ``RunResult.errors`` (engine texts).
    """
    options = options or RunOptions()
    stack = replace(options.stack, dry_run=options.preview)
    result = RunResult(preview=options.preview, stack_urn=options.root_urn)
    sessions: list[PackSession] = []
    engine = EngineServer(root_urn=options.root_urn).start()
    try:
        sessions = _load_all(packs, engine.address, stack, options, result)
        _configure_all(sessions, result)
        _analyze_resources(sessions, list(inputs), options, result)
        _analyze_stack(sessions, list(outputs), options, result)
        if options.preview and result.has_mandatory:
            result.bail = BAIL_STEP_GENERATOR
    except _Stop:
        pass
    finally:
        _shutdown(sessions)
        for session in sessions:
            result.plugin_output.extend(session.output())
        result.logs = engine.logs()
        engine.stop()
    return result


# ---------------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------------


def _load_all(
    packs: Sequence[PackSpec], address: str, stack: StackContext, options: RunOptions, result: RunResult
) -> list[PackSession]:
    def load(spec: PackSpec) -> PackSession | PolicyHostError:
        try:
            return load_pack(
                spec,
                address,
                stack,
                port_timeout=options.port_timeout,
                on_output=options.on_output,
                in_process=options.in_process,
                servicer_factory=options.servicer_factory,
            )
        except PolicyHostError as e:
            return e

    outcomes = _parallel(load, list(packs))
    sessions = [o for o in outcomes if isinstance(o, PackSession)]
    failures = [o for o in outcomes if not isinstance(o, PackSession)]
    if failures:
        result.errors.append(str(failures[0]))  # the engine stops at the first load error
        _shutdown(sessions)
        for outcome in outcomes:
            if isinstance(outcome, PackSession):
                result.plugin_output.extend(outcome.output())
            else:
                result.plugin_output.extend(getattr(outcome, "plugin_output", ()))
        raise _Stop
    result.packs = [s.loaded for s in sessions if s.loaded is not None]
    return sessions


def _configure_all(sessions: list[PackSession], result: RunResult) -> None:
    problems: list[str] = []
    resolved_per_pack = []
    for session in sessions:
        loaded = session.loaded
        assert loaded is not None
        spec = loaded.spec
        if spec.config and not loaded.info.supports_config:
            # A load error in the engine, before any config is looked at.
            result.errors.append(f'policy pack "{loaded.name}" at "{spec.path}" does not support config')
            raise _Stop
        resolved = pack_config.reconcile(loaded.info, spec.config or {})
        problems.extend(pack_config.validate(loaded.info, resolved))
        resolved_per_pack.append(resolved)
    if problems:
        result.errors.extend(sorted(problems))
        result.bail = BAIL_CONFIG
        raise _Stop
    for session, resolved in zip(sessions, resolved_per_pack, strict=True):
        loaded = session.loaded
        assert loaded is not None and session.client is not None
        loaded.config = resolved
        if loaded.info.supports_config and resolved:
            try:
                session.client.configure(resolved)
            except RpcFailure as e:
                result.errors.append(f'configuring policy pack "{loaded.name}": {e.details}')
                raise _Stop from None
            loaded.configured = True
            # The engine rewrites its cached levels from the config it sent.
            policies = tuple(
                replace(p, enforcement_level=resolved[p.name].enforcement_level)
                if p.name in resolved and resolved[p.name].enforcement_level is not None
                else p
                for p in loaded.info.policies
            )
            loaded.info = replace(loaded.info, policies=policies)


def _analyze_resources(
    sessions: list[PackSession], inputs: list[Resource], options: RunOptions, result: RunResult
) -> None:
    for resource in inputs:
        result.resources_analyzed.append(resource.urn)
        current = resource
        # Remediate: packs in turn, each seeing the previous pack's result.
        for session in sessions:
            loaded = session.loaded
            assert loaded is not None and session.client is not None
            try:
                answer = session.client.remediate(current)
            except RpcFailure as e:
                result.errors.append(f"failed to run remediation: {e.details}")
                raise _Stop from None
            current = _apply_remediations(loaded, current, answer, result)
        if current is not resource:
            result.final_inputs[resource.urn] = current.properties

        # Analyze: all packs at once on the final inputs, without internal keys.
        to_analyze = replace(current, properties=strip_internal_keys(current.properties))

        def analyze(session: PackSession, r: Resource = to_analyze) -> AnalyzeResult | RpcFailure:
            assert session.client is not None
            try:
                return session.client.analyze(r)
            except RpcFailure as e:
                return e

        answers = _parallel(analyze, sessions)
        mandatory = False
        for session, answer in zip(sessions, answers, strict=True):
            if isinstance(answer, RpcFailure):
                result.errors.append(f"failed to run policy: {answer.details}")
                raise _Stop
            loaded = session.loaded
            assert loaded is not None
            failed = []
            for diag in answer.diagnostics:
                violation = _violation(loaded, diag, resource.urn, ANALYZE, result)
                failed.append(diag.policy_name)
                mandatory = mandatory or violation.mandatory
            _record_not_applicable(loaded, answer, resource.urn, ANALYZE, result)
            result.summaries.append(
                summarise(
                    loaded.info, ANALYZE, resource.urn, failed, (n.policy_name for n in answer.not_applicable)
                )
            )
        if mandatory and not options.preview:
            result.bail = f"resource {resource.urn} is invalid"
            raise _Stop


def _apply_remediations(
    loaded: LoadedPack, current: Resource, answer: RemediateResult, result: RunResult
) -> Resource:
    named = []
    for rem in answer.remediations:
        named.append(rem.policy_name)
        if rem.diagnostic:
            # A remediation that could not run is an advisory violation, nothing changes.
            diag = Diagnostic(
                policy_name=rem.policy_name,
                pack_name=rem.pack_name or loaded.name,
                pack_version=loaded.version_of(rem.pack_version),
                description=rem.description,
                message=rem.diagnostic,
                urn=current.urn,
                level=EnforcementLevel.ADVISORY,
            )
            result.violations.append(Violation(diag, REMEDIATE, urn_type(current.urn), urn_name(current.urn)))
            continue
        # Properties replace the inputs wholesale; an absent property set replaces them with nothing,
        # exactly as the engine does (a host must never send that).
        after = rem.properties if rem.properties is not None else {}
        result.remediations.append(
            RemediationRecord(
                pack_name=rem.pack_name or loaded.name,
                pack_version=loaded.version_of(rem.pack_version),
                policy_name=rem.policy_name,
                description=rem.description,
                urn=current.urn,
                resource_type=current.type,
                resource_name=current.name,
                before=current.properties,
                after=after,
            )
        )
        current = replace(current, properties=after)
    for na in answer.not_applicable:
        result.not_applicable.append(
            NotApplicableRecord(loaded.name, na.policy_name, na.reason, current.urn, REMEDIATE)
        )
    result.summaries.append(
        summarise(loaded.info, REMEDIATE, current.urn, named, (n.policy_name for n in answer.not_applicable))
    )
    return current


def _analyze_stack(
    sessions: list[PackSession], outputs: list[Resource], options: RunOptions, result: RunResult
) -> None:
    def analyze_stack(session: PackSession) -> AnalyzeResult | RpcFailure:
        assert session.client is not None
        try:
            return session.client.analyze_stack(outputs)
        except RpcFailure as e:
            return e

    answers = _parallel(analyze_stack, sessions)
    known = {r.urn for r in outputs}
    result.stack_analyzed = True
    for session, answer in zip(sessions, answers, strict=True):
        if isinstance(answer, RpcFailure):
            result.errors.append(f"failed to analyze resources: {answer.details}")
            raise _Stop
        loaded = session.loaded
        assert loaded is not None
        failed = []
        for diag in answer.diagnostics:
            urn = attribute_stack_urn(diag.urn, known, options.root_urn)
            _violation(loaded, diag, urn, ANALYZE_STACK, result)
            failed.append(diag.policy_name)
        _record_not_applicable(loaded, answer, options.root_urn, ANALYZE_STACK, result)
        result.summaries.append(
            summarise(
                loaded.info,
                ANALYZE_STACK,
                options.root_urn,
                failed,
                (n.policy_name for n in answer.not_applicable),
            )
        )
    if any(v.mandatory and v.phase == ANALYZE_STACK for v in result.violations):
        result.bail = BAIL_STEP_GENERATOR


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _violation(loaded: LoadedPack, diag: Diagnostic, urn: str, phase: str, result: RunResult) -> Violation:
    try:
        normalised = normalise_diagnostic(diag, loaded.info, urn, loaded.version_of(diag.pack_version))
    except DisabledDiagnosticError as e:
        result.errors.append(str(e))
        raise _Stop from None
    violation = Violation(normalised, phase, urn_type(urn), urn_name(urn) if urn else "")
    result.violations.append(violation)
    return violation


def _record_not_applicable(
    loaded: LoadedPack, answer: AnalyzeResult, urn: str, phase: str, result: RunResult
) -> None:
    for na in answer.not_applicable:
        result.not_applicable.append(NotApplicableRecord(loaded.name, na.policy_name, na.reason, urn, phase))


def _parallel(fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    """Call ``fn`` on every item at once (different packs run simultaneously); results in input order."""
    if len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=len(items), thread_name_prefix="pack") as pool:
        return list(pool.map(fn, items))


def _shutdown(sessions: list[PackSession]) -> None:
    _parallel(lambda s: s.shutdown(), sessions)
