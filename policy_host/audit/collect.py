"""Run discovery for an account and turn what it found into per-account snapshots.

Discovery itself lives in ``policy_host.sources`` (AWS, live Kubernetes clusters and dumps, stack
exports); this module picks the source an account's config names, runs it once for everything a scan
covers, and splits the result by account: an AWS parent scan lists every region once (one identity
call, one ListBuckets) and hands each region's resources to the child ``NAME/REGION`` and the global
ones (IAM) to the parent.

A snapshot also says what the scan could *not* see, so that the writer does not mark those resources
deleted: types whose listing failed, cloud ids whose detail reads failed, stacks whose state could not be
read. Nothing here touches the store.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..entities.ref import DEFAULT_ORGANIZATION
from ..errors import InputError, PolicyHostError
from ..sources.discovered import GLOBAL_REGION, DiscoveredResource, DiscoveryResult
from ..sources.stack_export import StackState, load_state_file
from .accounts import AWS, KUBERNETES, PULUMI
from .canonical import properties_hash, seal_secrets
from .models import DISCOVERED, STACK, STACK_READ
from .resources import stack_extra

ProgressFn = Callable[[Any], None]


@dataclass
class Item:
    """One resource as a scan saw it (properties in wire form; sealed by the writer)."""

    urn: str
    type: str
    name: str
    provider: str
    region: str
    cloud_id: str
    properties: dict[str, Any]
    origin: str = DISCOVERED
    arn: str | None = None
    stack: str | None = None
    position: int = 0
    extra: dict[str, Any] | None = None
    relationships: tuple[tuple[str, str], ...] = ()
    partial: tuple[str, ...] = ()


@dataclass
class StackInfo:
    """A stack read by a ``pulumi`` account scan."""

    name: str
    source: str
    state_hash: str
    resource_count: int


@dataclass
class Snapshot:
    """Everything one scan saw of one account, and what it could not see."""

    account: str
    items: list[Item] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    uncertain_types: set[str] = field(default_factory=set)
    uncertain_ids: set[str] = field(default_factory=set)
    uncertain_stacks: set[str] = field(default_factory=set)
    failed_sources: set[str] = field(default_factory=set)
    stacks: list[StackInfo] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for item in self.items:
            out[item.type] = out.get(item.type, 0) + 1
        return dict(sorted(out.items()))


@dataclass(frozen=True)
class Target:
    """An account a scan covers: name, provider, region (children) and the root's config."""

    name: str
    provider: str
    region: str | None
    root: str
    config: dict[str, Any]


def collect(targets: list[Target], on_progress: ProgressFn | None = None) -> dict[str, Snapshot]:
    """Discover every target (all share one root account); snapshots by account name.

    Raises PolicyHostError (one line) when the scan cannot start at all: no credentials, a missing
    dump file, an unsupported source. Partial failures are recorded in the snapshots instead.
    """
    provider = targets[0].provider
    if provider == AWS:
        return _collect_aws(targets, on_progress)
    if provider == KUBERNETES:
        return {t.name: _collect_kubernetes(t, on_progress) for t in targets}
    if provider == PULUMI:
        return {t.name: _collect_pulumi(t, on_progress) for t in targets}
    raise InputError(f"account {targets[0].name}: unknown provider {provider!r}")


# ---------------------------------------------------------------------------------------------
# AWS
# ---------------------------------------------------------------------------------------------


def _global_region(regions: list[str]) -> str:
    """Where IAM, STS and ListBuckets go: the partition's home region."""
    first = regions[0] if regions else "us-east-1"
    if first.startswith("us-gov-"):
        return "us-gov-west-1"
    if first.startswith("cn-"):
        return "cn-north-1"
    return "us-east-1"


def aws_source(config: dict[str, Any]):
    """The ``AwsCredentialSource`` an account's config names (names only, never keys)."""
    from ..sources.aws import AwsCredentialSource

    creds = dict(config.get("credentials") or {"kind": "env"})
    return AwsCredentialSource(
        kind=creds.get("kind", "env"),
        profile=creds.get("profile"),
        role_arn=creds.get("role_arn"),
        external_id=creds.get("external_id"),
        endpoint_url=config.get("endpoint_url"),
    )


