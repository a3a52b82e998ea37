"""Judging resources: Analyze, Remediate and AnalyzeStack semantics of pulumi_policy 1.21.0, done once.

Verdicts equal the reference's (reference-sdk.md §4, §5, §7, §8) except for the documented fixes:
- a resource is decoded once per call, not once per policy;
- a policy that raises yields a diagnostic naming the policy, pack and exception at the policy's
  reporting level (fails closed), instead of aborting the whole RPC with an opaque gRPC error;
- a policy that overruns ``EvalContext.policy_timeout`` is cut off and reported the same way;
- remediations: unknown reads give the "can't run remediation" diagnostic, secretness survives fresh
  ``dict`` copies, and an empty result is never emitted;
- typed policies (``policy_host.sdk``) that cannot apply to a resource type are not-applicable without
  decoding anything;
- the pack version in messages is the project file's version (the reference always says 0.0.1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.deserialize import serialize_properties
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError

from ..model import (
    AnalyzeResult,
    Diagnostic,
    EnforcementLevel,
    NotApplicable,
    RemediateResult,
    Remediation,
    Resource,
    ResourceOptions,
    Severity,
)
from ._decode import DecodeError, reapply_secrets, remediation_view, validation_view
from ._prepared import PackState, PreparedPack, PreparedPolicy
from ._runtime import run_awaitable, run_tasks


@dataclass
class EvalContext:
    """Per-call inputs that are not the resource: deadline and where violations are reported from."""

    policy_timeout: float | None = None  # seconds per policy call; None = no deadline
    timeout_mode: str = "inline"  # "inline" (watchdog interrupts the thread) or "thread" (hand-off)


# ------------------------------------------------------------------------------------------------
# Shared pieces
# ------------------------------------------------------------------------------------------------


def _report_level(level: EnforcementLevel) -> EnforcementLevel:
    # REMEDIATE is reported as MANDATORY in Analyze/AnalyzeStack (reference-sdk.md §5).
    return EnforcementLevel.MANDATORY if level is EnforcementLevel.REMEDIATE else level


def _options(opts: ResourceOptions) -> PolicyResourceOptions:
    ct = opts.custom_timeouts
    # The engine always sends customTimeouts (zeros when unset), so policies always see floats.
    timeouts = (
        PolicyCustomTimeouts(ct.create, ct.update, ct.delete) if ct else PolicyCustomTimeouts(0.0, 0.0, 0.0)
    )
    return PolicyResourceOptions(
        opts.protect,
        list(opts.ignore_changes),
        opts.delete_before_replace,
        list(opts.aliases),
        timeouts,
        list(opts.additional_secret_outputs),
        opts.parent,
    )


def _provider(resource: Resource) -> PolicyProviderResource | None:
    p = resource.provider
    if p is None:
        return None
    return PolicyProviderResource(p.type, validation_view(p.properties), p.urn, p.name)


def _unknown_message(kind: str, pack: PreparedPack, policy: PreparedPolicy, e: UnknownValueError) -> str:
    return f"can't run {kind} '{policy.name}' from policy pack '{pack.name}@v{pack.version}' during preview: {e.message}"


def _failure_message(
    pack: PreparedPack, policy: PreparedPolicy, e: BaseException | None, timeout: float = 0
) -> str:
    what = f"timed out after {timeout:g}s" if e is None else f"raised {type(e).__name__}: {e}"
    return (
        f"{policy.description}\npolicy '{policy.name}' from policy pack '{pack.name}@v{pack.version}' {what}"
    )


class _Reporter:
    """``report_violation`` for one call, re-bound to each policy in turn (one object per call)."""

    __slots__ = ("pack", "policy", "level", "out")

    def __init__(self, pack: PreparedPack) -> None:
        self.pack = pack
        self.policy: PreparedPolicy | None = None
        self.level = EnforcementLevel.ADVISORY
        self.out: list[Diagnostic] | None = None

    def bind(self, policy: PreparedPolicy, level: EnforcementLevel) -> None:
        self.policy = policy
        self.level = level
        self.out = None

    def __call__(self, message: str, urn: str | None = None) -> None:
        if message and not isinstance(message, str):
            raise TypeError("Expected message to be a string")
        if urn is not None and not isinstance(urn, str):
            raise TypeError("Expected urn to be a string")
        policy = self.policy
        assert policy is not None
        text = policy.description + "\n" + message if message else policy.description
        if self.out is None:
            self.out = []
        self.out.append(
            Diagnostic(
                policy_name=policy.name,
                pack_name=self.pack.name,
                pack_version=self.pack.version,
                description=policy.description,
                message=text,
                urn=urn or "",
                level=self.level,
                severity=policy.severity,
            )
        )


def _failure_diagnostic(
    pack: PreparedPack,
    policy: PreparedPolicy,
    level: EnforcementLevel,
    e: BaseException | None,
    timeout: float = 0,
) -> Diagnostic:
    return Diagnostic(
        policy_name=policy.name,
        pack_name=pack.name,
        pack_version=pack.version,
        description=policy.description,
        message=_failure_message(pack, policy, e, timeout),
        urn="",
        level=level,
        severity=policy.severity,
        error=True,
    )


def _unknown_diagnostic(pack: PreparedPack, policy: PreparedPolicy, e: UnknownValueError) -> Diagnostic:
    # The reference's text, always advisory, no severity, empty urn (reference-sdk.md §3).
    return Diagnostic(
        policy_name=policy.name,
        pack_name=pack.name,
        pack_version=pack.version,
        description=policy.description,
        message=_unknown_message("policy", pack, policy, e),
        urn="",
        level=EnforcementLevel.ADVISORY,
        severity=Severity.UNSPECIFIED,
    )


# An outcome of one policy: (diagnostics or None, not-applicable or None); None when there is nothing.
_Outcome = tuple[list[Diagnostic] | None, NotApplicable | None]


def _validate_step(
    pack: PreparedPack,
    runnable: Sequence[tuple[PreparedPolicy, EnforcementLevel]],
    args: Any,
    set_config: Callable[[Any, PreparedPolicy], None],
) -> Callable[[int], _Outcome | None]:
    """The per-policy step shared by Analyze and AnalyzeStack: bind, call, map exceptions to verdicts."""
    reporter = _Reporter(pack)

    def step(i: int) -> _Outcome | None:
        p, level = runnable[i]
        reporter.bind(p, level)
        set_config(args, p)
        try:
            result = p.call(args, reporter)
            if result is not None and isawaitable(result):
                run_awaitable(result)
        except UnknownValueError as e:
            return (reporter.out or []) + [_unknown_diagnostic(pack, p, e)], None
        except _NotApplicableError as e:
            return reporter.out, NotApplicable(p.name, e.reason or "")
        except DecodeError:
            raise  # a malformed value in the request (decoded lazily): the request is bad, not the policy
        except Exception as e:  # noqa: BLE001 - a policy's bug becomes a verdict, not a dead RPC
            return (reporter.out or []) + [_failure_diagnostic(pack, p, level, e)], None
        return None if reporter.out is None else (reporter.out, None)

    return step


def _run_validations(
    pack: PreparedPack,
    runnable: Sequence[tuple[PreparedPolicy, EnforcementLevel]],
    positions: Sequence[int],
    static_na: list[tuple[int, NotApplicable]],
    step: Callable[[int], _Outcome | None],
    ctx: EvalContext,
    result: AnalyzeResult,
) -> None:
    dynamic: list[tuple[int, NotApplicable]] = []

    def commit(i: int, outcome: _Outcome) -> None:
        diagnostics, na = outcome
        if diagnostics:
            result.diagnostics.extend(diagnostics)
        if na is not None:
            dynamic.append((positions[i], na))

    def on_timeout(i: int, timeout: float) -> _Outcome:
        p, level = runnable[i]
        return [_failure_diagnostic(pack, p, level, None, timeout)], None

    run_tasks(len(runnable), step, commit, ctx.policy_timeout, on_timeout, ctx.timeout_mode)
    result.not_applicable.extend(_merge_na(static_na, dynamic))


def _merge_na(
    static_na: list[tuple[int, NotApplicable]], dynamic: list[tuple[int, NotApplicable]]
) -> list[NotApplicable]:
    """Not-applicable entries in policy order, as the reference emits them."""
    if not dynamic:
        return [na for _, na in static_na]
    return [na for _, na in sorted(static_na + dynamic, key=lambda item: item[0])]


# ------------------------------------------------------------------------------------------------
# Analyze
# ------------------------------------------------------------------------------------------------


def _set_resource_config(state: PackState, pack: PreparedPack) -> Callable[[Any, PreparedPolicy], None]:
    properties = state.properties

    def set_config(args: ResourceValidationArgs, p: PreparedPolicy) -> None:
        # One args object serves every policy of the call; only the per-policy config differs
        # (a fresh copy each time, as the reference's get_config gives).
        props = properties.get(p.name)
        args._ResourceValidationArgs__config = dict(props) if props else {}  # noqa: SLF001

    return set_config


@dataclass(frozen=True)
class _Plan:
    """Which resource policies run for one resource type under one config state."""

    runnable: tuple[tuple[PreparedPolicy, EnforcementLevel], ...]
    positions: tuple[int, ...]
    static_na: tuple[tuple[int, NotApplicable], ...]


def _analyze_plan(pack: PreparedPack, state: PackState, rtype: str) -> _Plan:
    plan = state.analyze_plans.get(rtype)
    if plan is not None:
        return plan
    static_na: list[tuple[int, NotApplicable]] = []
    runnable: list[tuple[PreparedPolicy, EnforcementLevel]] = []
    positions: list[int] = []
    for index, p in enumerate(pack.resource_policies):
        level = state.levels[p.name]
        if level is EnforcementLevel.DISABLED:
            continue
        if not p.has_validation:
            static_na.append((index, NotApplicable(p.name, "Policy does not implement validate")))
            continue
        if p.types is not None and rtype not in p.types:
            static_na.append((index, NotApplicable(p.name, p.resource_reason)))
            continue
        if p.guard is not None and rtype not in p.guard:
            continue  # its leading type guard would return at once: same verdict, no call
        runnable.append((p, _report_level(level)))
        positions.append(index)
    plan = _Plan(tuple(runnable), tuple(positions), tuple(static_na))
    state.analyze_plans[rtype] = plan  # benign race: two threads may build the same plan
    return plan


def analyze(
    pack: PreparedPack,
    resource: Resource,
    ctx: EvalContext | None = None,
    *,
    view: Callable[[], Any] | None = None,
) -> AnalyzeResult:
    """Run the pack's resource policies over one resource's inputs (the Analyze RPC).

    ``view``, when given, returns the decoded ``args.props`` (the servicer builds it straight from the
    request's Struct, once for all packs); otherwise it is decoded from ``resource.properties``.
    """
    ctx = ctx or _DEFAULT_CONTEXT
    state = pack.state
    result = AnalyzeResult()
    rtype = resource.type
    plan = _analyze_plan(pack, state, rtype)
    runnable = plan.runnable
    if not runnable:
        result.not_applicable.extend(na for _, na in plan.static_na)
        return result

    # Decoded once for all policies of this call (the reference decodes per policy).
    args = ResourceValidationArgs(
        rtype,
        view() if view is not None else validation_view(resource.properties),
        resource.urn,
        resource.name,
        _options(resource.options),
        _provider(resource),
        None,
        pack.stack_tags,
    )
    step = _validate_step(pack, runnable, args, _set_resource_config(state, pack))
    _run_validations(pack, runnable, plan.positions, list(plan.static_na), step, ctx, result)
    return result


_DEFAULT_CONTEXT = EvalContext()


# ------------------------------------------------------------------------------------------------
# Remediate
# ------------------------------------------------------------------------------------------------


@dataclass
class _RemediationOutcome:
    remediation: Remediation | None = None
    not_applicable: NotApplicable | None = None
    new_props: dict[str, Any] | None = None  # wire-form inputs for the next policy


def remediate(pack: PreparedPack, resource: Resource, ctx: EvalContext | None = None) -> RemediateResult:
    """Run the pack's remediations over one resource's inputs (the Remediate RPC).

    Policies run in declaration order, each seeing the previous one's output; every remediation carries
    the complete new property set (internal ``__`` keys included).
    """
    ctx = ctx or _DEFAULT_CONTEXT
    state = pack.state
    result = RemediateResult()
    static_na: list[tuple[int, NotApplicable]] = []
    dynamic: list[tuple[int, NotApplicable]] = []
    runnable: list[PreparedPolicy] = []
    positions: list[int] = []
    for index, p in enumerate(pack.resource_policies):
        if state.levels[p.name] is not EnforcementLevel.REMEDIATE:
            continue
        if not p.has_remediation:
            static_na.append((index, NotApplicable(p.name, "Policy does not implement remediate")))
            continue
        if p.types is not None and resource.type not in p.types:
            static_na.append((index, NotApplicable(p.name, p.resource_reason)))
            continue
        runnable.append(p)
        positions.append(index)
    if not runnable:
        result.not_applicable.extend(na for _, na in static_na)
        return result

    opts = _options(resource.options)
    provider = _provider(resource)
    current: dict[str, Any] = {"props": resource.properties}

    def step(i: int) -> _RemediationOutcome:
        p = runnable[i]
        props, secret_paths = remediation_view(current["props"])
        args = ResourceValidationArgs(
            resource.type,
            props,
            resource.urn,
            resource.name,
            opts,
            provider,
            pack.policy_config(state, p.name),
            pack.stack_tags,
        )
        outcome = _RemediationOutcome()
        diagnostic = ""
        try:
            new_props = p.policy.remediate(args)
            if new_props is not None and isawaitable(new_props):
                new_props = run_awaitable(new_props)
            if new_props:  # an empty mapping means "no change" (reference-sdk.md §8)
                wire = reapply_secrets(dict(serialize_properties(new_props)), secret_paths)
                if wire:  # never emit an empty Remediation: the engine would wipe the inputs
                    outcome.new_props = wire
        except UnknownValueError as e:
            diagnostic = _unknown_message("remediation", pack, p, e)
        except _NotApplicableError as e:
            outcome.not_applicable = NotApplicable(p.name, e.reason or "")
        except Exception as e:  # noqa: BLE001
            diagnostic = _failure_message(pack, p, e)
        if outcome.new_props is not None or diagnostic:
            outcome.remediation = _remediation(pack, p, outcome.new_props, diagnostic)
        return outcome

    def commit(i: int, outcome: _RemediationOutcome) -> None:
        if outcome.new_props is not None:
            current["props"] = outcome.new_props
        if outcome.remediation is not None:
            result.remediations.append(outcome.remediation)
        if outcome.not_applicable is not None:
            dynamic.append((positions[i], outcome.not_applicable))

    def on_timeout(i: int, timeout: float) -> _RemediationOutcome:
        p = runnable[i]
        return _RemediationOutcome(
            remediation=_remediation(pack, p, None, _failure_message(pack, p, None, timeout))
        )

    run_tasks(len(runnable), step, commit, ctx.policy_timeout, on_timeout, ctx.timeout_mode)
    result.not_applicable.extend(_merge_na(static_na, dynamic))
    return result


def _remediation(
    pack: PreparedPack, p: PreparedPolicy, props: dict[str, Any] | None, diagnostic: str
) -> Remediation:
    return Remediation(
        policy_name=p.name,
        pack_name=pack.name,
        pack_version=pack.version,
        description=p.description,
        properties=props,
        diagnostic=diagnostic,
    )


# ------------------------------------------------------------------------------------------------
# AnalyzeStack
# ------------------------------------------------------------------------------------------------


def build_policy_resources(
    resources: Sequence[Resource], views: Sequence[Any] | None = None
) -> list[PolicyResource]:
    """``PolicyResource`` objects with parents/dependencies linked by identity (unknown URNs dropped).

    ``views`` (aligned with ``resources``) are already decoded ``props``; else each is decoded from
    ``resource.properties``. Provider views are built once per provider and shared.
    """
    built: list[PolicyResource] = []
    by_urn: dict[str, PolicyResource] = {}
    providers: dict[int, PolicyProviderResource | None] = {}
    for i, r in enumerate(resources):
        key = id(r.provider)
        if key not in providers:
            providers[key] = _provider(r)
        pr = PolicyResource(
            r.type,
            views[i] if views is not None else validation_view(r.properties),
            r.urn,
            r.name,
            _options(r.options),
            providers[key],
            None,
            [],
            {},
        )
        built.append(pr)
        by_urn[r.urn] = pr
    for r, pr in zip(resources, built, strict=True):
        if r.parent is not None and r.parent in by_urn:
            pr.parent = by_urn[r.parent]
        if r.dependencies:
            pr.dependencies.extend(by_urn[d] for d in r.dependencies if d in by_urn)
        for key, urns in r.property_dependencies.items():
            pr.property_dependencies[key] = [by_urn[d] for d in urns if d in by_urn]
    return built


def analyze_stack(
    pack: PreparedPack,
    resources: Sequence[Resource],
    ctx: EvalContext | None = None,
    *,
    policy_resources: Callable[[], list[PolicyResource]] | None = None,
) -> AnalyzeResult:
    """Run the pack's stack policies over all resources' outputs (the AnalyzeStack RPC).

    ``policy_resources``, when given, returns the already built ``PolicyResource`` list (the servicer
    builds it once, lazily, for all packs); else it is built from ``resources``.
    """
    ctx = ctx or _DEFAULT_CONTEXT
    state = pack.state
    result = AnalyzeResult()
    present_types = {r.type for r in resources}
    static_na: list[tuple[int, NotApplicable]] = []
    runnable: list[tuple[PreparedPolicy, EnforcementLevel]] = []
    positions: list[int] = []
    for index, p in enumerate(pack.stack_policies):
        level = state.levels[p.name]
        if level is EnforcementLevel.DISABLED:
            continue
        if p.types is not None and not (p.types & present_types):
            static_na.append((index, NotApplicable(p.name, p.stack_reason)))
            continue
        runnable.append((p, _report_level(level)))
        positions.append(index)
    if not runnable:
        result.not_applicable.extend(na for _, na in static_na)
        return result

    built = policy_resources() if policy_resources is not None else build_policy_resources(resources)
    args = StackValidationArgs(built, None, pack.stack_tags)

    def set_config(a: StackValidationArgs, p: PreparedPolicy) -> None:
        a._StackValidationArgs__config = pack.policy_config(state, p.name) or {}  # noqa: SLF001

    step = _validate_step(pack, runnable, args, set_config)
    _run_validations(pack, runnable, positions, static_na, step, ctx, result)
    return result
