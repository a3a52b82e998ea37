"""Read a stack's state the way ``pulumi policy analyze`` does, into ``policy_host.model.Resource`` lists.

Accepted inputs:

- a ``pulumi stack export`` file: ``{"version": 3|4, "deployment": {"resources": [...]}}``;
- a DIY-backend checkpoint file: ``{"version": 3|4, "checkpoint": {"stack": ..., "latest": {...}}}``;
- ``org/project/stack`` looked up in a DIY backend directory (``PULUMI_BACKEND_URL=file://<dir>`` or
  ``~/.pulumi``): ``<dir>/.pulumi/stacks/<project>/<stack>.json`` (or ``.json.gz``), or the legacy
  ``<dir>/.pulumi/stacks/<stack>.json``.

Each resource is produced twice, in registration (state) order: with its **inputs** (for Remediate and
Analyze; internal ``__`` keys are kept here and stripped by :func:`strip_internal_keys` for Analyze, as
the engine does) and with its **outputs** (for AnalyzeStack). Options, parent, dependencies and property
dependencies come along; the provider reference ``<urn>::<id>`` is resolved to that provider's inputs.

Values: encrypted secrets (``ciphertext``) cannot be decrypted here and become secret-wrapped
``"[secret]"``; ``plaintext`` secrets (``stack export --show-secrets``) decode to their value, still
secret-wrapped; resource references flatten to the ID (else the URN), as the engine sends them.
Pending deletions (``delete: true``) are skipped; read resources (``external: true``) are not analyzed
but are part of the stack seen by AnalyzeStack.
"""

from __future__ import annotations

import copy
import gzip
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, UsageError
from ..model import CustomTimeouts, ProviderRef, Resource, ResourceOptions, StackContext
from ..wire.values import (
    SIG_ARCHIVE,
    SIG_ASSET,
    SIG_KEY,
    SIG_OUTPUT_VALUE,
    SIG_RESOURCE_REF,
    SIG_SECRET,
    UNKNOWN_STRING,
    is_secret,
    make_secret,
    strip_internal_keys,  # noqa: F401 - re-exported
)
from .urn import stack_urn, urn_name, urn_stack_project, urn_type

SUPPORTED_VERSIONS = (3, 4)
#: What an undecryptable secret looks like to policies (as in ``pulumi policy analyze``).
REDACTED = "[secret]"
STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass
class StackState:
    """A loaded state file: resources in registration order plus what we know of the stack."""

    path: str
    organization: str
    project: str
    stack: str
    root_urn: str
    inputs: list[Resource]
    outputs: list[Resource]
    document: dict[str, Any] = field(repr=False, default_factory=dict)
    config: dict[str, str] = field(default_factory=dict)

    def stack_context(self, dry_run: bool = True) -> StackContext:
        """What ConfigureStack and the ``PULUMI_*`` variables carry for this stack."""
        return StackContext(
            organization=self.organization,
            project=self.project,
            stack=self.stack,
            dry_run=dry_run,
            config=dict(self.config),
        )


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def load_state_file(path: str | os.PathLike[str]) -> StackState:
    """Load a stack export or checkpoint file. Raises :class:`InputError` naming the file."""
    path = os.fspath(path)
    document = _read_json(path)
    return parse_state_document(document, path)


def load_diy_stack(ref: str, backend_url: str | None = None) -> StackState:
    """Load ``org/project/stack`` from a DIY backend (``backend_url`` or ``PULUMI_BACKEND_URL`` or ``~``)."""
    parts = ref.split("/")
    if len(parts) != 3 or not all(parts):
        raise UsageError(f'--stack must be "org/project/stack", got "{ref}"')
    org, project, stack = parts
    root = _backend_dir(backend_url if backend_url is not None else os.environ.get("PULUMI_BACKEND_URL"))
    stacks = root / ".pulumi" / "stacks"
    candidates = [
        stacks / project / f"{stack}.json",
        stacks / project / f"{stack}.json.gz",
        stacks / f"{stack}.json",  # legacy, not project-scoped
        stacks / f"{stack}.json.gz",
    ]
    for candidate in candidates:
        if candidate.is_file():
            state = load_state_file(candidate)
            state.organization = org
            state.project = state.project or project
            state.stack = state.stack or stack
            return state
    raise InputError(f"stack {ref} not found in the DIY backend at {root} (looked for {candidates[0]})")


