"""Run a pack (or a list of policies) against resources through the very code the server uses.

Resources go through the same normalisation as on the wire (a protobuf Struct round trip: ints become
floats, as the engine sends them) and through ``policy_host.evaluate``, the one evaluation core. Config
is reconciled and validated exactly like the engine does before Configure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2

from ..errors import ConfigValidationError, InputError
from ..evaluate import EvalContext, PreparedPack, analyze, analyze_stack, prepare, remediate
from ..model import (
    AnalyzeResult,
    CustomTimeouts,
    Diagnostic,
    EnforcementLevel,
    NotApplicable,
    Outcome,
    PolicyConfigEntry,
    PolicyType,
    ProviderRef,
    Remediation,
    Resource,
    ResourceOptions,
    StackContext,
)
from ..packs import config as pack_config
from ..packs.loader import load_pack, pack_from_policies
from ..wire.struct import python_to_struct, struct_to_python
from ..wire.values import strip_internal_keys

DEFAULT_PROJECT = "test"
DEFAULT_STACK = "test"


def wire_normalize(props: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the server decodes for ``props``: serialized to a protobuf Struct and parsed back.

    Numbers become floats and key order becomes the wire's, exactly as in the servicer.
    """
    sent = python_to_struct(dict(props or {})).SerializeToString()
    return struct_to_python(struct_pb2.Struct.FromString(sent))


def resource(
    type: str,
    properties: Mapping[str, Any] | None = None,
    *,
    name: str | None = None,
    urn: str | None = None,
    provider: ProviderRef | Mapping[str, Any] | None = None,
    parent: str | None = None,
    dependencies: Sequence[str] = (),
    property_dependencies: Mapping[str, Sequence[str]] | None = None,
    protect: bool = False,
    ignore_changes: Sequence[str] = (),
    delete_before_replace: bool | None = None,
    aliases: Sequence[str] = (),
    custom_timeouts: CustomTimeouts | None = None,
    additional_secret_outputs: Sequence[str] = (),
) -> Resource:
    """A resource as the engine would send it. ``name`` defaults to the type's last segment."""
    name = name or type.rsplit(":", 1)[-1].lower()
    urn = urn or f"urn:pulumi:{DEFAULT_STACK}::{DEFAULT_PROJECT}::{type}::{name}"
    if isinstance(provider, Mapping):
        provider = ProviderRef(
            type=str(provider.get("type", "pulumi:providers:aws")),
            urn=str(
                provider.get(
                    "urn", f"urn:pulumi:{DEFAULT_STACK}::{DEFAULT_PROJECT}::pulumi:providers:aws::default"
                )
            ),
            name=str(provider.get("name", "default")),
            properties=wire_normalize(provider.get("properties") or {}),
        )
    return Resource(
        type=type,
        urn=urn,
        name=name,
        properties=wire_normalize(properties),
        options=ResourceOptions(
            protect=protect,
            ignore_changes=tuple(ignore_changes),
            delete_before_replace=delete_before_replace,
            aliases=tuple(aliases),
            custom_timeouts=custom_timeouts,
            additional_secret_outputs=tuple(additional_secret_outputs),
            parent=parent,
        ),
        provider=provider,
        parent=parent,
        dependencies=tuple(dependencies),
        property_dependencies={k: tuple(v) for k, v in (property_dependencies or {}).items()},
    )


def as_sent(res: Resource, internal_keys: bool = False) -> Resource:
    """``res`` exactly as the server would decode it from the wire (numbers as floats, and so on).

    The engine drops internal ``__`` keys from what Analyze and AnalyzeStack receive and keeps them for
    Remediate (``internal_keys=True``).
    """
    provider = res.provider
    if provider is not None:
        provider = replace(provider, properties=wire_normalize(strip_internal_keys(provider.properties)))
    props = res.properties if internal_keys else strip_internal_keys(res.properties)
    return replace(res, properties=wire_normalize(props), provider=provider)


def _format_diagnostics(diagnostics: Iterable[Diagnostic]) -> str:
    lines = [f"  - [{d.level.value}] {d.policy_name}: {d.message!r}" for d in diagnostics]
    return "\n".join(lines) or "  (none)"


def _format_na(items: Iterable[NotApplicable]) -> str:
    return "\n".join(f"  - {n.policy_name}: {n.reason!r}" for n in items) or "  (none)"


