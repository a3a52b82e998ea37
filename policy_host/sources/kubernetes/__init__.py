"""Kubernetes discovery: cluster objects mapped to pulumi-kubernetes resource inputs.

Public surface: ``discover_kubernetes(source, cluster=..., project=...)``, ``DumpFileSource``,
``KubernetesObjectSource`` (the extension point for live clusters), ``KUBERNETES_KINDS``,
``read_dump``/``parse_dump``, ``type_token``.
"""

from __future__ import annotations

from .discover import DumpFileSource, KubernetesObjectSource, discover_kubernetes, map_object
from .dump import parse_dump, read_dump
from .kinds import KUBERNETES_KINDS, KindSpec, type_token

__all__ = [
    "KUBERNETES_KINDS",
    "DumpFileSource",
    "KindSpec",
    "KubernetesObjectSource",
    "discover_kubernetes",
    "map_object",
    "parse_dump",
    "read_dump",
    "type_token",
]
