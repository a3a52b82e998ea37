"""The policy-as-code file: groups, pack pins, config and exemptions in YAML (or JSON).

    apiVersion: policy-host/v1
    groups:
      - name: prod
        entityType: stacks          # stacks | accounts (required for a new group)
        mode: preventative          # default: preventative for stacks, audit for accounts
        stacks: [acme/web/prod]     # explicit members org/project/stack
        accounts: []                # explicit members (groups of accounts only)
        selectors:
          stacks: ["acme/*/prod"]   # globs over org/project/stack
          accounts: ["prod/*"]      # globs over account names
          tags: ["env=prod"]        # key=value[,key=value] over stack tags
        packs:
          - name: aws-baseline
            version: latest         # or a published version
            config: {all: mandatory, s3-no-public-read: {enforcementLevel: advisory}}
    exemptions:
      - id: legacy-bucket
        policies: [s3-no-public-read]   # globs; PACK:POLICY names one pack's policy
        urn: "urn:pulumi:prod::web::aws:s3/bucket:Bucket::legacy*"
        type: aws:s3/bucket:Bucket
        stack: acme/web/*
        account: prod/*
        tags: {data-classification: public}
        reason: public website assets
        owner: web-team
        expires: 2026-12-31

Parsing checks shape and syntax only (names, patterns, ids); pack versions and config are checked
against the registry when the file is applied. Errors name the file and the path inside it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from ..entities.patterns import (
    check_account_name,
    compile_account_pattern,
    compile_stack_pattern,
    parse_stack_name,
    parse_tag_selector,
)
from ..errors import InputError
from ..exemptions.match import validate as validate_exemption
from ..exemptions.model import Exemption, format_time, parse_expiry
from ..groups.model import ENTITY_TYPES, MODES
from ..registry.packs import LATEST, check_name

API_VERSION = "policy-host/v1"
_TOP_KEYS = {"apiVersion", "groups", "exemptions"}
_GROUP_KEYS = {"name", "entityType", "mode", "stacks", "accounts", "selectors", "packs"}
_SELECTOR_KEYS = {"stacks", "accounts", "tags"}
_PACK_KEYS = {"name", "version", "config"}
_EXEMPTION_KEYS = {"id", "policies", "urn", "type", "stack", "account", "tags", "reason", "owner", "expires"}


@dataclass(frozen=True)
class PackSpec:
    name: str
    version: str
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupSpec:
    name: str
    entity_type: str | None
    mode: str | None
    stacks: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    stack_patterns: tuple[str, ...] = ()
    account_patterns: tuple[str, ...] = ()
    tag_selectors: tuple[str, ...] = ()
    packs: tuple[PackSpec, ...] = ()


@dataclass(frozen=True)
class Document:
    groups: tuple[GroupSpec, ...] = ()
    exemptions: tuple[Exemption, ...] = ()


class _Reader:
    """Walks the parsed YAML, raising InputError with ``file: path: problem``."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, path: str, problem: str) -> InputError:
        return InputError(f"{self.source}: {path}: {problem}" if path else f"{self.source}: {problem}")

    def mapping(self, value: Any, path: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {type(value).__name__}")
        unknown = sorted(str(k) for k in value if k not in allowed)
        if unknown:
            raise self.fail(path, f"unknown key {unknown[0]!r}; expected one of {', '.join(sorted(allowed))}")
        return value

    def string(self, value: Any, path: str, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                raise self.fail(path, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(path, f"expected a string, got {type(value).__name__}")
        return str(value)

    def strings(self, value: Any, path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {type(value).__name__}")
        out = tuple(self.string(v, f"{path}[{i}]", required=True) or "" for i, v in enumerate(value))
        dupes = sorted({v for v in out if out.count(v) > 1})
        if dupes:
            raise self.fail(path, f"{dupes[0]!r} is listed twice")
        return out

    def check(self, path: str, fn, *args) -> Any:
        try:
            return fn(*args)
        except InputError as e:
            raise self.fail(path, str(e)) from None


def parse_document(data: Any, source: str) -> Document:
    """Validate already-loaded YAML/JSON data into a Document."""
    r = _Reader(source)
    if data is None:
        return Document()
    top = r.mapping(data, "", _TOP_KEYS)
    api = top.get("apiVersion", API_VERSION)
    if api != API_VERSION:
        raise r.fail("apiVersion", f"unsupported {api!r}; expected {API_VERSION}")
    groups_raw = top.get("groups") or []
    if not isinstance(groups_raw, list):
        raise r.fail("groups", "expected a list")
    groups = [_parse_group(r, g, f"groups[{i}]") for i, g in enumerate(groups_raw)]
    names = [g.name for g in groups]
    for n in names:
        if names.count(n) > 1:
            raise r.fail("groups", f"group {n!r} is listed twice")
    ex_raw = top.get("exemptions") or []
    if not isinstance(ex_raw, list):
        raise r.fail("exemptions", "expected a list")
    exemptions = [_parse_exemption(r, e, f"exemptions[{i}]") for i, e in enumerate(ex_raw)]
    ids = [e.id for e in exemptions]
    for i in ids:
        if ids.count(i) > 1:
            raise r.fail("exemptions", f"exemption {i!r} is listed twice")
    return Document(tuple(groups), tuple(exemptions))


def _parse_group(r: _Reader, raw: Any, path: str) -> GroupSpec:
    g = r.mapping(raw, path, _GROUP_KEYS)
    name = r.string(g.get("name"), f"{path}.name", required=True) or ""
    entity_type = r.string(g.get("entityType"), f"{path}.entityType")
    if entity_type is not None and entity_type not in ENTITY_TYPES:
        raise r.fail(f"{path}.entityType", f"expected stacks or accounts, got {entity_type!r}")
    mode = r.string(g.get("mode"), f"{path}.mode")
    if mode is not None and mode not in MODES:
        raise r.fail(f"{path}.mode", f"expected preventative or audit, got {mode!r}")
    stacks = r.strings(g.get("stacks"), f"{path}.stacks")
    for i, s in enumerate(stacks):
        r.check(f"{path}.stacks[{i}]", parse_stack_name, s)
    accounts = r.strings(g.get("accounts"), f"{path}.accounts")
    for i, a in enumerate(accounts):
        r.check(f"{path}.accounts[{i}]", check_account_name, a)
    sel = r.mapping(g.get("selectors") or {}, f"{path}.selectors", _SELECTOR_KEYS)
    stack_patterns = r.strings(sel.get("stacks"), f"{path}.selectors.stacks")
    for i, p in enumerate(stack_patterns):
        r.check(f"{path}.selectors.stacks[{i}]", compile_stack_pattern, p)
    account_patterns = r.strings(sel.get("accounts"), f"{path}.selectors.accounts")
    for i, p in enumerate(account_patterns):
        r.check(f"{path}.selectors.accounts[{i}]", compile_account_pattern, p)
    tags = tuple(
        r.check(f"{path}.selectors.tags[{i}]", parse_tag_selector, t).expr
        for i, t in enumerate(r.strings(sel.get("tags"), f"{path}.selectors.tags"))
    )
    packs_raw = g.get("packs") or []
    if not isinstance(packs_raw, list):
        raise r.fail(f"{path}.packs", "expected a list")
    packs = []
    for i, p in enumerate(packs_raw):
        ppath = f"{path}.packs[{i}]"
        pm = r.mapping(p, ppath, _PACK_KEYS)
        pname = r.string(pm.get("name"), f"{ppath}.name", required=True) or ""
        r.check(f"{ppath}.name", check_name, "policy pack name", pname)
        version = r.string(pm.get("version"), f"{ppath}.version") or LATEST
        if version != LATEST:
            r.check(f"{ppath}.version", check_name, "policy pack version", version)
        config = pm.get("config") or {}
        if not isinstance(config, dict):
            raise r.fail(f"{ppath}.config", "expected a mapping in the --policy-pack-config format")
        if any(x.name == pname for x in packs):
            raise r.fail(ppath, f"pack {pname!r} is listed twice in this group")
        packs.append(PackSpec(pname, version, config))
    return GroupSpec(
        name=name,
        entity_type=entity_type,
        mode=mode,
        stacks=stacks,
        accounts=accounts,
        stack_patterns=stack_patterns,
        account_patterns=account_patterns,
        tag_selectors=tags,
        packs=tuple(packs),
    )


def _parse_exemption(r: _Reader, raw: Any, path: str) -> Exemption:
    e = r.mapping(raw, path, _EXEMPTION_KEYS)
    policies = e.get("policies")
    if isinstance(policies, str):
        policies = [policies]
    tags = e.get("tags") or {}
    if not isinstance(tags, dict):
        raise r.fail(f"{path}.tags", "expected a mapping of tag name to value (glob)")
    expires = e.get("expires")
    if not isinstance(expires, str | date | datetime | type(None)):
        raise r.fail(f"{path}.expires", "expected a date or an ISO 8601 time")
    ex = Exemption(
        id=r.string(e.get("id"), f"{path}.id", required=True) or "",
        policies=r.strings(policies, f"{path}.policies"),
        reason=r.string(e.get("reason"), f"{path}.reason") or "",
        owner=r.string(e.get("owner"), f"{path}.owner") or "",
        urn=r.string(e.get("urn"), f"{path}.urn"),
        resource_type=r.string(e.get("type"), f"{path}.type"),
        stack=r.string(e.get("stack"), f"{path}.stack"),
        account=r.string(e.get("account"), f"{path}.account"),
        resource_tags={str(k): str(v) for k, v in tags.items()},
        expires_at=r.check(f"{path}.expires", parse_expiry, expires),
    )
    return r.check(path, validate_exemption, ex)


def load_document(path: str | Path) -> Document:
    """Read and validate a policy-as-code file (YAML; JSON is YAML too)."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"{source}: cannot read: {e.strerror or e}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise InputError(f"{source}: invalid YAML{where}: {getattr(e, 'problem', None) or e}") from None
    return parse_document(data, source)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def group_to_dict(g: GroupSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"name": g.name, "entityType": g.entity_type, "mode": g.mode}
    if g.stacks:
        out["stacks"] = list(g.stacks)
    if g.accounts:
        out["accounts"] = list(g.accounts)
    selectors = {
        k: list(v)
        for k, v in (
            ("stacks", g.stack_patterns),
            ("accounts", g.account_patterns),
            ("tags", g.tag_selectors),
        )
        if v
    }
    if selectors:
        out["selectors"] = selectors
    if g.packs:
        out["packs"] = [
            {"name": p.name, "version": p.version} | ({"config": p.config} if p.config else {})
            for p in g.packs
        ]
    return out


def exemption_to_dict(e: Exemption) -> dict[str, Any]:
    out: dict[str, Any] = {"id": e.id, "policies": list(e.policies)}
    for key, value in (("urn", e.urn), ("type", e.resource_type), ("stack", e.stack), ("account", e.account)):
        if value is not None:
            out[key] = value
    if e.resource_tags:
        out["tags"] = dict(e.resource_tags)
    out["reason"] = e.reason
    out["owner"] = e.owner
    if e.expires_at is not None:
        out["expires"] = format_time(e.expires_at)
    return out


def document_to_dict(doc: Document) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "groups": [group_to_dict(g) for g in doc.groups],
        "exemptions": [exemption_to_dict(e) for e in doc.exemptions],
    }


def dump_document(doc: Document, fmt: str = "yaml") -> str:
    """The document as YAML (default) or JSON text."""
    data = document_to_dict(doc)
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)
