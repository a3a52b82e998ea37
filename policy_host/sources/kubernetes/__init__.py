"""Kubernetes discovery: cluster objects mapped to pulumi-kubernetes resource inputs.

Public surface: ``discover_kubernetes(source, cluster=..., project=...)``, ``DumpFileSource``,
``KubeconfigSource`` (a live cluster through a kubeconfig and context), ``KubernetesObjectSource`` (what
every source implements), ``KUBERNETES_KINDS``,
``read_dump``/``parse_dump``, ``type_token``.
"""

from __future__ import annotations

from .discover import DumpFileSource, KubernetesObjectSource, discover_kubernetes, map_object
from .dump import parse_dump, read_dump
from .kinds import KUBERNETES_KINDS, KindSpec, type_token
from .live import KubeconfigSource

__all__ = [
    "KUBERNETES_KINDS",
    "DumpFileSource",
    "KindSpec",
    "KubeconfigSource",
    "KubernetesObjectSource",
    "discover_kubernetes",
    "map_object",
    "parse_dump",
    "read_dump",
    "type_token",
]
