"""Accounts: what to scan and how to reach it, without a single secret.

An account's ``config`` (stored as JSON) is one of:

- ``aws``: ``{"credentials": {"kind": "env"|"profile"|"role", "profile", "role_arn", "external_id"},
  "endpoint_url", "regions": [...], "max_workers"}``. Each region is a child account ``NAME/REGION``
  holding that region's resources; the parent holds the global ones (IAM). Credentials are a *source*
  (a profile name, a role ARN, or "the standard environment variables"), never keys; a URL carrying
  user info is stored without it.
- ``kubernetes``: ``{"dump": PATH}`` (``kubectl get ... -o json`` output) or ``{"kubeconfig", "context"}``.
- ``pulumi``: ``{"backend_dir": DIR}`` (a DIY backend) and/or ``{"exports": [PATH, ...]}``.

Paths are stored absolute, so a scheduler started elsewhere finds them. Every new account (children
included) joins ``default-accounts-policy-group`` through ``groups.service.ensure_entity``.
Use cases take a Session and never commit.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..entities.ref import account_ref
from ..errors import StoreError, UsageError
from ..groups.service import ensure_entity
from ..store.types import utcnow
from .cadence import DEFAULT_SCHEDULE, parse_schedule
from .models import AccountRecord

AWS = "aws"
KUBERNETES = "kubernetes"
PULUMI = "pulumi"
PROVIDERS = (AWS, KUBERNETES, PULUMI)

_REGION = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+-\d{1,2}$")
_ROOT_NAME = re.compile(r"^[A-Za-z0-9._:@+-]{1,200}$")
DEFAULT_MAX_WORKERS = 8


@dataclass(frozen=True)
class AccountInput:
    """What ``account add`` was given, before validation. Empty values mean "not given"."""

    name: str
    provider: str
    schedule: str = DEFAULT_SCHEDULE
    # aws
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    env_credentials: bool = False
    endpoint_url: str | None = None
    regions: tuple[str, ...] = ()
    max_workers: int | None = None
    # kubernetes
    kubeconfig: str | None = None
    context: str | None = None
    dump: str | None = None
    # pulumi
    backend_dir: str | None = None
    exports: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccountEdit:
    """Changes to a root account; None/empty means unchanged. ``endpoint_url=""`` clears it."""

    schedule: str | None = None
    add_regions: tuple[str, ...] = ()
    remove_regions: tuple[str, ...] = ()
    max_workers: int | None = None
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    env_credentials: bool = False
    endpoint_url: str | None = None
    kubeconfig: str | None = None
    context: str | None = None
    dump: str | None = None
    backend_dir: str | None = None
    add_exports: tuple[str, ...] = ()
    remove_exports: tuple[str, ...] = ()


@dataclass
class Notes:
    """Things worth telling the user that are not errors (a redacted URL, say)."""

    lines: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def check_root_name(name: str) -> str:
    """Names of accounts users add: no ``/`` (children are ``NAME/REGION``)."""
    if not _ROOT_NAME.match(name or ""):
        raise UsageError(
            f"invalid account name {name!r}: use 1-200 letters, digits and '-_.:@+' (no '/'; "
            "regions become child accounts NAME/REGION)"
        )
    return name


def check_region(region: str) -> str:
    if not _REGION.match(region):
        raise UsageError(f"invalid AWS region {region!r}: expected a region code such as us-east-1")
    return region


def clean_endpoint_url(url: str, notes: Notes) -> str:
    """An http(s) URL without user info (never stored, never logged); UsageError if not a URL."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"invalid --endpoint-url: expected http(s)://HOST[:PORT], got {_without_userinfo(url)!r}"
        )
    if parts.username is not None or parts.password is not None:
        notes.lines.append(
            "--endpoint-url carried credentials; they were removed and are not stored "
            "(AWS endpoints authenticate with the account's credential source)"
        )
    return _without_userinfo(url.strip())


