"""What an engine run produces: plain records the renderers in ``policy_host.report`` read.

Nothing here talks to a process; ``run.py`` fills a :class:`RunResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Diagnostic, EnforcementLevel, PackInfo, PolicyConfigEntry
from .engine_server import LogEntry
from .launch import OutputLine

#: Phases of a run, as used in summaries, violations and not-applicable records.
ANALYZE = "analyze"
REMEDIATE = "remediate"
ANALYZE_STACK = "analyze-stack"

#: The engine's bail texts (``engine-protocol.md`` §8.3).
BAIL_STEP_GENERATOR = "step generator errored"
BAIL_CONFIG = "validating policy config"


@dataclass(frozen=True)
class PackSpec:
    """One ``--policy-pack`` (a directory or an executable) and its optional paired config."""

    path: str
    config: dict[str, PolicyConfigEntry] | None = None
    config_path: str | None = None


@dataclass
class LoadedPack:
    """A pack as the engine sees it after loading and configuring it."""

    spec: PackSpec
    info: PackInfo  # yaml version applied, enforcementLevel schema injected, levels after Configure
    mode: str  # "language-host" | "executable" | "in-process"
    plugin_version: str = ""
    config: dict[str, PolicyConfigEntry] = field(default_factory=dict)  # what Configure was sent
    configured: bool = False
    # PulumiPolicy.yaml ``version``: when set, it replaces the version in every diagnostic and
    # remediation (§4); otherwise each keeps the version its analyzer reported (a host serving several
    # packs reports each pack's own).
    version_override: str = ""

    def version_of(self, reported: str) -> str:
        return self.version_override or reported or self.version

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def version(self) -> str:
        return self.info.version


@dataclass
class Violation:
    """A policy violation after the engine's rules (§8): level normalised, URN attributed."""

    diagnostic: Diagnostic
    phase: str  # ANALYZE | ANALYZE_STACK | REMEDIATE (a remediation's diagnostic)
    resource_type: str = ""
    resource_name: str = ""

    @property
    def mandatory(self) -> bool:
        return self.diagnostic.level == EnforcementLevel.MANDATORY


@dataclass
class RemediationRecord:
    """A remediation that replaced a resource's inputs (reported; applied only on request)."""

    pack_name: str
    pack_version: str
    policy_name: str
    description: str
    urn: str
    resource_type: str
    resource_name: str
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class NotApplicableRecord:
    pack_name: str
    policy_name: str
    reason: str
    urn: str
    phase: str


@dataclass
class Summary:
    """Per pack, per resource (Analyze, Remediate) or per stack (AnalyzeStack): who passed, who failed."""

    pack_name: str
    pack_version: str
    phase: str
    urn: str
    passed: tuple[str, ...]
    failed: tuple[str, ...]


@dataclass
class RunResult:
    """Everything one run produced. ``errors`` are engine-style lines; ``bail`` is the final verdict."""

    preview: bool = True
    stack_urn: str = ""
    packs: list[LoadedPack] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    remediations: list[RemediationRecord] = field(default_factory=list)
    not_applicable: list[NotApplicableRecord] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    plugin_output: list[OutputLine] = field(default_factory=list)
    logs: list[LogEntry] = field(default_factory=list)
    bail: str = ""
    resources_analyzed: list[str] = field(default_factory=list)  # URNs, registration order
    stack_analyzed: bool = False
    final_inputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # URN -> inputs, remediated only

    @property
    def has_mandatory(self) -> bool:
        return any(v.mandatory for v in self.violations)

    @property
    def failed(self) -> bool:
        return bool(self.errors) or self.has_mandatory or bool(self.bail)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0