def _derived_by_parent() -> dict[str, list[str]]:
    from ..sources.aws import load_specs

    _, derived = load_specs(None)
    out: dict[str, list[str]] = {}
    for d in derived:
        out.setdefault(d.parent, []).append(d.type_token)
    return out


def _item(d: DiscoveredResource) -> Item:
    return Item(
        urn=d.urn,
        type=d.type,
        name=d.resource.name,
        provider=d.provider,
        region=d.region or "",
        cloud_id=d.cloud_id,
        properties=d.properties,
        arn=d.arn,
        relationships=tuple((r.kind, r.target) for r in d.relationships),
        partial=tuple(d.partial),
    )


def _collect_aws(targets: list[Target], on_progress: ProgressFn | None) -> dict[str, Snapshot]:
    from ..sources.aws import DiscoveryOptions, discover_aws

    config = targets[0].config
    root = targets[0].root
    scans_root = any(t.region is None for t in targets)
    regions = list(config.get("regions", ())) if scans_root else [t.region for t in targets if t.region]
    options = DiscoveryOptions(
        regions=tuple(regions),
        include_global=scans_root,
        global_region=_global_region(regions),
        max_workers=int(config.get("max_workers") or 8),
        account_label=root,
    )
    result = discover_aws(aws_source(config), options, on_progress)
    return split_aws(result, targets, _derived_by_parent())


def split_aws(
    result: DiscoveryResult, targets: list[Target], derived: dict[str, list[str]]
) -> dict[str, Snapshot]:
    """Hand each discovered resource and error to the account of its region."""
    snapshots = {t.name: Snapshot(t.name) for t in targets}
    by_region = {t.region: t.name for t in targets if t.region}
    fallback = next((t.name for t in targets if t.region is None), targets[0].name)

    def owner(region: str) -> str:
        return by_region.get(region, fallback) if region and region != GLOBAL_REGION else fallback

    for d in result.resources:
        name = owner(d.region)
        if d.region not in ("", GLOBAL_REGION) and d.region not in by_region:
            continue  # a region this scan does not cover (discovery filters these already)
        snapshots[name].items.append(_item(d))
    for e in result.errors:
        snap = snapshots[owner(e.region)]
        snap.errors.append(str(e))
        if e.resource_id is None:
            # a listing failed: nothing of this type (or of what derives from it) may be called deleted
            types = {e.type_token, *derived.get(e.type_token, ())}
            for s in snapshots.values():
                s.uncertain_types |= types
        else:
            for s in snapshots.values():
                s.uncertain_ids.add(e.resource_id)
    return snapshots


# ---------------------------------------------------------------------------------------------
# Kubernetes
# ---------------------------------------------------------------------------------------------


def kubernetes_source(config: dict[str, Any], on_progress: ProgressFn | None = None):
    """The object source an account's config names: a dump file, or a kubeconfig and context."""
    from ..sources.kubernetes import DumpFileSource, KubeconfigSource

    if config.get("dump"):
        return DumpFileSource(config["dump"])
    return KubeconfigSource(config.get("kubeconfig"), config.get("context"), on_progress=on_progress)


def _collect_kubernetes(target: Target, on_progress: ProgressFn | None) -> Snapshot:
    from ..sources.kubernetes import discover_kubernetes

    result = discover_kubernetes(kubernetes_source(target.config, on_progress), cluster=target.name)
    snap = Snapshot(target.name, items=[_item(d) for d in result.resources])
    for e in result.errors:
        snap.errors.append(str(e))
        if e.operation == "list":
            # a kind the cluster refused to list: its stored resources are unseen, not deleted
            snap.uncertain_types.add(e.type_token)
    return snap


# ---------------------------------------------------------------------------------------------
# Pulumi stacks
# ---------------------------------------------------------------------------------------------


