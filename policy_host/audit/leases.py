"""Leases: time-limited claims in the store, so two processes (or machines) never scan one account at once.

A lease row ``scan:ACCOUNT`` names its holder (``host:pid:token``) and an expiry. Taking a lease succeeds
when there is no row, the row has expired, or its holder is a process on this host that no longer exists
(a killed scan need not wait out its expiry). Holders renew while they work; a crashed holder's lease
simply runs out. All keys of a claim are taken in one transaction, all or none.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..store.types import utcnow
from .models import LeaseRecord

DEFAULT_TTL = timedelta(minutes=10)


def scan_key(account: str) -> str:
    return f"scan:{account}"


def new_holder() -> str:
    """An identity for this process's claim: host, pid and a random token."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def holder_alive(holder: str) -> bool:
    """False only when the holder is a process on this host that is gone; True when unsure."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_free(rec: LeaseRecord | None, holder: str, now: datetime) -> bool:
    return rec is None or rec.holder == holder or rec.expires_at <= now or not holder_alive(rec.holder)


def acquire(
    session: Session, keys: list[str], holder: str, ttl: timedelta = DEFAULT_TTL
) -> LeaseRecord | None:
    """Take every key for ``holder``; returns None on success, else the lease that is in the way."""
    now = utcnow()
    rows = {
        r.key: r
        for r in session.scalars(select(LeaseRecord).where(LeaseRecord.key.in_(keys)).with_for_update())
    }
    for key in keys:
        rec = rows.get(key)
        if not is_free(rec, holder, now):
            return rec
    for key in keys:
        rec = rows.get(key)
        if rec is None:
            try:
                with session.begin_nested():
                    session.add(LeaseRecord(key=key, holder=holder, acquired_at=now, expires_at=now + ttl))
            except IntegrityError:  # another process inserted it first (PostgreSQL): it holds it
                return session.get(LeaseRecord, key, populate_existing=True)
        else:
            rec.holder, rec.acquired_at, rec.expires_at = holder, now, now + ttl
    session.flush()
    return None


def renew(session: Session, keys: list[str], holder: str, ttl: timedelta = DEFAULT_TTL) -> bool:
    """Push the expiry of ``holder``'s keys forward; False if any was lost to someone else."""
    now = utcnow()
    rows = list(session.scalars(select(LeaseRecord).where(LeaseRecord.key.in_(keys)).with_for_update()))
    if len(rows) != len(keys) or any(r.holder != holder for r in rows):
        return False
    for r in rows:
        r.expires_at = now + ttl
    return True


def release(session: Session, keys: list[str], holder: str) -> None:
    """Drop ``holder``'s keys (others' are left alone)."""
    session.execute(delete(LeaseRecord).where(LeaseRecord.key.in_(keys), LeaseRecord.holder == holder))


def current(session: Session, key: str) -> LeaseRecord | None:
    """The live lease on ``key`` (None when free by the rules of :func:`is_free`)."""
    rec = session.get(LeaseRecord, key)
    if rec is None or is_free(rec, "", utcnow()):
        return None
    return rec
