"""Shared fixtures for the bundled packs' tests.

Policies are evaluated through ``pulumi_policy``'s own servicer (``policy_host.sdk.reference_harness``)
with real ``pulumi.runtime.proto`` requests, so a pack's tests see exactly what ``pulumi preview
--policy-pack`` would report. Tests assert on policy names, levels, messages and remediated
properties only, so this plumbing can later be swapped for ``policy_host.testing``.

Fixtures:
    pack      the pack's policies module (``<pack_name>_policies``), imported with the pack directory
              first on ``sys.path``, the way the runtime imports it
    analyzer  a factory ``analyzer(config=None, level="advisory")`` -> ``ReferenceHarness`` over the
              whole pack
    corpus    ``Corpus``: the real ``pulumi stack export`` files under ``../shared/corpus/states``
              (override with ``POLICY_HOST_CORPUS``) and ``corpus.findings(harness, file)``
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from policy_host.model import ProviderRef, Resource
from policy_host.sdk.reference_harness import ReferenceHarness
from policy_host.wire import SIG_KEY, SIG_SECRET, UNKNOWN_STRING
from policy_host.wire.values import SIG_OUTPUT_VALUE, SIG_RESOURCE_REF

PACKS_DIR = Path(__file__).resolve().parent
CORPUS_DIR = Path(
    os.environ.get("POLICY_HOST_CORPUS", PACKS_DIR.parent.parent / "shared" / "corpus" / "states")
)


def _pack_dir(start: Path) -> Path:
    for directory in (start, *start.parents):
        if (directory / "PulumiPolicy.yaml").is_file():
            return directory
    raise LookupError(f"{start} is not inside a policy pack (no PulumiPolicy.yaml above it)")


@pytest.fixture
def pack_dir(request: pytest.FixtureRequest) -> Path:
    return _pack_dir(Path(request.path).resolve().parent)


@pytest.fixture
def pack(pack_dir: Path) -> ModuleType:
    module_name = pack_dir.name.replace("-", "_") + "_policies"
    if str(pack_dir) not in sys.path:
        sys.path.insert(0, str(pack_dir))
    return importlib.import_module(module_name)


@pytest.fixture
def analyzer(pack: ModuleType, pack_dir: Path):
    meta = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text())

    def make(config: dict[str, Any] | None = None, level: str = "advisory") -> ReferenceHarness:
        return ReferenceHarness(
            pack.POLICIES, pack=pack_dir.name, version=str(meta["version"]), level=level, config=config
        )

    return make


# -- the real exports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One violation found in an export: which policy, on which resource (by URN name), at what level."""

    policy: str
    resource: str
    type: str
    level: str
    detail: str


class Corpus:
    """Reads ``pulumi stack export`` files the way ``pulumi policy analyze --file`` feeds packs."""

    def __init__(self, directory: Path) -> None:
        if not directory.is_dir():
            pytest.fail(f"the export corpus is missing: {directory} (set POLICY_HOST_CORPUS)")
        self.directory = directory

    def exports(self) -> list[str]:
        """Every stack export in the corpus (event logs excluded)."""
        return sorted(p.name for p in self.directory.glob("*.json"))

    def resources(self, file: str) -> list[dict[str, Any]]:
        data = json.loads((self.directory / file).read_text())
        deployment = data.get("deployment") or data.get("checkpoint", {}).get("latest") or {}
        provider = (deployment.get("secrets_providers") or {}).get("type", "")
        return [_decode_secrets(r, provider) for r in deployment.get("resources") or []]

    def findings(self, harness: ReferenceHarness, file: str) -> list[Finding]:
        """Analyze every resource's inputs, then AnalyzeStack over the outputs; collect violations."""
        raw = self.resources(file)
        by_urn = {r["urn"]: r for r in raw}
        out: list[Finding] = []
        for r in raw:
            resource = _as_resource(r, by_urn, "inputs")
            for v in harness.analyze(
                resource.type,
                resource.properties,
                name=resource.name,
                urn=resource.urn,
                provider=resource.provider,
            ).violations:
                out.append(Finding(v.policy, resource.name, resource.type, v.level, v.detail))
        names = {r["urn"]: _name(r["urn"]) for r in raw}
        for v in harness.analyze_stack([_as_resource(r, by_urn, "outputs") for r in raw]).violations:
            urn_type = by_urn[v.urn]["type"] if v.urn in by_urn else "pulumi:pulumi:Stack"
            out.append(Finding(v.policy, names.get(v.urn, "<stack>"), urn_type, v.level, v.detail))
        return out


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return Corpus(CORPUS_DIR)


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _decode_secrets(value: Any, provider: str) -> Any:
    """Export values -> what the engine sends analyzers.

    Secrets: plaintext is JSON text; ``b64`` ciphertext is decodable; other ciphertext cannot be
    decrypted here and becomes ``"[secret]"`` (as ``pulumi policy analyze``). Resource references are
    flattened to the ID (else the URN) and output values to their value or the unknown sentinel, as
    the engine does (engine-protocol.md §7.1).
    """
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SIG_RESOURCE_REF:
            return value.get("id") or value.get("urn", "")
        if sig == SIG_OUTPUT_VALUE:
            if "value" not in value:
                return UNKNOWN_STRING
            inner = _decode_secrets(value["value"], provider)
            return {SIG_KEY: SIG_SECRET, "value": inner} if value.get("secret") else inner
        if sig == SIG_SECRET and "value" not in value:
            if "plaintext" in value:
                inner = json.loads(value["plaintext"])
            elif provider == "b64" and "ciphertext" in value:
                inner = json.loads(base64.b64decode(value["ciphertext"]))
            else:
                inner = "[secret]"
            return {SIG_KEY: SIG_SECRET, "value": _decode_secrets(inner, provider)}
        return {k: _decode_secrets(v, provider) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_secrets(v, provider) for v in value]
    return value


def _strip_internal(value: Any) -> Any:
    # Analyze requests never carry internal "__" keys (engine SkipInternalKeys, at every level).
    if isinstance(value, dict):
        return {k: _strip_internal(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [_strip_internal(v) for v in value]
    return value


def _as_resource(r: dict[str, Any], by_urn: dict[str, dict[str, Any]], kind: str) -> Resource:
    provider = None
    if r.get("provider"):
        provider_urn = r["provider"].rsplit("::", 1)[0]
        p = by_urn.get(provider_urn)
        if p is not None:
            provider = ProviderRef(
                type=p["type"],
                urn=provider_urn,
                name=_name(provider_urn),
                properties=_strip_internal(p.get("inputs") or {}),
            )
    return Resource(
        type=r["type"],
        urn=r["urn"],
        name=_name(r["urn"]),
        properties=_strip_internal(r.get(kind) or {}),
        provider=provider,
        parent=r.get("parent"),
        dependencies=tuple(r.get("dependencies") or ()),
        property_dependencies={k: tuple(v or ()) for k, v in (r.get("propertyDependencies") or {}).items()},
    )
