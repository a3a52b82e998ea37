"""Kubernetes kinds discovery maps, keyed by their pulumi-kubernetes type token.

Every object is handed over in the provider's *input* shape ``{apiVersion, kind, metadata, spec}``
(ConfigMaps: ``data``/``binaryData``/``immutable``; Secrets: ``type``/``immutable``, never their data).
Server-owned fields are dropped: ``status`` and the metadata the API server writes (uid,
resourceVersion, generation, creationTimestamp, managedFields, ...). The
``kubectl.kubernetes.io/last-applied-configuration`` annotation is dropped too: on a Secret it holds
the secret's data in plaintext.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..discovered import Relationship
from ..registry import Registry

SERVER_METADATA = frozenset(
    {
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "selfLink",
        "managedFields",
    }
)
DROPPED_ANNOTATIONS = frozenset({"kubectl.kubernetes.io/last-applied-configuration"})


@dataclass(frozen=True)
class KindSpec:
    """One supported kind: which top-level fields are inputs, and whether it lives in a namespace."""

    type_token: str
    fields: tuple[str, ...] = ("spec",)
    namespaced: bool = True
    relationships: Callable[[dict[str, Any]], Iterable[Relationship]] | None = None


KUBERNETES_KINDS: Registry[KindSpec] = Registry("Kubernetes kind")


def type_token(api_version: str, kind: str) -> str:
    """``("apps/v1", "Deployment")`` -> ``kubernetes:apps/v1:Deployment``; core ``v1`` -> ``core/v1``."""
    group_version = api_version if "/" in api_version else f"core/{api_version}"
    return f"kubernetes:{group_version}:{kind}"


def clean_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Metadata as a program would write it: server-owned fields and unsafe annotations removed."""
    out = {k: v for k, v in metadata.items() if k not in SERVER_METADATA}
    annotations = {k: v for k, v in (out.get("annotations") or {}).items() if k not in DROPPED_ANNOTATIONS}
    if annotations:
        out["annotations"] = annotations
    else:
        out.pop("annotations", None)
    return out


def _ns(obj: dict[str, Any]) -> str:
    return (obj.get("metadata") or {}).get("namespace") or "default"


def _pod_spec_refs(obj: dict[str, Any], pod_spec: dict[str, Any] | None) -> list[Relationship]:
    """ConfigMaps, Secrets and the service account a pod spec uses."""
    if not pod_spec:
        return []
    ns = _ns(obj)
    out: list[Relationship] = []
    if pod_spec.get("serviceAccountName"):
        out.append(Relationship("serviceAccount", f"{ns}/{pod_spec['serviceAccountName']}"))
    config_maps: set[str] = set()
    secrets: set[str] = set()
    for vol in pod_spec.get("volumes") or []:
        if (vol.get("configMap") or {}).get("name"):
            config_maps.add(vol["configMap"]["name"])
        if (vol.get("secret") or {}).get("secretName"):
            secrets.add(vol["secret"]["secretName"])
    for container in (pod_spec.get("containers") or []) + (pod_spec.get("initContainers") or []):
        for env in container.get("env") or []:
            source = env.get("valueFrom") or {}
            if (source.get("configMapKeyRef") or {}).get("name"):
                config_maps.add(source["configMapKeyRef"]["name"])
            if (source.get("secretKeyRef") or {}).get("name"):
                secrets.add(source["secretKeyRef"]["name"])
        for env_from in container.get("envFrom") or []:
            if (env_from.get("configMapRef") or {}).get("name"):
                config_maps.add(env_from["configMapRef"]["name"])
            if (env_from.get("secretRef") or {}).get("name"):
                secrets.add(env_from["secretRef"]["name"])
    out += [Relationship("usesConfigMap", f"{ns}/{n}") for n in sorted(config_maps)]
    out += [Relationship("usesSecret", f"{ns}/{n}") for n in sorted(secrets)]
    return out


def _template_refs(obj: dict[str, Any]) -> list[Relationship]:
    return _pod_spec_refs(obj, (((obj.get("spec") or {}).get("template") or {}).get("spec")))


def _cronjob_refs(obj: dict[str, Any]) -> list[Relationship]:
    job = ((obj.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}
    return _pod_spec_refs(obj, (job.get("template") or {}).get("spec"))


def _ingress_refs(obj: dict[str, Any]) -> list[Relationship]:
    ns = _ns(obj)
    spec = obj.get("spec") or {}
    services: set[str] = set()
    backends = [spec.get("defaultBackend") or {}]
    for rule in spec.get("rules") or []:
        backends += [p.get("backend") or {} for p in (rule.get("http") or {}).get("paths") or []]
    for b in backends:
        name = (b.get("service") or {}).get("name")
        if name:
            services.add(name)
    tls = {t["secretName"] for t in spec.get("tls") or [] if t.get("secretName")}
    return [Relationship("routesTo", f"{ns}/{s}") for s in sorted(services)] + [
        Relationship("usesSecret", f"{ns}/{s}") for s in sorted(tls)
    ]


def _register(token: str, **fields: Any) -> None:
    KUBERNETES_KINDS.register(token, KindSpec(type_token=token, **fields))


_register("kubernetes:apps/v1:Deployment", relationships=_template_refs)
_register("kubernetes:apps/v1:StatefulSet", relationships=_template_refs)
_register("kubernetes:apps/v1:DaemonSet", relationships=_template_refs)
_register("kubernetes:batch/v1:Job", relationships=_template_refs)
_register("kubernetes:batch/v1:CronJob", relationships=_cronjob_refs)
_register("kubernetes:core/v1:Pod", relationships=lambda obj: _pod_spec_refs(obj, obj.get("spec")))
_register("kubernetes:core/v1:Service")
_register("kubernetes:core/v1:Namespace", namespaced=False)
_register("kubernetes:networking.k8s.io/v1:Ingress", relationships=_ingress_refs)
_register("kubernetes:core/v1:ConfigMap", fields=("data", "binaryData", "immutable"))
# Secret data never leaves the cluster dump: only metadata, type and immutability are kept.
_register("kubernetes:core/v1:Secret", fields=("type", "immutable"))
