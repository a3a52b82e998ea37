"""Audit evaluation of an account or a stack from the store: resolve its audit groups, load their packs,
judge its current resources (``judge.py``) and record the run, all through the one evaluation core.

- a cloud account (and each AWS region child) is its own entity: the packs of its audit groups
  (``groups.resolve_account``) judge its live resources' current versions, stack policies seeing them all
  as one stack;
- a stack read by a ``pulumi`` account is evaluated as the stack entity (``groups.resolve_stack`` with
  ``mode="audit"``): Analyze on its inputs, AnalyzeStack on its outputs, as preventative analysis of that
  state would; after a scan only stacks whose state changed are evaluated.

Nothing here blocks: a pack that fails to load or an invalid group config becomes a run-level error in
the recorded run, and the other packs still judge.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import and_, select

from ..errors import PolicyHostError
from ..evaluate import EvalContext, PreparedPack, prepare
from ..model import EntityType, EvaluatedResource, EvaluationRun, PolicyConfigEntry
from ..store import Store
from ..store.types import utcnow
from .accounts import PULUMI, covered_accounts, get_account
from .canonical import wire_numbers
from .judge import PackRun, Subject, build_run, failures
from .models import (
    AccountRecord,
    AuditResourceRecord,
    EvaluationRecord,
    ResourceVersionRecord,
    StackStateRecord,
)
from .record import record
from .resources import to_resources

# Loaded packs by directory: a pack's code runs once per process (the scheduler's workers, a CLI run).
_LOADED: dict[str, PreparedPack] = {}

#: Per-policy deadline for audit evaluation (a hanging policy must not stall a scheduled scan forever).
POLICY_TIMEOUT = 30.0


@dataclass
class EvaluationSummary:
    """What one entity's evaluation produced (``run`` is the full EvaluationRun handed to findings)."""

    entity_type: str
    entity: str
    resources: int
    policies: int
    failures: int
    errors: list[str]
    recorded: str
    run: EvaluationRun | None = field(default=None, repr=False)


def _prepared(directory: Path) -> PreparedPack:
    from ..packs.loader import load_pack

    key = str(directory)
    pack = _LOADED.get(key)
    if pack is None:
        pack = _LOADED[key] = prepare(load_pack(directory))
    return pack


def load_pack_runs(resolved: Any, tags: dict[str, str] | None = None) -> tuple[list[PackRun], list[str]]:
    """Load and configure each resolved pack (group config, numbers as the wire sends them)."""
    runs: list[PackRun] = []
    errors: list[str] = []
    for rp in resolved.packs:
        try:
            if rp.directory is None:
                raise PolicyHostError("pack was not fetched from the store")
            pack = _prepared(rp.directory)
        except PolicyHostError as e:
            errors.append(f"policy pack {rp.name}@{rp.version} from group {rp.group} failed to load: {e}")
            continue
        pack.version = rp.version
        config: dict[str, PolicyConfigEntry] = {
            name: replace(entry, properties=wire_numbers(dict(entry.properties)))
            for name, entry in rp.config.items()
        }
        pack.configure(config)
        pack.set_stack_tags(dict(tags or {}))
        runs.append(PackRun(pack, rp.group))
    return runs, errors


def load_subjects(session: Any, account_id: int, stack: str | None = None) -> list[Subject]:
    """The live resources of an account (or of one of its stacks) at their current versions."""
    query = (
        select(AuditResourceRecord, ResourceVersionRecord.properties, ResourceVersionRecord.extra)
        .join(
            ResourceVersionRecord,
            and_(
                ResourceVersionRecord.resource_id == AuditResourceRecord.id,
                ResourceVersionRecord.version == AuditResourceRecord.current_version,
            ),
        )
        .where(AuditResourceRecord.account_id == account_id, AuditResourceRecord.deleted_at.is_(None))
        .order_by(
            AuditResourceRecord.position,
            AuditResourceRecord.type,
            AuditResourceRecord.region,
            AuditResourceRecord.cloud_id,
            AuditResourceRecord.urn,
        )
    )
    if stack is not None:
        query = query.where(AuditResourceRecord.stack == stack)
    subjects = []
    for row, props, extra in session.execute(query):
        analyzed, judged = to_resources(
            row.type, row.urn, row.name, wire_numbers(props), wire_numbers(extra) if extra else None
        )
        evaluated = EvaluatedResource(
            urn=row.urn,
            type=row.type,
            name=row.name,
            cloud_id=row.cloud_id,
            managed_by=row.managed_by or "",
            managed_urn=row.managed_urn or "",
            version=str(row.current_version),
        )
        subjects.append(Subject(analyzed, judged, evaluated))
    return subjects


