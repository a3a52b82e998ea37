"""Plain data shared by every layer: resources, verdicts, levels, pack metadata.

Nothing here does I/O or knows about gRPC, the store or the CLI. Property values are kept in the
engine's JSON encoding ("wire form"): plain dicts/lists/str/float/bool/None where secrets, assets
and archives are objects carrying the signature key ``4dabf18193072939515e22adb298388d`` and
unknown values are the engine's sentinel strings. ``policy_host.wire`` converts that form to and
from protobuf; ``policy_host.evaluate`` turns it into what policies see.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class EnforcementLevel(enum.StrEnum):
    """How a violation is treated. Values are the strings users type in config files."""

    ADVISORY = "advisory"
    MANDATORY = "mandatory"
    REMEDIATE = "remediate"
    DISABLED = "disabled"

    @classmethod
    def parse(cls, value: Any) -> EnforcementLevel:
        """Accept an EnforcementLevel, a pulumi_policy EnforcementLevel or its string value."""
        if isinstance(value, cls):
            return value
        raw = getattr(value, "value", value)
        try:
            return cls(raw)
        except ValueError:
            raise ValueError(
                f"invalid enforcement level {raw!r}; expected one of advisory, mandatory, remediate, disabled"
            ) from None


class Severity(enum.StrEnum):
    """Policy severity; ``UNSPECIFIED`` is the protocol's zero value."""

    UNSPECIFIED = ""
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @classmethod
    def parse(cls, value: Any) -> Severity:
        if value is None:
            return cls.UNSPECIFIED
        if isinstance(value, cls):
            return value
        return cls(getattr(value, "value", value))


class PolicyType(enum.StrEnum):
    UNKNOWN = "unknown"
    RESOURCE = "resource"
    STACK = "stack"