def stack_files(backend_dir: str) -> list[Path]:
    """The stack checkpoints of a DIY backend: ``.pulumi/stacks/<project>/<stack>.json[.gz]`` and the
    legacy ``.pulumi/stacks/<stack>.json[.gz]``; backups (``.bak``) and attributes files are skipped."""
    root = Path(backend_dir) / ".pulumi" / "stacks"
    if not root.is_dir():
        raise InputError(f"{backend_dir}: not a DIY backend (no .pulumi/stacks directory)")
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and (path.name.endswith(".json") or path.name.endswith(".json.gz")):
            if len(path.relative_to(root).parts) <= 2:
                found.append(path)
    return found


def _stack_name(state: StackState, path: Path | None, backend_root: Path | None) -> str:
    project, stack = state.project, state.stack
    if path is not None and backend_root is not None:
        rel = path.relative_to(backend_root).parts
        base = rel[-1].removesuffix(".gz").removesuffix(".json")
        stack = stack or base
        if len(rel) == 2:
            project = project or rel[0]
    if not project or not stack:
        raise InputError(f"{state.path}: cannot tell the stack's project and name (no stack resource)")
    return f"{state.organization or DEFAULT_ORGANIZATION}/{project}/{stack}"


def _raw_resources(state: StackState) -> list[dict[str, Any]]:
    doc = state.document
    deployment = doc.get("deployment") if "deployment" in doc else (doc.get("checkpoint") or {}).get("latest")
    return [r for r in ((deployment or {}).get("resources") or []) if isinstance(r, dict)]


def stack_items(state: StackState, stack: str) -> list[Item]:
    """Every live resource of a stack, in state order, with its id, ARN and region where known."""
    raw_by_urn = {r.get("urn"): r for r in _raw_resources(state) if not r.get("delete")}
    inputs = {r.urn: r for r in state.inputs}
    items = []
    for position, out in enumerate(state.outputs):
        raw = raw_by_urn.get(out.urn) or {}
        res_in = inputs.get(out.urn)
        arn = out.properties.get("arn")
        region = out.properties.get("region")
        relationships = []
        if out.parent:
            relationships.append(("parent", out.parent))
        relationships.extend(("dependsOn", d) for d in out.dependencies)
        items.append(
            Item(
                urn=out.urn,
                type=out.type,
                name=out.name,
                provider=out.type.split(":", 1)[0],
                region=region if isinstance(region, str) else "",
                cloud_id=str(raw.get("id") or ""),
                properties=res_in.properties if res_in is not None else {},
                origin=STACK if res_in is not None else STACK_READ,
                arn=arn if isinstance(arn, str) and arn.startswith("arn:") else None,
                stack=stack,
                position=position,
                extra=stack_extra(res_in, out),
                relationships=tuple(relationships),
            )
        )
    return items


def _state_hash(items: list[Item]) -> str:
    return properties_hash(
        {"resources": [[i.urn, seal_secrets(i.properties), seal_secrets(i.extra)] for i in items]}
    )


def _collect_pulumi(target: Target, on_progress: ProgressFn | None) -> Snapshot:
    snap = Snapshot(target.name)
    sources: list[tuple[str, Path | None]] = [(p, None) for p in target.config.get("exports", ())]
    backend = target.config.get("backend_dir")
    backend_root = Path(backend) / ".pulumi" / "stacks" if backend else None
    if backend:
        try:
            sources.extend((str(p), backend_root) for p in stack_files(backend))
        except PolicyHostError as e:
            snap.errors.append(str(e))
            snap.failed_sources.add(backend)
    seen: set[str] = set()
    for path, root in sources:
        try:
            state = load_state_file(path)
            name = _stack_name(state, Path(path) if root else None, root)
        except PolicyHostError as e:
            snap.errors.append(str(e))
            snap.failed_sources.add(path)
            continue
        if name in seen:
            snap.errors.append(f"{path}: stack {name} was already read from another file; skipped")
            continue
        seen.add(name)
        items = stack_items(state, name)
        snap.items.extend(items)
        snap.stacks.append(StackInfo(name, os.fspath(path), _state_hash(items), len(items)))
        if on_progress is not None:
            on_progress(("stack", name, len(items)))
    return snap