@dataclass
class Verdict:
    """The outcome of Analyze or AnalyzeStack, with assertions that explain themselves on failure."""

    result: AnalyzeResult
    subject: str
    ran: tuple[str, ...] = ()  # policies that were evaluated (not disabled)

    @property
    def violations(self) -> list[Diagnostic]:
        return self.result.diagnostics

    @property
    def not_applicable(self) -> list[NotApplicable]:
        return self.result.not_applicable

    def violations_of(self, policy: str) -> list[Diagnostic]:
        return [d for d in self.result.diagnostics if d.policy_name == policy]

    def outcome(self, policy: str) -> Outcome:
        """pass / fail / not-applicable / error / skip (disabled) for one policy."""
        found = self.violations_of(policy)
        if any(d.error for d in found):
            return Outcome.ERROR
        if found:
            return Outcome.FAIL
        if any(n.policy_name == policy for n in self.result.not_applicable):
            return Outcome.NOT_APPLICABLE
        return Outcome.PASS if policy in self.ran else Outcome.SKIP

    def _explain(self) -> str:
        return (
            f"{self.subject}\nviolations:\n{_format_diagnostics(self.result.diagnostics)}"
            f"\nnot applicable:\n{_format_na(self.result.not_applicable)}"
        )

    def assert_violation(
        self,
        policy: str,
        *,
        level: EnforcementLevel | str | None = None,
        message: str | None = None,
        count: int | None = None,
    ) -> list[Diagnostic]:
        """Assert ``policy`` reported at least one violation (optionally: level, message substring, count)."""
        found = self.violations_of(policy)
        if message is not None:
            found = [d for d in found if message in d.message]
        if level is not None:
            found = [d for d in found if d.level == EnforcementLevel.parse(level)]
        wanted = (
            f"{policy}"
            + (f" at level {level}" if level else "")
            + (f" with message containing {message!r}" if message else "")
        )
        if not found:
            raise AssertionError(f"expected a violation of {wanted}\n{self._explain()}")
        if count is not None and len(found) != count:
            raise AssertionError(
                f"expected {count} violation(s) of {wanted}, got {len(found)}\n{self._explain()}"
            )
        return found

    def assert_no_violation(self, policy: str | None = None) -> None:
        """Assert ``policy`` (or, without one, every policy) reported nothing."""
        found = self.result.diagnostics if policy is None else self.violations_of(policy)
        if found:
            what = "no violations" if policy is None else f"no violation of {policy}"
            raise AssertionError(f"expected {what}\n{self._explain()}")

    def assert_passes(self, policy: str) -> None:
        """Assert ``policy`` ran and found nothing (neither violated nor not-applicable)."""
        outcome = self.outcome(policy)
        if outcome is not Outcome.PASS:
            raise AssertionError(f"expected {policy} to pass, got {outcome.value}\n{self._explain()}")

    def assert_not_applicable(self, policy: str, reason: str | None = None) -> None:
        items = [n for n in self.result.not_applicable if n.policy_name == policy]
        if reason is not None:
            items = [n for n in items if n.reason == reason]
        if not items:
            extra = f" with reason {reason!r}" if reason is not None else ""
            raise AssertionError(f"expected {policy} to be not applicable{extra}\n{self._explain()}")


@dataclass
class RemediationVerdict:
    remediations: list[Remediation]
    not_applicable: list[NotApplicable]
    before: dict[str, Any]
    subject: str

    @property
    def after(self) -> dict[str, Any]:
        """The inputs after every remediation, as the engine would use them."""
        props = self.before
        for r in self.remediations:
            if r.properties is not None:
                props = r.properties
        return props

    def _explain(self) -> str:
        rows = [
            f"  - {r.policy_name}: "
            + (
                json.dumps(r.properties, sort_keys=True)
                if r.properties is not None
                else f"diagnostic {r.diagnostic!r}"
            )
            for r in self.remediations
        ]
        return f"{self.subject}\nremediations:\n" + ("\n".join(rows) or "  (none)")

    def assert_remediated(self, policy: str, **expected: Any) -> Remediation:
        """Assert ``policy`` rewrote the inputs; ``expected`` top-level properties must equal the result."""
        for r in self.remediations:
            if r.policy_name == policy and r.properties is not None:
                wrong = {
                    k: r.properties.get(k)
                    for k, v in expected.items()
                    if r.properties.get(k) != wire_normalize({k: v})[k]
                }
                if wrong:
                    raise AssertionError(
                        f"{policy} remediated, but {wrong} differ from {expected}\n{self._explain()}"
                    )
                return r
        raise AssertionError(f"expected {policy} to remediate\n{self._explain()}")

    def assert_not_remediated(self, policy: str | None = None) -> None:
        found = [r for r in self.remediations if policy is None or r.policy_name == policy]
        if found:
            raise AssertionError(
                f"expected no remediation{'' if policy is None else ' by ' + policy}\n{self._explain()}"
            )