class Outcome(enum.StrEnum):
    """Per policy per resource result, as used in reports and test rows."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not-applicable"
    ERROR = "error"
    SKIP = "skip"  # the policy is disabled: it did not run


# --------------------------------------------------------------------------------------------
# Resources
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomTimeouts:
    create: float = 0.0
    update: float = 0.0
    delete: float = 0.0
    read: float = 0.0


@dataclass(frozen=True)
class ResourceOptions:
    """The resource options the engine sends with every resource (AnalyzerResourceOptions)."""

    protect: bool = False
    ignore_changes: tuple[str, ...] = ()
    delete_before_replace: bool | None = None
    aliases: tuple[str, ...] = ()
    custom_timeouts: CustomTimeouts | None = None
    additional_secret_outputs: tuple[str, ...] = ()
    parent: str | None = None


@dataclass(frozen=True)
class ProviderRef:
    """The provider resource of a custom resource: its type, URN, name and *inputs*."""

    type: str
    urn: str
    name: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class Resource:
    """One resource as a policy judges it.

    ``properties`` are inputs (Analyze/Remediate) or outputs (AnalyzeStack) in wire form.
    """

    type: str
    urn: str
    name: str
    properties: dict[str, Any] = field(default_factory=dict)
    options: ResourceOptions = field(default_factory=ResourceOptions)
    provider: ProviderRef | None = None
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class StackContext:
    """What the engine tells a pack about the stack being deployed (ConfigureStack / PULUMI_*)."""

    organization: str = ""
    project: str = ""
    stack: str = ""
    dry_run: bool = False
    config: dict[str, str] = field(default_factory=dict)
    config_secret_keys: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------------


@dataclass
class Diagnostic:
    """A violation (AnalyzeDiagnostic). ``message`` is already ``description + "\\n" + message``."""

    policy_name: str
    pack_name: str
    pack_version: str
    description: str
    message: str
    urn: str = ""
    level: EnforcementLevel = EnforcementLevel.ADVISORY
    severity: Severity = Severity.UNSPECIFIED
    # policy-host extensions, never sent over the wire:
    exemption_id: str | None = None
    exemption_reason: str | None = None
    error: bool = False  # the policy itself failed (raised / timed out); fails closed


@dataclass
class NotApplicable:
    policy_name: str
    reason: str = ""


@dataclass
class Remediation:
    """A rewrite of a resource's inputs, or a diagnostic saying why it could not run.

    ``properties`` is the complete new input map in wire form (never an empty patch).
    """

    policy_name: str
    pack_name: str
    pack_version: str
    description: str
    properties: dict[str, Any] | None = None
    diagnostic: str = ""


@dataclass
class AnalyzeResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    not_applicable: list[NotApplicable] = field(default_factory=list)


@dataclass
class RemediateResult:
    remediations: list[Remediation] = field(default_factory=list)
    not_applicable: list[NotApplicable] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Pack metadata (readable without running any policy)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Framework:
    name: str = ""
    version: str = ""
    reference: str = ""
    specification: str = ""


@dataclass(frozen=True)
class ConfigSchema:
    """A policy's config schema: JSON-Schema fragments per property, plus required names."""

    properties: dict[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    description: str
    policy_type: PolicyType
    enforcement_level: EnforcementLevel
    display_name: str = ""
    message: str = ""
    config_schema: ConfigSchema | None = None
    severity: Severity = Severity.UNSPECIFIED
    framework: Framework | None = None
    tags: tuple[str, ...] = ()
    remediation_steps: str = ""
    url: str = ""


@dataclass(frozen=True)
class PolicyConfigEntry:
    """One entry of a pack's config: an optional level and free properties."""

    enforcement_level: EnforcementLevel | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PackInfo:
    """Everything GetAnalyzerInfo reports about a pack."""

    name: str
    version: str
    policies: tuple[PolicyInfo, ...]
    display_name: str = ""
    description: str = ""
    readme: str = ""
    provider: str = ""
    tags: tuple[str, ...] = ()
    repository: str = ""
    supports_config: bool = True
    initial_config: dict[str, PolicyConfigEntry] = field(default_factory=dict)

    def policy(self, name: str) -> PolicyInfo | None:
        for p in self.policies:
            if p.name == name:
                return p
        return None


# --------------------------------------------------------------------------------------------
# Evaluation runs: what an analyze run or an audit evaluation hands to findings
# --------------------------------------------------------------------------------------------


class EntityType(enum.StrEnum):
    STACK = "stack"
    ACCOUNT = "account"


class RunKind(enum.StrEnum):
    PREVENTATIVE = "preventative"
    AUDIT = "audit"


@dataclass(frozen=True)
class EvaluatedResource:
    """A resource that was judged in a run. ``managed_by`` is ``org/project/stack`` or "" (unmanaged)."""

    urn: str
    type: str
    name: str
    cloud_id: str = ""
    managed_by: str = ""
    managed_urn: str = ""
    version: str = ""  # audit: the discovered resource's version; preventative: the stack version


@dataclass(frozen=True)
class EvaluatedPolicy:
    """A policy that was enabled in a run (its level is the resolved one; never DISABLED here)."""

    pack_name: str
    pack_version: str
    policy_name: str
    policy_type: PolicyType
    level: EnforcementLevel
    severity: Severity = Severity.UNSPECIFIED
    group: str = ""  # the policy group the pack came from ("" when run from a local directory)


@dataclass(frozen=True)
class PolicyResult:
    """A non-passing result: a violation, an error, or not-applicable. Passes are implied: every
    (resource, enabled resource policy) pair without a row passed; stack policies use ``resource_urn`` ""
    when not attributed to a resource."""

    resource_urn: str
    pack_name: str
    pack_version: str
    policy_name: str
    outcome: Outcome  # FAIL, ERROR or NOT_APPLICABLE
    level: EnforcementLevel
    severity: Severity = Severity.UNSPECIFIED
    message: str = ""
    exemption_id: str | None = None
    exemption_reason: str | None = None
    # audit of a "remediate" policy: the proposed fix (never applied), as wire-form before/after inputs
    proposed_before: dict[str, Any] | None = None
    proposed_after: dict[str, Any] | None = None


@dataclass
class EvaluationRun:
    """Everything one evaluation of one entity produced; findings turn runs into issues and posture."""

    entity_type: EntityType
    entity: str  # "org/project/stack" or an account name such as "prod/us-east-1"
    kind: RunKind
    started_at: Any  # datetime (UTC)
    finished_at: Any  # datetime (UTC)
    resources: list[EvaluatedResource] = field(default_factory=list)
    policies: list[EvaluatedPolicy] = field(default_factory=list)
    results: list[PolicyResult] = field(default_factory=list)
    source: str = ""  # e.g. "scan 42", "analyze state.json"
    errors: list[str] = field(default_factory=list)  # run-level errors (a pack failed to load, ...)
