"""Analyzer protobuf messages <-> ``policy_host.model`` objects.

Field names and numbers: ``pulumi/runtime/proto/analyzer_pb2`` from the ``pulumi`` wheel (the
protocol's source of truth). Enum numbers: EnforcementLevel ADVISORY=0 MANDATORY=1 DISABLED=2
REMEDIATE=3; PolicySeverity UNSPECIFIED=0 LOW=1 MEDIUM=2 HIGH=3 CRITICAL=4.
"""

from __future__ import annotations

from typing import Any

from pulumi.runtime import proto

from ..model import (
    AnalyzeResult,
    ConfigSchema,
    CustomTimeouts,
    Diagnostic,
    EnforcementLevel,
    Framework,
    NotApplicable,
    PackInfo,
    PolicyConfigEntry,
    PolicyInfo,
    PolicyType,
    ProviderRef,
    RemediateResult,
    Remediation,
    Resource,
    ResourceOptions,
    Severity,
    StackContext,
)
from .struct import python_to_struct, struct_to_python

LEVEL_TO_PROTO = {
    EnforcementLevel.ADVISORY: proto.ADVISORY,
    EnforcementLevel.MANDATORY: proto.MANDATORY,
    EnforcementLevel.DISABLED: proto.DISABLED,
    EnforcementLevel.REMEDIATE: proto.REMEDIATE,
}
PROTO_TO_LEVEL = {v: k for k, v in LEVEL_TO_PROTO.items()}

SEVERITY_TO_PROTO = {
    Severity.UNSPECIFIED: proto.POLICY_SEVERITY_UNSPECIFIED,
    Severity.LOW: proto.POLICY_SEVERITY_LOW,
    Severity.MEDIUM: proto.POLICY_SEVERITY_MEDIUM,
    Severity.HIGH: proto.POLICY_SEVERITY_HIGH,
    Severity.CRITICAL: proto.POLICY_SEVERITY_CRITICAL,
}
PROTO_TO_SEVERITY = {v: k for k, v in SEVERITY_TO_PROTO.items()}

POLICY_TYPE_TO_PROTO = {
    PolicyType.UNKNOWN: proto.PolicyType.POLICY_TYPE_UNKNOWN,
    PolicyType.RESOURCE: proto.PolicyType.POLICY_TYPE_RESOURCE,
    PolicyType.STACK: proto.PolicyType.POLICY_TYPE_STACK,
}
PROTO_TO_POLICY_TYPE = {v: k for k, v in POLICY_TYPE_TO_PROTO.items()}


def level_from_proto(value: int) -> EnforcementLevel:
    try:
        return PROTO_TO_LEVEL[value]
    except KeyError:
        raise ValueError(f"invalid enforcement level {value}") from None


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------


def options_from_proto(opts: Any) -> ResourceOptions:
    timeouts = None
    if opts.HasField("customTimeouts"):
        ct = opts.customTimeouts
        timeouts = CustomTimeouts(ct.create, ct.update, ct.delete, ct.read)
    return ResourceOptions(
        protect=opts.protect,
        ignore_changes=tuple(opts.ignoreChanges),
        delete_before_replace=opts.deleteBeforeReplace if opts.deleteBeforeReplaceDefined else None,
        aliases=tuple(opts.aliases),
        custom_timeouts=timeouts,
        additional_secret_outputs=tuple(opts.additionalSecretOutputs),
        parent=opts.parent or None,
    )


def options_to_proto(opts: ResourceOptions, out: Any) -> None:
    out.protect = opts.protect
    out.ignoreChanges.extend(opts.ignore_changes)
    if opts.delete_before_replace is not None:
        out.deleteBeforeReplace = opts.delete_before_replace
        out.deleteBeforeReplaceDefined = True
    out.aliases.extend(opts.aliases)
    # The engine always sends customTimeouts (zeros when unset).
    ct = opts.custom_timeouts or CustomTimeouts()
    out.customTimeouts.create = ct.create
    out.customTimeouts.update = ct.update
    out.customTimeouts.delete = ct.delete
    out.customTimeouts.read = ct.read
    out.additionalSecretOutputs.extend(opts.additional_secret_outputs)
    if opts.parent:
        out.parent = opts.parent


def provider_from_proto(msg: Any) -> ProviderRef | None:
    if not msg.HasField("provider"):
        return None
    p = msg.provider
    return ProviderRef(type=p.type, urn=p.urn, name=p.name, properties=struct_to_python(p.properties))


def resource_from_analyze_request(req: Any, with_properties: bool = True) -> Resource:
    """AnalyzeRequest (Analyze/Remediate) -> Resource with inputs.

    ``with_properties=False`` leaves ``properties`` empty for callers that decode the Struct themselves.
    """
    return Resource(
        type=req.type,
        urn=req.urn,
        name=req.name,
        properties=struct_to_python(req.properties) if with_properties else {},
        options=options_from_proto(req.options),
        provider=provider_from_proto(req),
    )


