"""Kubernetes discovery: objects from a source mapped to pulumi-kubernetes resource inputs.

Sources implement :class:`KubernetesObjectSource`. :class:`DumpFileSource` reads ``kubectl get -o
json`` output; :class:`~policy_host.sources.kubernetes.live.KubeconfigSource` lists a live cluster
through a kubeconfig and context. A source may also expose ``errors`` (the listings it could not read,
as :class:`DiscoveryError`) and ``api_calls``; they are copied into the result.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from ..discovered import DiscoveredResource, DiscoveryError, DiscoveryResult, Relationship, make_discovered
from .dump import read_dump
from .kinds import KUBERNETES_KINDS, KindSpec, clean_metadata, type_token

PROVIDER = "kubernetes"


class KubernetesObjectSource(Protocol):
    """Where Kubernetes objects come from.

    Optional attributes, read after ``objects()`` is exhausted: ``errors`` (a list of
    :class:`DiscoveryError`, e.g. a kind the API refused to list) and ``api_calls`` (calls per operation).
    """

    def describe(self) -> str:
        """One secret-free line naming the source (for messages and scan records)."""
        ...

    def objects(self) -> Iterable[dict[str, Any]]:
        """Every object, as the API returns it (``kind``, ``apiVersion``, ``metadata``, ...)."""
        ...


class DumpFileSource:
    """Objects from a JSON dump file (offline clusters, CI, tests)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def describe(self) -> str:
        return f"dump {self.path}"

    def objects(self) -> Iterable[dict[str, Any]]:
        return read_dump(self.path)


def map_object(obj: dict[str, Any], spec: KindSpec) -> dict[str, Any]:
    """The pulumi-kubernetes input shape of one object."""
    props: dict[str, Any] = {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "metadata": clean_metadata(obj.get("metadata") or {}),
    }
    for name in spec.fields:
        if name in obj:
            props[name] = obj[name]
    return props


def _relationships(obj: dict[str, Any], spec: KindSpec) -> tuple[Relationship, ...]:
    meta = obj.get("metadata") or {}
    out: list[Relationship] = []
    if spec.namespaced:
        out.append(Relationship("namespace", meta.get("namespace") or "default"))
        for owner in meta.get("ownerReferences") or []:
            out.append(Relationship("ownedBy", f"{meta.get('namespace') or 'default'}/{owner.get('name')}"))
    if spec.relationships is not None:
        out.extend(spec.relationships(obj))
    return tuple(out)


def discover_kubernetes(
    source: KubernetesObjectSource,
    *,
    cluster: str,
    project: str = "default",
) -> DiscoveryResult:
    """Map every supported object of ``source``; other kinds are counted in ``skipped``.

    ``cluster`` is the account segment of the audit URNs. An unreadable source raises InputError;
    a malformed object is recorded as an error and skipped.
    """
    started = time.monotonic()
    resources: list[DiscoveredResource] = []
    errors: list[DiscoveryError] = []
    skipped: dict[str, int] = {}
    seen: set[str] = set()
    for index, obj in enumerate(source.objects()):
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        api_version, kind, name = obj.get("apiVersion"), obj.get("kind"), meta.get("name")
        if not (isinstance(api_version, str) and isinstance(kind, str) and isinstance(name, str) and name):
            errors.append(
                DiscoveryError(
                    PROVIDER,
                    "dump",
                    "",
                    type_token(str(api_version or "?"), str(kind or "?")),
                    "read",
                    "InvalidObject",
                    f"object #{index + 1} of {source.describe()} lacks apiVersion, kind or metadata.name",
                )
            )
            continue
        token = type_token(api_version, kind)
        spec = KUBERNETES_KINDS.find(token)
        if spec is None:
            skipped[token] = skipped.get(token, 0) + 1
            continue
        namespace = meta.get("namespace") or "default"
        cloud_id = f"{namespace}/{name}" if spec.namespaced else name
        if (token, cloud_id) in seen:
            continue  # the same object listed twice (overlapping kubectl queries)
        seen.add((token, cloud_id))
        resources.append(
            make_discovered(
                type_token=token,
                cloud_id=cloud_id,
                name=name,
                properties=map_object(obj, spec),
                provider=PROVIDER,
                account=cluster,
                region="",
                project=project,
                relationships=_relationships(obj, spec),
            )
        )
    # a live source records the listings that failed while objects() ran; read them only now
    errors.extend(getattr(source, "errors", ()))
    resources.sort(key=lambda r: (r.type, r.cloud_id))
    return DiscoveryResult(
        provider=PROVIDER,
        account=cluster,
        resources=resources,
        errors=errors,
        api_calls=dict(getattr(source, "api_calls", {})),
        skipped=dict(sorted(skipped.items())),
        duration_seconds=time.monotonic() - started,
    )