@dataclass
class PackRunner:
    """A pack ready to judge resources in this process, configured like the engine configures it."""

    pack: PreparedPack
    ctx: EvalContext = field(default_factory=EvalContext)

    # -- construction -----------------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        pack_dir: str | os.PathLike[str],
        config: Mapping[str, Any] | str | os.PathLike[str] | None = None,
        *,
        stack: StackContext | None = None,
        stack_tags: Mapping[str, str] | None = None,
        policy_timeout: float | None = None,
    ) -> PackRunner:
        """Load a pack directory (its ``__main__.py`` runs, as under the engine). Packs are code."""
        stack = stack or StackContext(project=DEFAULT_PROJECT, stack=DEFAULT_STACK, dry_run=True)
        runner = cls(prepare(load_pack(pack_dir, stack)), EvalContext(policy_timeout=policy_timeout))
        runner.configure(config)
        runner.pack.set_stack_tags(dict(stack_tags or stack.tags))
        return runner

    @classmethod
    def from_policies(
        cls,
        policies: list[Any],
        *,
        name: str = "test-pack",
        version: str = "0.0.1",
        config: Mapping[str, Any] | str | os.PathLike[str] | None = None,
        stack_tags: Mapping[str, str] | None = None,
        **pack_kwargs: Any,
    ) -> PackRunner:
        """A runner for policy objects (e.g. imported from a pack's policies module), no ``__main__`` run."""
        runner = cls(prepare(pack_from_policies(name, list(policies), version=version, **pack_kwargs)))
        runner.configure(config)
        runner.pack.set_stack_tags(dict(stack_tags or {}))
        return runner

    def configure(
        self, config: Mapping[str, Any] | str | os.PathLike[str] | None
    ) -> dict[str, PolicyConfigEntry]:
        """Reconcile and validate config like the engine (``--policy-pack-config`` format), then apply it."""
        if config is None:
            overrides: dict[str, PolicyConfigEntry] = {}
        elif isinstance(config, str | os.PathLike):
            overrides = pack_config.parse_config_file(config)
        else:
            overrides = pack_config.parse_config_object(dict(config))
        info = pack_config.inject_enforcement_level_schema(self.pack.info)
        resolved = pack_config.reconcile(info, overrides)
        errors = pack_config.validate(info, resolved)
        if errors:
            raise ConfigValidationError(errors)
        return self.apply(resolved)

    def apply(self, resolved: Mapping[str, PolicyConfigEntry]) -> dict[str, PolicyConfigEntry]:
        """Apply already resolved config as the Configure call delivers it (properties via a Struct)."""
        sent = {
            name: replace(entry, properties=wire_normalize(entry.properties))
            for name, entry in resolved.items()
        }
        self.pack.configure(sent)
        return sent

    # -- evaluation -------------------------------------------------------------------------------

    def _ran(self, kind: PolicyType) -> tuple[str, ...]:
        policies = self.pack.resource_policies if kind is PolicyType.RESOURCE else self.pack.stack_policies
        return tuple(
            p.name for p in policies if self.pack.state.levels[p.name] is not EnforcementLevel.DISABLED
        )

    def analyze(self, res: Resource) -> Verdict:
        """Analyze one resource's inputs, as the engine's Analyze call."""
        res = as_sent(res)
        return Verdict(
            analyze(self.pack, res, self.ctx), f"Analyze {res.urn}", self._ran(PolicyType.RESOURCE)
        )

    def remediate(self, res: Resource) -> RemediationVerdict:
        """Remediate one resource's inputs, as the engine's Remediate call (reported, never applied)."""
        res = as_sent(res, internal_keys=True)
        out = remediate(self.pack, res, self.ctx)
        return RemediationVerdict(
            out.remediations, out.not_applicable, res.properties, f"Remediate {res.urn}"
        )

    def analyze_stack(self, resources: Sequence[Resource]) -> Verdict:
        """Run the stack policies over resources' outputs, as the engine's AnalyzeStack call."""
        sent = [as_sent(r) for r in resources]
        return Verdict(analyze_stack(self.pack, sent, self.ctx), "AnalyzeStack", self._ran(PolicyType.STACK))

    def run_export(self, path: str | os.PathLike[str]) -> dict[str, Verdict]:
        """Every resource of a stack export: Analyze per URN (inputs) plus ``"stack"`` for AnalyzeStack."""
        from ..sources.stack_export import load_state_file

        try:
            state = load_state_file(path)
        except InputError:
            raise
        verdicts = {r.urn: self.analyze(r) for r in state.inputs}
        verdicts["stack"] = self.analyze_stack(state.outputs)
        return verdicts


def load_fixture(path: str | os.PathLike[str]) -> list[Resource]:
    """Resources from a fixture file written by ``policy-host fixture`` (a JSON list of resources)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: cannot read fixture: {e}") from None
    if not isinstance(data, list):
        raise InputError(f"{path}: a fixture is a JSON list of resources")
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise InputError(f"{path}: resource {i} needs a string 'type'")
        out.append(
            resource(
                item["type"],
                item.get("properties") or {},
                name=item.get("name"),
                urn=item.get("urn"),
                provider=item.get("provider"),
                parent=item.get("parent"),
                dependencies=item.get("dependencies") or (),
            )
        )
    return out
