"""Exemption use cases on a Session: create, list, remove. The caller owns the transaction."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InputError, StoreError
from ..store.models import ExemptionRecord
from ..store.types import utcnow
from .match import validate
from .model import Exemption, format_time


def from_record(rec: ExemptionRecord) -> Exemption:
    return Exemption(
        id=rec.id,
        policies=tuple(rec.policies),
        reason=rec.reason,
        owner=rec.owner,
        urn=rec.urn,
        resource_type=rec.resource_type,
        stack=rec.stack,
        account=rec.account,
        resource_tags=dict(rec.resource_tags or {}),
        expires_at=rec.expires_at,
        created_at=rec.created_at,
    )


def new_id() -> str:
    return f"ex-{secrets.token_hex(4)}"


def list_exemptions(session: Session) -> list[Exemption]:
    """Every exemption, active and expired, by id."""
    return [from_record(r) for r in session.scalars(select(ExemptionRecord).order_by(ExemptionRecord.id))]


def get_exemption(session: Session, exemption_id: str) -> Exemption:
    rec = session.get(ExemptionRecord, exemption_id)
    if rec is None:
        raise StoreError(f"exemption {exemption_id} does not exist")
    return from_record(rec)


def create(
    session: Session, ex: Exemption, *, now: datetime | None = None, allow_expired: bool = False
) -> Exemption:
    """Store a new exemption (validated). Refuses a taken id and, unless ``allow_expired``, a past expiry."""
    validate(ex)
    now = now or utcnow()
    if ex.expires_at is not None and ex.expires_at <= now and not allow_expired:
        raise InputError(f"exemption {ex.id}: expiry {format_time(ex.expires_at)} is already in the past")
    if session.get(ExemptionRecord, ex.id) is not None:
        raise StoreError(f"exemption {ex.id} already exists")
    rec = ExemptionRecord(
        id=ex.id,
        policies=list(ex.policies),
        urn=ex.urn,
        resource_type=ex.resource_type,
        stack=ex.stack,
        account=ex.account,
        resource_tags=dict(ex.resource_tags),
        reason=ex.reason,
        owner=ex.owner,
        expires_at=ex.expires_at,
        created_at=ex.created_at or now,
    )
    session.add(rec)
    session.flush()
    return from_record(rec)


def replace(session: Session, ex: Exemption) -> Exemption:
    """Overwrite an existing exemption's fields (policy as code); keeps its creation time."""
    validate(ex)
    rec = session.get(ExemptionRecord, ex.id)
    if rec is None:
        raise StoreError(f"exemption {ex.id} does not exist")
    rec.policies = list(ex.policies)
    rec.urn, rec.resource_type, rec.stack, rec.account = ex.urn, ex.resource_type, ex.stack, ex.account
    rec.resource_tags = dict(ex.resource_tags)
    rec.reason, rec.owner, rec.expires_at = ex.reason, ex.owner, ex.expires_at
    session.flush()
    return from_record(rec)


def remove(session: Session, exemption_id: str) -> None:
    rec = session.get(ExemptionRecord, exemption_id)
    if rec is None:
        raise StoreError(f"exemption {exemption_id} does not exist")
    session.delete(rec)
    session.flush()
