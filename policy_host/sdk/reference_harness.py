"""Run policies through ``pulumi_policy``'s own servicer, in process: the reference verdicts.

This drives ``pulumi_policy.policy._PolicyAnalyzerServicer`` (the code a pack runs under ``pulumi
preview``) with real ``pulumi.runtime.proto`` request messages, exactly as the SDK's own unit tests
do, after configuring it the way the engine would (schema defaults filled in, config validated,
``Configure`` sent). It answers with plain data.

The bundled packs' oracle tests compare it with ``policy_host.testing``; it also serves as
the oracle the host's verdicts are compared with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel, Policy
from pulumi_policy.policy import _PolicyAnalyzerServicer

from ..errors import ConfigValidationError, InputError
from ..model import ProviderRef, Resource
from ..wire.convert import analyze_request_from_resource, analyzer_resource_from_resource
from ..wire.struct import struct_to_python

__all__ = [
    "ReferenceHarness",
    "RemediationOutcome",
    "RemediationVerdict",
    "Verdict",
    "Violation",
]

_LEVELS = {
    proto.ADVISORY: "advisory",
    proto.MANDATORY: "mandatory",
    proto.REMEDIATE: "remediate",
    proto.DISABLED: "disabled",
}
_LEVEL_TO_PROTO = {v: k for k, v in _LEVELS.items()}
_SEVERITIES = {
    proto.POLICY_SEVERITY_UNSPECIFIED: "",
    proto.POLICY_SEVERITY_LOW: "low",
    proto.POLICY_SEVERITY_MEDIUM: "medium",
    proto.POLICY_SEVERITY_HIGH: "high",
    proto.POLICY_SEVERITY_CRITICAL: "critical",
}


@dataclass(frozen=True)
class Violation:
    """One diagnostic. ``message`` is the wire text: the policy description, a newline, the detail."""

    policy: str
    level: str
    message: str
    severity: str = ""
    urn: str = ""

    @property
    def detail(self) -> str:
        """The message without the leading policy description."""
        return self.message.split("\n", 1)[1] if "\n" in self.message else ""


@dataclass
class Verdict:
    """What an Analyze or AnalyzeStack call returned."""

    violations: list[Violation] = field(default_factory=list)
    not_applicable: dict[str, str] = field(default_factory=dict)

    @property
    def violated(self) -> set[str]:
        """Names of the policies that reported at least one diagnostic."""
        return {v.policy for v in self.violations}

    def of(self, policy: str) -> list[Violation]:
        """The diagnostics of one policy."""
        return [v for v in self.violations if v.policy == policy]


@dataclass(frozen=True)
class RemediationOutcome:
    """One remediation: new inputs in wire form (secrets as signature objects), or a diagnostic."""

    policy: str
    properties: dict[str, Any] | None
    diagnostic: str = ""


@dataclass
class RemediationVerdict:
    """What a Remediate call returned, in application order."""

    remediations: list[RemediationOutcome] = field(default_factory=list)
    not_applicable: dict[str, str] = field(default_factory=dict)

    @property
    def properties(self) -> dict[str, Any] | None:
        """The final inputs after every remediation, or ``None`` when nothing changed."""
        for outcome in reversed(self.remediations):
            if outcome.properties is not None:
                return outcome.properties
        return None


class ReferenceHarness:
    """A ``pulumi_policy`` servicer for ``policies``, configured like the engine configures packs.

    ``config`` has the ``--policy-pack-config`` shape: ``{"all": "mandatory", "<policy>": "disabled" |
    {"enforcementLevel": ..., "<property>": ...}}``. Schema defaults are applied and the result is
    validated against each policy's schema; a failure raises ``ConfigValidationError`` with the
    engine's ``validating policy config: ...`` lines.
    """

    def __init__(
        self,
        policies: Sequence[Policy],
        *,
        pack: str = "test-pack",
        version: str = "0.0.1",
        level: str | EnforcementLevel = "advisory",
        config: Mapping[str, Any] | None = None,
        stack_tags: Mapping[str, str] | None = None,
    ) -> None:
        self.policies = list(policies)
        self.pack = pack
        self.version = version
        try:
            pack_level = EnforcementLevel(getattr(level, "value", level))
        except ValueError:
            raise InputError(f"invalid enforcement level {level!r} for pack '{pack}'") from None
        self._servicer = _PolicyAnalyzerServicer(pack, version, self.policies, pack_level)
        self._servicer.Configure(self._configure_request(pack_level, dict(config or {})), None)
        if stack_tags:
            request = proto.AnalyzerStackConfigureRequest()
            for key, value in stack_tags.items():
                request.tags[key] = value
            self._servicer.ConfigureStack(request, None)

    # -- configuration, as the engine reconciles it (engine-protocol.md §7.3) --------------------

    def _configure_request(self, pack_level: EnforcementLevel, config: dict[str, Any]) -> Any:
        # "all" contributes only its level; properties are per policy (engine applyConfig).
        all_level = _entry(config.get("all"), "all").get("enforcementLevel")
        errors: list[str] = []
        request = proto.ConfigureAnalyzerRequest()
        for policy in self.policies:
            level = policy.enforcement_level.value if policy.enforcement_level else pack_level.value
            properties: dict[str, Any] = {}
            schema = policy.config_schema
            if schema is not None:
                properties.update({k: v["default"] for k, v in schema.properties.items() if "default" in v})
            level = all_level or level
            entry = _entry(config.get(policy.name), policy.name)
            level = entry.pop("enforcementLevel", level)
            properties.update(entry)
            if level not in _LEVEL_TO_PROTO:
                raise InputError(f"policy config for '{policy.name}': invalid enforcement level {level!r}")
            if schema is not None:
                errors.extend(
                    self._validate(policy.name, schema.properties, schema.required or [], properties)
                )
            request.policyConfig[policy.name].enforcementLevel = _LEVEL_TO_PROTO[level]
            request.policyConfig[policy.name].properties.update(properties)
        if errors:
            raise ConfigValidationError(sorted(errors))
        return request

    def _validate(self, name: str, props: Mapping[str, Any], required: list[str], value: Any) -> list[str]:
        schema = {"type": "object", "properties": dict(props), "required": list(required)}
        out = []
        for error in jsonschema.Draft7Validator(schema).iter_errors(value):
            where = ".".join(str(p) for p in error.absolute_path)
            text = f"{where}: {error.message}" if where else error.message
            out.append(f"validating policy config: {self.pack} {self.version}  {name}: {text}")
        return out

    # -- the three RPCs ----------------------------------------------------------------------------

    def analyze(
        self,
        type: str,
        properties: Mapping[str, Any] | None = None,
        *,
        name: str = "test",
        urn: str | None = None,
        provider: ProviderRef | None = None,
    ) -> Verdict:
        """Run ``Analyze`` on one resource's inputs (wire form: sentinels for unknowns, secret objects)."""
        resource = _resource(type, properties, name, urn, provider)
        response = self._servicer.Analyze(analyze_request_from_resource(resource), None)
        return _verdict(response)

    def remediate(
        self,
        type: str,
        properties: Mapping[str, Any] | None = None,
        *,
        name: str = "test",
        urn: str | None = None,
        provider: ProviderRef | None = None,
    ) -> RemediationVerdict:
        """Run ``Remediate`` on one resource's inputs; only policies at level ``remediate`` run."""
        resource = _resource(type, properties, name, urn, provider)
        response = self._servicer.Remediate(analyze_request_from_resource(resource), None)
        return RemediationVerdict(
            remediations=[
                RemediationOutcome(
                    policy=r.policyName,
                    properties=struct_to_python(r.properties) if r.HasField("properties") else None,
                    diagnostic=r.diagnostic,
                )
                for r in response.remediations
            ],
            not_applicable={n.policy_name: n.reason for n in response.not_applicable},
        )

    def analyze_stack(self, resources: Iterable[Resource]) -> Verdict:
        """Run ``AnalyzeStack`` over resources (outputs, with parents and dependencies by URN)."""
        request = proto.AnalyzeStackRequest()
        request.resources.extend(analyzer_resource_from_resource(r) for r in resources)
        return _verdict(self._servicer.AnalyzeStack(request, None))


def _entry(value: Any, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"enforcementLevel": value}
    if isinstance(value, Mapping):
        return json.loads(json.dumps(dict(value)))  # a private deep copy we may pop from
    raise InputError(f'policy config: parsing "{key}": value must be a string or object')


def _resource(
    type: str, properties: Mapping[str, Any] | None, name: str, urn: str | None, provider: ProviderRef | None
) -> Resource:
    return Resource(
        type=type,
        urn=urn or f"urn:pulumi:test::test::{type}::{name}",
        name=name,
        properties=dict(properties or {}),
        provider=provider,
    )


def _verdict(response: Any) -> Verdict:
    return Verdict(
        violations=[
            Violation(
                policy=d.policyName,
                level=_LEVELS[d.enforcementLevel],
                message=d.message,
                severity=_SEVERITIES.get(d.severity, ""),
                urn=d.urn,
            )
            for d in response.diagnostics
        ],
        not_applicable={n.policy_name: n.reason for n in response.not_applicable},
    )