def resource_from_analyzer_resource(
    r: Any, with_properties: bool = True, providers: dict[str, ProviderRef] | None = None
) -> Resource:
    """AnalyzerResource (AnalyzeStack) -> Resource with outputs and graph links.

    ``providers`` caches provider references by URN across one request (thousands of resources usually
    share a handful of providers); ``with_properties=False`` leaves ``properties`` empty.
    """
    provider = None
    if r.HasField("provider"):
        urn = r.provider.urn
        cached = providers.get(urn) if providers is not None and urn else None
        provider = cached or provider_from_proto(r)
        if providers is not None and urn and cached is None:
            providers[urn] = provider
    return Resource(
        type=r.type,
        urn=r.urn,
        name=r.name,
        properties=struct_to_python(r.properties) if with_properties else {},
        options=options_from_proto(r.options),
        provider=provider,
        parent=r.parent or None,
        dependencies=tuple(r.dependencies),
        property_dependencies={k: tuple(v.urns) for k, v in r.propertyDependencies.items()},
    )


def _fill_common(msg: Any, res: Resource) -> None:
    msg.type = res.type
    msg.urn = res.urn
    msg.name = res.name
    python_to_struct(res.properties, msg.properties)
    options_to_proto(res.options, msg.options)
    if res.provider is not None:
        msg.provider.type = res.provider.type
        msg.provider.urn = res.provider.urn
        msg.provider.name = res.provider.name
        python_to_struct(res.provider.properties, msg.provider.properties)


def analyze_request_from_resource(res: Resource) -> Any:
    req = proto.AnalyzeRequest()
    _fill_common(req, res)
    return req


def analyzer_resource_from_resource(res: Resource) -> Any:
    msg = proto.AnalyzerResource()
    _fill_common(msg, res)
    if res.parent:
        msg.parent = res.parent
    msg.dependencies.extend(res.dependencies)
    for key, urns in res.property_dependencies.items():
        if key and urns:
            msg.propertyDependencies[key].urns.extend(urns)
    return msg


def stack_context_from_proto(req: Any) -> StackContext:
    return StackContext(
        organization=req.organization,
        project=req.project,
        stack=req.stack,
        dry_run=req.dry_run,
        config=dict(req.config),
        config_secret_keys=tuple(req.config_secret_keys),
        tags=dict(req.tags),
    )


def stack_context_to_proto(ctx: StackContext) -> Any:
    req = proto.AnalyzerStackConfigureRequest(
        stack=ctx.stack,
        project=ctx.project,
        organization=ctx.organization,
        dry_run=ctx.dry_run,
    )
    req.config_secret_keys.extend(ctx.config_secret_keys)
    for k, v in ctx.config.items():
        req.config[k] = v
    for k, v in ctx.tags.items():
        req.tags[k] = v
    return req


# ---------------------------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------------------------


def diagnostic_to_proto(d: Diagnostic) -> Any:
    return proto.AnalyzeDiagnostic(
        policyName=d.policy_name,
        policyPackName=d.pack_name,
        policyPackVersion=d.pack_version,
        description=d.description,
        message=d.message,
        urn=d.urn,
        enforcementLevel=LEVEL_TO_PROTO[d.level],
        severity=SEVERITY_TO_PROTO[d.severity],
    )


def diagnostic_from_proto(m: Any) -> Diagnostic:
    return Diagnostic(
        policy_name=m.policyName,
        pack_name=m.policyPackName,
        pack_version=m.policyPackVersion,
        description=m.description,
        message=m.message,
        urn=m.urn,
        level=level_from_proto(m.enforcementLevel),
        severity=PROTO_TO_SEVERITY.get(m.severity, Severity.UNSPECIFIED),
    )


def _not_applicable_to_proto(items: list[NotApplicable]) -> list[Any]:
    return [proto.PolicyNotApplicable(policy_name=n.policy_name, reason=n.reason) for n in items]


def _not_applicable_from_proto(items: Any) -> list[NotApplicable]:
    return [NotApplicable(n.policy_name, n.reason) for n in items]


def analyze_result_to_proto(result: AnalyzeResult) -> Any:
    resp = proto.AnalyzeResponse()
    resp.diagnostics.extend(diagnostic_to_proto(d) for d in result.diagnostics)
    resp.not_applicable.extend(_not_applicable_to_proto(result.not_applicable))
    return resp


def analyze_result_from_proto(resp: Any) -> AnalyzeResult:
    return AnalyzeResult(
        diagnostics=[diagnostic_from_proto(d) for d in resp.diagnostics],
        not_applicable=_not_applicable_from_proto(resp.not_applicable),
    )


def remediation_to_proto(r: Remediation) -> Any:
    msg = proto.Remediation(
        policyName=r.policy_name,
        policyPackName=r.pack_name,
        policyPackVersion=r.pack_version,
        description=r.description,
        diagnostic=r.diagnostic,
    )
    if r.properties is not None:
        python_to_struct(r.properties, msg.properties)
    return msg


def remediate_result_to_proto(result: RemediateResult) -> Any:
    resp = proto.RemediateResponse()
    resp.remediations.extend(remediation_to_proto(r) for r in result.remediations)
    resp.not_applicable.extend(_not_applicable_to_proto(result.not_applicable))
    return resp