def _resolve(store: Store, entity_type: EntityType, entity: str) -> tuple[Any, list[str]]:
    from ..groups import resolve_account, resolve_stack

    try:
        if entity_type is EntityType.ACCOUNT:
            return resolve_account(store, entity), []
        org, project, stack = entity.split("/")
        return resolve_stack(store, org, project, stack, mode="audit"), []
    except PolicyHostError as e:
        return None, [f"resolving the audit groups of {entity_type.value} {entity}: {e}"]


def _evaluate(
    store: Store,
    entity_type: EntityType,
    entity: str,
    account_id: int,
    *,
    source: str,
    stack: str | None = None,
    state_hash: str | None = None,
) -> EvaluationSummary | None:
    started = utcnow()
    resolved, errors = _resolve(store, entity_type, entity)
    if stack is not None and resolved is not None and not resolved.groups:
        return None  # a stack in no audit group: audit has nothing to say about it
    packs: list[PackRun] = []
    if resolved is not None:
        packs, load_errors = load_pack_runs(resolved, resolved.entity.tags if stack else None)
        errors += load_errors
    with store.read() as session:
        subjects = load_subjects(session, account_id, stack)
    run = build_run(
        entity_type,
        entity,
        packs,
        subjects,
        started_at=started,
        finished_at=utcnow,
        source=source,
        exemption_for=resolved.exemption_for if resolved is not None else None,
        errors=errors,
        ctx=EvalContext(policy_timeout=POLICY_TIMEOUT),
    )
    with store.transaction() as session:
        recorded = record(session, run, [p.pack.info for p in packs])
        session.add(
            EvaluationRecord(
                entity_type=entity_type.value,
                entity=entity,
                account_id=account_id,
                source=source,
                started_at=run.started_at,
                finished_at=run.finished_at,
                resources=len(run.resources),
                policies=len(run.policies),
                failures=failures(run),
                errors=list(run.errors),
                recorded=recorded,
            )
        )
        if stack is not None and state_hash is not None:
            rec = session.scalars(
                select(StackStateRecord).where(
                    StackStateRecord.account_id == account_id, StackStateRecord.name == stack
                )
            ).first()
            if rec is not None and rec.state_hash == state_hash:
                rec.evaluated_hash = state_hash
    return EvaluationSummary(
        entity_type.value,
        entity,
        len(run.resources),
        len(run.policies),
        failures(run),
        list(run.errors),
        recorded,
        run,
    )


def evaluate_account(
    store: Store, name: str, *, source: str = "audit evaluate", only_changed_stacks: bool = False
) -> list[EvaluationSummary]:
    """Evaluate an account and its children (cloud accounts) or its stacks (``pulumi`` accounts).

    ``only_changed_stacks``: evaluate only stacks whose state differs from the one last evaluated
    (what a scan does); ``audit evaluate`` re-evaluates every stack.
    """
    with store.read() as session:
        rec = get_account(session, name)
        accounts = [(a.id, a.name, a.provider) for a in covered_accounts(session, rec)]
        stacks = []
        if rec.provider == PULUMI:
            stacks = [
                (s.name, s.state_hash, s.evaluated_hash)
                for s in session.scalars(
                    select(StackStateRecord)
                    .where(StackStateRecord.account_id == rec.id)
                    .order_by(StackStateRecord.name)
                )
            ]
    out: list[EvaluationSummary | None] = []
    for account_id, account_name, provider in accounts:
        if provider != PULUMI:
            out.append(_evaluate(store, EntityType.ACCOUNT, account_name, account_id, source=source))
            continue
        for stack, state_hash, evaluated_hash in stacks:
            if only_changed_stacks and state_hash == evaluated_hash:
                continue
            out.append(
                _evaluate(
                    store,
                    EntityType.STACK,
                    stack,
                    account_id,
                    source=source,
                    stack=stack,
                    state_hash=state_hash,
                )
            )
    return [s for s in out if s is not None]


def root_accounts(store: Store) -> list[str]:
    """Names of accounts that are nobody's child (what ``--all`` covers)."""
    with store.read() as session:
        return list(
            session.scalars(
                select(AccountRecord.name)
                .where(AccountRecord.parent_id.is_(None))
                .order_by(AccountRecord.name)
            )
        )