def parse_state_document(document: Any, path: str) -> StackState:
    """Turn a decoded export/checkpoint document into a :class:`StackState`."""
    if not isinstance(document, dict):
        raise InputError(f"{path}: expected a JSON object at the top level")
    version = document.get("version")
    if version is None:
        raise InputError(f'{path}: missing "version" (expected a "pulumi stack export" file or a checkpoint)')
    if isinstance(version, bool) or not isinstance(version, int) or version not in SUPPORTED_VERSIONS:
        raise InputError(f"{path}: unsupported deployment version {json.dumps(version)} (supported: 3, 4)")

    stack_name = ""
    config: dict[str, str] = {}
    if "deployment" in document:
        deployment = document["deployment"]
    elif "checkpoint" in document:
        checkpoint = document["checkpoint"]
        if not isinstance(checkpoint, dict):
            raise InputError(f'{path}: "checkpoint" must be an object')
        deployment = checkpoint.get("latest") or {}
        stack_name = str(checkpoint.get("stack") or "")
        config = {k: v for k, v in (checkpoint.get("config") or {}).items() if isinstance(v, str)}
    else:
        raise InputError(
            f'{path}: missing "deployment" (expected a "pulumi stack export" file or a checkpoint)'
        )
    if not isinstance(deployment, dict):
        raise InputError(f'{path}: "deployment" must be an object')
    raw_resources = deployment.get("resources")
    if raw_resources is None:
        raw_resources = []
    if not isinstance(raw_resources, list):
        raise InputError(f'{path}: "resources" must be a list')

    for index, raw in enumerate(raw_resources):
        _check_resource(raw, index, path)
    live = [r for r in raw_resources if not r.get("delete")]

    by_urn = {r["urn"]: r for r in live}
    root_urn = next((r["urn"] for r in live if r["type"] == STACK_TYPE and not r.get("parent")), "")
    org, project, stack = _stack_identity(stack_name, root_urn or (live[0]["urn"] if live else ""))
    if not root_urn and project and stack:
        # Old checkpoints may lack the stack resource; the engine still has a root stack URN.
        root_urn = stack_urn(stack, project)

    inputs = [_resource(r, by_urn, "inputs", path) for r in live if not r.get("external")]
    outputs = [_resource(r, by_urn, "outputs", path) for r in live]
    return StackState(
        path=path,
        organization=org,
        project=project,
        stack=stack,
        root_urn=root_urn,
        inputs=inputs,
        outputs=outputs,
        document=document,
        config=config,
    )


# ---------------------------------------------------------------------------------------------
# Remediated export (--apply-remediations)
# ---------------------------------------------------------------------------------------------


