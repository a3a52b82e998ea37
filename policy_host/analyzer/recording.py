"""Recording a preview or update's verdicts as a preventative run in the store (findings).

A host serving a stack's policy groups (``--from-store``) collects every verdict of the run and, at its end
(AnalyzeStack, or Cancel when the run stopped before it), records one ``EvaluationRun`` of kind
``preventative`` through ``policy_host.findings.record_run``. Recording never changes a verdict and never
fails the deployment: a store error is logged on stderr and the run goes on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ..evaluate import enabled_policies
from ..model import (
    AnalyzeResult,
    EnforcementLevel,
    EntityType,
    EvaluatedResource,
    EvaluationRun,
    Outcome,
    PolicyResult,
    Resource,
    RunKind,
    StackContext,
)

log = logging.getLogger("policy_host.analyzer")


def _now() -> datetime:
    return datetime.now(UTC)


class RunRecorder:
    """A ``decorate`` hook that remembers verdicts, and ``finish()`` that records them once."""

    def __init__(self, stack: StackContext, packs: Sequence[Any], groups: dict[str, str]) -> None:
        self.stack = stack
        self.packs = list(packs)
        self.groups = groups  # pack name -> policy group it came from
        self.started = _now()
        self.resources: dict[str, EvaluatedResource] = {}
        self.results: list[PolicyResult] = []
        self.lock = threading.Lock()
        self.done = False

    @property
    def entity(self) -> str:
        return f"{self.stack.organization or 'organization'}/{self.stack.project}/{self.stack.stack}"

    def __call__(self, rpc: str, subject: Resource | Sequence[Resource], result: AnalyzeResult) -> None:
        subjects = [subject] if isinstance(subject, Resource) else list(subject)
        with self.lock:
            for r in subjects:
                self.resources.setdefault(r.urn, EvaluatedResource(urn=r.urn, type=r.type, name=r.name))
            default_urn = subjects[0].urn if isinstance(subject, Resource) else ""
            for d in result.diagnostics:
                self.results.append(
                    PolicyResult(
                        resource_urn=d.urn if rpc == "AnalyzeStack" else default_urn,
                        pack_name=d.pack_name,
                        pack_version=d.pack_version,
                        policy_name=d.policy_name,
                        outcome=Outcome.ERROR if d.error else Outcome.FAIL,
                        level=d.level,
                        severity=d.severity,
                        message=d.message,
                        exemption_id=d.exemption_id,
                        exemption_reason=d.exemption_reason,
                    )
                )
            pack_of = {}
            for pack in self.packs:
                for p in pack.info.policies:
                    pack_of.setdefault(p.name, pack)
            for na in result.not_applicable:
                pack = pack_of.get(na.policy_name)
                if pack is None:
                    continue
                self.results.append(
                    PolicyResult(
                        resource_urn=default_urn,
                        pack_name=pack.name,
                        pack_version=pack.version,
                        policy_name=na.policy_name,
                        outcome=Outcome.NOT_APPLICABLE,
                        level=pack.state.levels.get(na.policy_name, EnforcementLevel.ADVISORY),
                        message=na.reason,
                    )
                )

    def build_run(self) -> EvaluationRun:
        policies = [p for pack in self.packs for p in enabled_policies(pack, self.groups.get(pack.name, ""))]
        return EvaluationRun(
            entity_type=EntityType.STACK,
            entity=self.entity,
            kind=RunKind.PREVENTATIVE,
            started_at=self.started,
            finished_at=_now(),
            resources=list(self.resources.values()),
            policies=policies,
            results=list(self.results),
            source="preview" if self.stack.dry_run else "update",
        )

    def finish(self) -> None:
        """Record the run once (idempotent); log and carry on if the store refuses."""
        with self.lock:
            if self.done or not self.resources:
                return
            self.done = True
        try:
            from ..findings import record_run
            from ..store import open_store

            run = self.build_run()
            store = open_store()
            try:
                with store.transaction() as session:
                    summary = record_run(session, run, packs=[p.info for p in self.packs])
            finally:
                store.close()
            log.info("recorded preventative run of %s: %s", self.entity, summary)
        except Exception as e:  # noqa: BLE001 - recording must never fail a deployment
            log.warning(
                "policy-host: could not record the run's findings: %s",
                str(e).splitlines()[0] if str(e) else e,
            )


class Decorators:
    """Several ``decorate`` hooks in order (exemptions first, so the recorder sees them marked)."""

    def __init__(self, *hooks: Any) -> None:
        self.hooks = [h for h in hooks if h is not None]

    def __call__(self, rpc: str, subject: Any, result: AnalyzeResult) -> None:
        for hook in self.hooks:
            hook(rpc, subject, result)

    def finish(self) -> None:
        for hook in self.hooks:
            finish = getattr(hook, "finish", None)
            if finish is not None:
                finish()