def remediate_result_from_proto(resp: Any) -> RemediateResult:
    return RemediateResult(
        remediations=[
            Remediation(
                policy_name=m.policyName,
                pack_name=m.policyPackName,
                pack_version=m.policyPackVersion,
                description=m.description,
                properties=struct_to_python(m.properties) if m.HasField("properties") else None,
                diagnostic=m.diagnostic,
            )
            for m in resp.remediations
        ],
        not_applicable=_not_applicable_from_proto(resp.not_applicable),
    )


# ---------------------------------------------------------------------------------------------
# Pack metadata
# ---------------------------------------------------------------------------------------------


def _config_entry_to_proto(entry: PolicyConfigEntry) -> Any:
    cfg = proto.PolicyConfig()
    if entry.enforcement_level is not None:
        cfg.enforcementLevel = LEVEL_TO_PROTO[entry.enforcement_level]
    if entry.properties:
        cfg.properties.update(entry.properties)
    return cfg


def pack_info_to_proto(info: PackInfo) -> Any:
    msg = proto.AnalyzerInfo(name=info.name, version=info.version, supportsConfig=info.supports_config)
    if info.description:
        msg.description = info.description
    if info.display_name:
        msg.displayName = info.display_name
    if info.readme:
        msg.readme = info.readme
    if info.provider:
        msg.provider = info.provider
    msg.tags.extend(info.tags)
    if info.repository:
        msg.repository = info.repository
    for key, entry in info.initial_config.items():
        msg.initialConfig[key].CopyFrom(_config_entry_to_proto(entry))
    for p in info.policies:
        pi = proto.PolicyInfo(
            name=p.name,
            description=p.description,
            enforcementLevel=LEVEL_TO_PROTO[p.enforcement_level],
            policy_type=POLICY_TYPE_TO_PROTO[p.policy_type],
            severity=SEVERITY_TO_PROTO[p.severity],
        )
        if p.display_name:
            pi.displayName = p.display_name
        if p.message:
            pi.message = p.message
        if p.config_schema is not None:
            if p.config_schema.properties:
                pi.configSchema.properties.update(p.config_schema.properties)
            if p.config_schema.required:
                pi.configSchema.required.extend(p.config_schema.required)
        if p.framework is not None:
            for attr in ("name", "version", "reference", "specification"):
                value = getattr(p.framework, attr)
                if value:
                    setattr(pi.framework, attr, value)
        pi.tags.extend(p.tags)
        if p.remediation_steps:
            pi.remediation_steps = p.remediation_steps
        if p.url:
            pi.url = p.url
        msg.policies.append(pi)
    return msg


def pack_info_from_proto(msg: Any) -> PackInfo:
    """AnalyzerInfo -> PackInfo. Raises ValueError on an invalid enforcement level number."""
    policies = []
    for p in msg.policies:
        schema = None
        if p.HasField("configSchema"):
            schema = ConfigSchema(
                properties=struct_to_python(p.configSchema.properties),
                required=tuple(p.configSchema.required),
            )
        framework = None
        if p.HasField("framework"):
            f = p.framework
            framework = Framework(f.name, f.version, f.reference, f.specification)
        policies.append(
            PolicyInfo(
                name=p.name,
                description=p.description,
                policy_type=PROTO_TO_POLICY_TYPE.get(p.policy_type, PolicyType.UNKNOWN),
                enforcement_level=level_from_proto(p.enforcementLevel),
                display_name=p.displayName,
                message=p.message,
                config_schema=schema,
                severity=PROTO_TO_SEVERITY.get(p.severity, Severity.UNSPECIFIED),
                framework=framework,
                tags=tuple(p.tags),
                remediation_steps=p.remediation_steps,
                url=p.url,
            )
        )
    initial = {}
    for key, cfg in msg.initialConfig.items():
        initial[key] = PolicyConfigEntry(
            enforcement_level=level_from_proto(cfg.enforcementLevel),
            properties=struct_to_python(cfg.properties),
        )
    return PackInfo(
        name=msg.name,
        version=msg.version,
        policies=tuple(policies),
        display_name=msg.displayName,
        description=msg.description,
        readme=msg.readme,
        provider=msg.provider,
        tags=tuple(msg.tags),
        repository=msg.repository,
        supports_config=msg.supportsConfig,
        initial_config=initial,
    )


def configure_request(config: dict[str, PolicyConfigEntry]) -> Any:
    """Build a ConfigureAnalyzerRequest from a resolved config map."""
    req = proto.ConfigureAnalyzerRequest()
    for key, entry in config.items():
        req.policyConfig[key].CopyFrom(_config_entry_to_proto(entry))
    return req


def configure_from_proto(req: Any) -> dict[str, PolicyConfigEntry]:
    out = {}
    for key, cfg in req.policyConfig.items():
        out[key] = PolicyConfigEntry(
            enforcement_level=level_from_proto(cfg.enforcementLevel),
            properties=struct_to_python(cfg.properties),
        )
    return out