def remediated_document(state: StackState, new_inputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A copy of the state document whose resources' ``inputs`` are replaced by ``new_inputs[urn]``.

    Unchanged values keep their original encoding (ciphertext secrets stay as they were); new or changed
    secrets are written in the ``plaintext`` form ``pulumi stack import`` accepts. Outputs are untouched.
    """
    document = copy.deepcopy(state.document)
    deployment = document.get("deployment")
    if deployment is None:
        deployment = document["checkpoint"]["latest"]
    for raw in deployment.get("resources") or []:
        if raw.get("delete") or raw.get("urn") not in new_inputs:
            continue
        raw["inputs"] = _encode(new_inputs[raw["urn"]], raw.get("inputs") or {})
    return document


def write_remediated_export(state: StackState, new_inputs: dict[str, dict[str, Any]], out: str) -> None:
    """Write :func:`remediated_document` to ``out`` (JSON, 4-space indent like ``stack export``)."""
    document = remediated_document(state, new_inputs)
    try:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=4, ensure_ascii=False)
            f.write("\n")
    except OSError as e:
        raise InputError(f"{out}: cannot write remediated export: {e.strerror or e}") from None


# ---------------------------------------------------------------------------------------------
# Internals
# ---------------------------------------------------------------------------------------------


def _read_json(path: str) -> Any:
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig") as f:
            text = f.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read file: {getattr(e, 'strerror', None) or e}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(
            f"{path}: not a valid JSON file: {e.msg} at line {e.lineno} column {e.colno}"
        ) from None


def _backend_dir(url: str | None) -> Path:
    if not url:
        return Path.home()
    if not url.startswith("file://"):
        raise UsageError(f"--stack reads DIY backends only (PULUMI_BACKEND_URL=file://...); got {url}")
    rest = url[len("file://") :].split("?", 1)[0]
    return Path(os.path.expanduser(rest or "~")).resolve()


def _check_resource(raw: Any, index: int, path: str) -> None:
    if not isinstance(raw, dict):
        raise InputError(f"{path}: resource #{index} is not an object")
    urn = raw.get("urn")
    if not isinstance(urn, str) or not urn:
        raise InputError(f'{path}: resource #{index} has no "urn"')
    if not isinstance(raw.get("type"), str) or not raw["type"]:
        raise InputError(f'{path}: resource #{index} ({urn}) has no "type"')
    for key in ("inputs", "outputs", "propertyDependencies"):
        if raw.get(key) is not None and not isinstance(raw[key], dict):
            raise InputError(f'{path}: resource #{index} ({urn}): "{key}" must be an object')


def _stack_identity(stack_field: str, urn: str) -> tuple[str, str, str]:
    """(organization, project, stack) from a checkpoint's ``stack`` field and/or a URN."""
    org, project, stack = "", "", ""
    parts = stack_field.split("/") if stack_field else []
    if len(parts) == 3:
        org, project, stack = parts
    elif len(parts) == 1:
        stack = parts[0]
    urn_stack, urn_project = urn_stack_project(urn)
    return org, project or urn_project, stack or urn_stack


def _resource(raw: dict[str, Any], by_urn: dict[str, dict[str, Any]], which: str, path: str) -> Resource:
    urn = raw["urn"]
    props = decode_properties(raw.get(which) or {})
    parent = raw.get("parent") or None
    return Resource(
        type=raw["type"],
        urn=urn,
        name=urn_name(urn),
        properties=props,
        options=_options(raw, parent),
        provider=_provider(raw.get("provider"), by_urn),
        parent=parent,
        dependencies=tuple(d for d in (raw.get("dependencies") or ()) if d),
        property_dependencies={
            k: tuple(v) for k, v in (raw.get("propertyDependencies") or {}).items() if k and v
        },
    )


def _options(raw: dict[str, Any], parent: str | None) -> ResourceOptions:
    timeouts = None
    ct = raw.get("customTimeouts")
    if isinstance(ct, dict):
        timeouts = CustomTimeouts(
            create=float(ct.get("create") or 0),
            update=float(ct.get("update") or 0),
            delete=float(ct.get("delete") or 0),
            read=float(ct.get("read") or 0),
        )
    dbr = raw.get("deleteBeforeReplace")
    return ResourceOptions(
        protect=bool(raw.get("protect", False)),
        ignore_changes=tuple(raw.get("ignoreChanges") or ()),
        delete_before_replace=bool(dbr) if dbr is not None else None,
        aliases=tuple(a for a in (raw.get("aliases") or ()) if isinstance(a, str)),
        custom_timeouts=timeouts,
        additional_secret_outputs=tuple(raw.get("additionalSecretOutputs") or ()),
        parent=parent,
    )


def _provider(reference: Any, by_urn: dict[str, dict[str, Any]]) -> ProviderRef | None:
    if not isinstance(reference, str) or not reference:
        return None
    provider_urn = reference.rsplit("::", 1)[0] if reference.count("::") >= 4 else reference
    provider = by_urn.get(provider_urn)
    props = strip_internal_keys(decode_properties(provider.get("inputs") or {})) if provider else {}
    ptype = provider["type"] if provider else urn_type(provider_urn)
    return ProviderRef(type=ptype, urn=provider_urn, name=urn_name(provider_urn), properties=props)


def decode_properties(props: dict[str, Any]) -> dict[str, Any]:
    """State encoding -> the engine's wire form (see module docstring for secrets and references)."""
    return {k: decode_value(v) for k, v in props.items()}


def decode_value(value: Any) -> Any:
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    if not isinstance(value, dict):
        return value
    sig = value.get(SIG_KEY)
    if sig == SIG_SECRET:
        if "ciphertext" in value:
            return make_secret(REDACTED)
        if "plaintext" in value:
            try:
                inner = json.loads(value["plaintext"])
            except (TypeError, ValueError):
                return make_secret(REDACTED)
            return make_secret(decode_value(inner))
        return make_secret(decode_value(value.get("value")))
    if sig == SIG_RESOURCE_REF:
        ref_id = value.get("id")
        return ref_id if isinstance(ref_id, str) and ref_id else value.get("urn", "")
    if sig == SIG_OUTPUT_VALUE:
        if "value" not in value:
            return UNKNOWN_STRING
        inner = decode_value(value["value"])
        return make_secret(inner) if value.get("secret") else inner
    if sig in (SIG_ASSET, SIG_ARCHIVE):
        return {k: decode_value(v) for k, v in value.items()}
    return {k: decode_value(v) for k, v in value.items()}


def _encode(new: Any, original: Any) -> Any:
    """Wire form -> state encoding, reusing ``original``'s encoding wherever the value is unchanged."""
    if original is not None and _same(decode_value(original), new):
        return original
    if is_secret(new):
        plain = _encode(new.get("value"), None)
        return {SIG_KEY: SIG_SECRET, "plaintext": json.dumps(plain, separators=(",", ":"))}
    if isinstance(new, dict):
        orig = original if isinstance(original, dict) and SIG_KEY not in original else {}
        return {k: _encode(v, orig.get(k)) for k, v in new.items()}
    if isinstance(new, list):
        orig_list = original if isinstance(original, list) else []
        return [_encode(v, orig_list[i] if i < len(orig_list) else None) for i, v in enumerate(new)]
    if isinstance(new, float) and math.isfinite(new) and new.is_integer():
        return int(new)
    return new


def _same(a: Any, b: Any) -> bool:
    """Equality where 3 == 3.0 but True != 1 (wire numbers are all doubles)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b