def _without_userinfo(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _abs_file(path: str, what: str) -> str:
    p = Path(os.path.expanduser(path)).resolve()
    if not p.is_file():
        raise UsageError(f"{what} {path}: no such file")
    return str(p)


def _abs_dir(path: str, what: str) -> str:
    raw = path[len("file://") :] if path.startswith("file://") else path
    p = Path(os.path.expanduser(raw)).resolve()
    if not p.is_dir():
        raise UsageError(f"{what} {path}: no such directory")
    return str(p)


def _credentials(profile: str | None, role_arn: str | None, external_id: str | None, env: bool) -> dict:
    if env and (profile or role_arn):
        raise UsageError("--env-credentials cannot be combined with --profile or --role-arn")
    if external_id and not role_arn:
        raise UsageError("--external-id needs --role-arn")
    if role_arn:
        if not role_arn.startswith("arn:"):
            raise UsageError(f"invalid --role-arn {role_arn!r}: expected arn:aws:iam::ACCOUNT:role/NAME")
        creds: dict[str, Any] = {"kind": "role", "role_arn": role_arn}
        if profile:
            creds["profile"] = profile
        if external_id:
            creds["external_id"] = external_id
        return creds
    if profile:
        return {"kind": "profile", "profile": profile}
    return {"kind": "env"}


def _max_workers(value: int | None) -> int:
    if value is None:
        return DEFAULT_MAX_WORKERS
    if not 1 <= value <= 256:
        raise UsageError(f"invalid --max-workers {value}: expected 1 to 256")
    return value


def build_config(given: AccountInput, notes: Notes) -> dict[str, Any]:
    """The stored config of a new account; UsageError for flags that do not fit its provider."""
    provider = given.provider
    aws_flags = (
        given.profile or given.role_arn or given.env_credentials or given.endpoint_url or given.regions
    )
    k8s_flags = given.kubeconfig or given.context or given.dump
    pulumi_flags = given.backend_dir or given.exports
    if provider == AWS:
        if k8s_flags or pulumi_flags:
            raise UsageError(
                "aws accounts take --profile/--role-arn/--env-credentials, --endpoint-url, --region"
            )
        if not given.regions:
            raise UsageError("aws accounts need at least one --region (each becomes a child account)")
        config: dict[str, Any] = {
            "credentials": _credentials(
                given.profile, given.role_arn, given.external_id, given.env_credentials
            ),
            "regions": sorted({check_region(r) for r in given.regions}),
            "max_workers": _max_workers(given.max_workers),
        }
        if given.endpoint_url:
            config["endpoint_url"] = clean_endpoint_url(given.endpoint_url, notes)
        return config
    if provider == KUBERNETES:
        if aws_flags or pulumi_flags or given.max_workers is not None:
            raise UsageError("kubernetes accounts take --dump FILE, or --kubeconfig FILE [--context NAME]")
        if given.dump and (given.kubeconfig or given.context):
            raise UsageError("give either --dump or --kubeconfig/--context, not both")
        if given.dump:
            return {"dump": _abs_file(given.dump, "--dump")}
        if not given.kubeconfig and not given.context:
            raise UsageError("kubernetes accounts need --dump FILE or --kubeconfig FILE [--context NAME]")
        config = {"context": given.context}
        config["kubeconfig"] = _abs_file(given.kubeconfig, "--kubeconfig") if given.kubeconfig else None
        return config
    if provider == PULUMI:
        if aws_flags or k8s_flags or given.max_workers is not None:
            raise UsageError("pulumi accounts take --backend-dir DIR and/or --export FILE")
        if not pulumi_flags:
            raise UsageError("pulumi accounts need --backend-dir DIR or --export FILE")
        config = {"exports": sorted({_abs_file(p, "--export") for p in given.exports})}
        if given.backend_dir:
            config["backend_dir"] = _abs_dir(given.backend_dir, "--backend-dir")
        return config
    raise UsageError(f"unknown provider {provider!r}; expected one of {', '.join(PROVIDERS)}")


# ---------------------------------------------------------------------------------------------
# Use cases
# ---------------------------------------------------------------------------------------------


def find_account(session: Session, name: str) -> AccountRecord | None:
    return session.scalars(select(AccountRecord).where(AccountRecord.name == name)).first()


def get_account(session: Session, name: str) -> AccountRecord:
    """The account called ``name``; StoreError naming it otherwise."""
    rec = find_account(session, name)
    if rec is None:
        raise StoreError(f"no account named {name!r} (see policy-host account ls)")
    return rec


def list_accounts(session: Session) -> list[AccountRecord]:
    """Every account, parents before their children, by name."""
    return list(session.scalars(select(AccountRecord).order_by(AccountRecord.name)))


def children_of(session: Session, rec: AccountRecord) -> list[AccountRecord]:
    return list(
        session.scalars(
            select(AccountRecord).where(AccountRecord.parent_id == rec.id).order_by(AccountRecord.name)
        )
    )


def covered_accounts(session: Session, rec: AccountRecord) -> list[AccountRecord]:
    """The account and its children (what scanning or removing it covers)."""
    return [rec, *children_of(session, rec)]


def _new_row(
    name: str, provider: str, config: dict, schedule: str, parent: AccountRecord | None, region: str | None
) -> AccountRecord:
    now = utcnow()
    return AccountRecord(
        name=name,
        provider=provider,
        parent_id=parent.id if parent is not None else None,
        region=region,
        config=config,
        schedule=schedule,
        created_at=now,
        modified_at=now,
    )


def _add_child(session: Session, parent: AccountRecord, region: str) -> AccountRecord:
    child = _new_row(f"{parent.name}/{region}", parent.provider, {}, parent.schedule, parent, region)
    session.add(child)
    ensure_entity(session, account_ref(child.name), update_tags=False)
    return child


def add_account(session: Session, given: AccountInput) -> tuple[AccountRecord, Notes]:
    """Create an account (and its region children); refused if the name is taken."""
    check_root_name(given.name)
    notes = Notes()
    config = build_config(given, notes)
    schedule = parse_schedule(given.schedule)
    if find_account(session, given.name) is not None:
        raise StoreError(f"account {given.name!r} already exists (use policy-host account edit)")
    rec = _new_row(given.name, given.provider, config, schedule, None, None)
    session.add(rec)
    session.flush()
    ensure_entity(session, account_ref(rec.name), update_tags=False)
    for region in config.get("regions", ()):
        _add_child(session, rec, region)
    session.flush()
    return rec, notes


def edit_account(session: Session, name: str, edit: AccountEdit) -> tuple[AccountRecord, Notes]:
    """Apply ``edit`` to a root account (children follow: schedule, regions)."""
    rec = get_account(session, name)
    if rec.parent_id is not None:
        raise UsageError(f"{name} is a region of another account; edit the parent account instead")
    notes = Notes()
    config = dict(rec.config)
    if rec.provider == AWS:
        _edit_aws(session, rec, config, edit, notes)
    elif rec.provider == KUBERNETES:
        _edit_kubernetes(config, edit)
    else:
        _edit_pulumi(config, edit)
    if edit.schedule is not None:
        rec.schedule = parse_schedule(edit.schedule)
        for child in children_of(session, rec):
            child.schedule = rec.schedule
    rec.config = config
    rec.modified_at = utcnow()
    session.flush()
    return rec, notes


def _refuse(flags: list[str], provider: str) -> None:
    if flags:
        raise UsageError(f"{', '.join(flags)} do(es) not apply to {provider} accounts")


def _edit_aws(session: Session, rec: AccountRecord, config: dict, edit: AccountEdit, notes: Notes) -> None:
    _refuse(
        [
            f
            for f, v in (
                ("--dump", edit.dump),
                ("--kubeconfig", edit.kubeconfig),
                ("--context", edit.context),
                ("--backend-dir", edit.backend_dir),
                ("--add-export", edit.add_exports),
                ("--remove-export", edit.remove_exports),
            )
            if v
        ],
        AWS,
    )
    if edit.profile or edit.role_arn or edit.env_credentials or edit.external_id:
        config["credentials"] = _credentials(
            edit.profile, edit.role_arn, edit.external_id, edit.env_credentials
        )
    if edit.endpoint_url is not None:
        if edit.endpoint_url == "":
            config.pop("endpoint_url", None)
        else:
            config["endpoint_url"] = clean_endpoint_url(edit.endpoint_url, notes)
    if edit.max_workers is not None:
        config["max_workers"] = _max_workers(edit.max_workers)
    regions = set(config.get("regions", ()))
    for region in edit.remove_regions:
        if region not in regions:
            raise UsageError(f"{rec.name} does not scan region {region}")
        regions.discard(region)
        child = find_account(session, f"{rec.name}/{region}")
        if child is not None:
            session.delete(child)
    for region in edit.add_regions:
        check_region(region)
        if region not in regions:
            regions.add(region)
            _add_child(session, rec, region)
    if not regions:
        raise UsageError(f"{rec.name} would scan no region; keep at least one")
    config["regions"] = sorted(regions)


def _edit_kubernetes(config: dict, edit: AccountEdit) -> None:
    _refuse(_aws_flags(edit) + _pulumi_flags(edit), KUBERNETES)
    if edit.dump and (edit.kubeconfig or edit.context):
        raise UsageError("give either --dump or --kubeconfig/--context, not both")
    if edit.dump:
        config.clear()
        config["dump"] = _abs_file(edit.dump, "--dump")
    elif edit.kubeconfig or edit.context:
        config.pop("dump", None)
        if edit.kubeconfig:
            config["kubeconfig"] = _abs_file(edit.kubeconfig, "--kubeconfig")
        if edit.context:
            config["context"] = edit.context
        config.setdefault("kubeconfig", None)
        config.setdefault("context", None)


def _edit_pulumi(config: dict, edit: AccountEdit) -> None:
    _refuse(
        _aws_flags(edit)
        + [
            f
            for f, v in (
                ("--dump", edit.dump),
                ("--kubeconfig", edit.kubeconfig),
                ("--context", edit.context),
            )
            if v
        ],
        PULUMI,
    )
    exports = set(config.get("exports", ()))
    for path in edit.remove_exports:
        resolved = str(Path(os.path.expanduser(path)).resolve())
        if resolved not in exports:
            raise UsageError(f"this account does not read the export {path}")
        exports.discard(resolved)
    exports.update(_abs_file(p, "--add-export") for p in edit.add_exports)
    config["exports"] = sorted(exports)
    if edit.backend_dir is not None:
        if edit.backend_dir == "":
            config.pop("backend_dir", None)
        else:
            config["backend_dir"] = _abs_dir(edit.backend_dir, "--backend-dir")
    if not config["exports"] and not config.get("backend_dir"):
        raise UsageError("a pulumi account needs a backend directory or at least one export")


def _aws_flags(edit: AccountEdit) -> list[str]:
    return [
        f
        for f, v in (
            ("--profile", edit.profile),
            ("--role-arn", edit.role_arn),
            ("--external-id", edit.external_id),
            ("--env-credentials", edit.env_credentials),
            ("--endpoint-url", edit.endpoint_url),
            ("--add-region", edit.add_regions),
            ("--remove-region", edit.remove_regions),
            ("--max-workers", edit.max_workers),
        )
        if v
    ]


def _pulumi_flags(edit: AccountEdit) -> list[str]:
    return [
        f
        for f, v in (
            ("--backend-dir", edit.backend_dir),
            ("--add-export", edit.add_exports),
            ("--remove-export", edit.remove_exports),
        )
        if v
    ]


def remove_account(session: Session, name: str) -> list[str]:
    """Delete an account with its children, resources, versions and scans; returns the names removed.

    Removing a child also drops its region from the parent, so later parent scans leave it out.
    """
    rec = get_account(session, name)
    removed = [a.name for a in covered_accounts(session, rec)]
    if rec.parent_id is not None:
        parent = session.get(AccountRecord, rec.parent_id)
        if parent is not None and rec.region:
            regions = [r for r in parent.config.get("regions", ()) if r != rec.region]
            parent.config = {**parent.config, "regions": regions}
            parent.modified_at = utcnow()
    session.delete(rec)
    session.flush()
    return removed


def root_of(session: Session, rec: AccountRecord) -> AccountRecord:
    """The parent of a child account, else the account itself."""
    if rec.parent_id is None:
        return rec
    parent = session.get(AccountRecord, rec.parent_id)
    assert parent is not None  # the foreign key cascades
    return parent


def describe_credentials(config: dict[str, Any]) -> str:
    """One secret-free line about how an AWS account is reached."""
    creds = config.get("credentials") or {"kind": "env"}
    if creds.get("kind") == "profile":
        text = f"profile {creds.get('profile')}"
    elif creds.get("kind") == "role":
        text = f"role {creds.get('role_arn')}" + (
            f" via profile {creds['profile']}" if creds.get("profile") else ""
        )
    else:
        text = "environment credentials"
    if config.get("endpoint_url"):
        text += f" at {config['endpoint_url']}"
    return text
