"""One scan step: ``run_scan(account, store_url)``, the unit the scheduler dispatches (to a worker process
today, to another machine later: it needs nothing but an account name and a store URL).

1. In one transaction: reap scans whose process is gone, take the ``scan:ACCOUNT`` leases of the account
   and its children (all or none; refused while another live process holds one) and record a
   ``running`` scan per account.
2. Discover, outside any transaction, renewing the leases from a heartbeat thread.
3. In one transaction: write every account's snapshot, refresh managed/unmanaged marks, close the scan
   records (``succeeded``, or ``partial`` with the errors) and release the leases.
4. Evaluate the scanned accounts (stacks: only those whose state changed) and record the runs.

Anything that stops the scan between 1 and 3 (an error, SIGTERM, Ctrl-C) marks its records ``failed``
and writes nothing else; a killed process leaves ``running`` records that the next scan, listing or
scheduler tick marks failed (the lease names a process that no longer exists, or has expired). The
previous snapshot therefore always stands until a complete one replaces it.
"""

from __future__ import annotations

import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import PolicyHostError, StoreError
from ..store import Store, open_store
from ..store.types import utcnow
from . import leases
from .accounts import PULUMI, covered_accounts, get_account, root_of
from .collect import Target, collect
from .evaluate import EvaluationSummary, evaluate_account
from .managed import refresh_managed
from .models import FAILED, PARTIAL, RUNNING, SUCCEEDED, AccountRecord, ScanRecord
from .snapshot import write_snapshot

MANUAL = "manual"
SCHEDULE = "schedule"


class Interrupted(BaseException):
    """The scan was told to stop (SIGTERM); a BaseException so that no ``except Exception`` eats it."""


class ScanBusy(StoreError):
    """Another live process holds the lease of an account this scan covers."""


@dataclass
class AccountScan:
    """How one account's part of a scan ended."""

    account: str
    scan_id: int
    status: str
    resources: int = 0
    changes: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass
class ScanOutcome:
    """Everything one scan step did."""

    account: str
    batch_id: str
    status: str  # succeeded | partial | failed
    accounts: list[AccountScan] = field(default_factory=list)
    evaluations: list[EvaluationSummary] = field(default_factory=list)
    error: str | None = None
    duration_seconds: float = 0.0


# ---------------------------------------------------------------------------------------------
# Reaping interrupted scans
# ---------------------------------------------------------------------------------------------


def reap_stale_scans(session: Session, account_ids: list[int] | None = None) -> int:
    """Mark ``running`` scans whose process is gone (lease lost, expired or its holder dead) failed."""
    query = select(ScanRecord, AccountRecord.name).join(AccountRecord).where(ScanRecord.status == RUNNING)
    if account_ids is not None:
        query = query.where(ScanRecord.account_id.in_(account_ids))
    now = utcnow()
    reaped = 0
    for scan, name in session.execute(query).all():
        lease = session.get(leases.LeaseRecord, leases.scan_key(name))
        if lease is not None and lease.holder == scan.holder and not leases.is_free(lease, "", now):
            continue
        scan.status = FAILED
        scan.finished_at = now
        scan.duration_seconds = (now - scan.started_at).total_seconds()
        scan.errors = [
            *scan.errors,
            f"interrupted: the scanning process ({scan.holder}) stopped before finishing",
        ]
        reaped += 1
    session.flush()
    return reaped


# ---------------------------------------------------------------------------------------------
# The step
# ---------------------------------------------------------------------------------------------


class _Heartbeat:
    """Renews the leases every ``ttl / 3`` from a daemon thread until stopped."""

    def __init__(self, store: Store, keys: list[str], holder: str, ttl: timedelta) -> None:
        self._store, self._keys, self._holder, self._ttl = store, keys, holder, ttl
        self._stop = threading.Event()
        self.lost = False
        self._thread = threading.Thread(target=self._run, name="scan-lease-heartbeat", daemon=True)

    def _run(self) -> None:
        period = max(self._ttl.total_seconds() / 3, 0.5)
        while not self._stop.wait(period):
            try:
                with self._store.transaction() as session:
                    if not leases.renew(session, self._keys, self._holder, self._ttl):
                        self.lost = True
                        return
            except PolicyHostError:
                continue  # the store is busy or away for a moment; the next beat tries again

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _one_line(e: BaseException) -> str:
    if isinstance(e, Interrupted | KeyboardInterrupt):
        return f"interrupted: {e or 'stopped by the user'}"
    if isinstance(e, PolicyHostError):
        return str(e).splitlines()[0] if str(e) else type(e).__name__
    return f"{type(e).__name__}: {e}".splitlines()[0]


def _start(
    store: Store, account: str, holder: str, batch: str, trigger: str, ttl: timedelta
) -> tuple[list[Target], dict[str, int], list[str], str]:
    with store.transaction() as session:
        rec = get_account(session, account)
        reap_stale_scans(session, [a.id for a in covered_accounts(session, rec)])
    with store.transaction() as session:
        rec = get_account(session, account)
        root = root_of(session, rec)
        covered = covered_accounts(session, rec)
        keys = [leases.scan_key(a.name) for a in covered]
        blocker = leases.acquire(session, keys, holder, ttl)
        if blocker is not None:
            raise ScanBusy(
                f"a scan of {blocker.key.removeprefix('scan:')} is already running "
                f"(held by {blocker.holder} until {blocker.expires_at:%Y-%m-%d %H:%M:%S} UTC)"
            )
        now = utcnow()
        scan_ids = {}
        for a in covered:
            scan = ScanRecord(
                account_id=a.id,
                batch_id=batch,
                trigger=trigger,
                status=RUNNING,
                holder=holder,
                started_at=now,
                resource_count=0,
                counts={},
                changes={},
                errors=[],
            )
            session.add(scan)
            session.flush()
            scan_ids[a.name] = scan.id
        targets = [Target(a.name, a.provider, a.region, root.name, dict(root.config)) for a in covered]
        return targets, scan_ids, keys, root.provider


def _fail(store: Store, scan_ids: dict[str, int], keys: list[str], holder: str, message: str) -> None:
    with store.transaction() as session:
        now = utcnow()
        for scan_id in scan_ids.values():
            scan = session.get(ScanRecord, scan_id)
            if scan is not None and scan.status == RUNNING:
                scan.status = FAILED
                scan.finished_at = now
                scan.duration_seconds = (now - scan.started_at).total_seconds()
                scan.errors = [message]
        leases.release(session, keys, holder)


def _finish(
    store: Store,
    snapshots: dict[str, Any],
    scan_ids: dict[str, int],
    keys: list[str],
    holder: str,
    ttl: timedelta,
    provider: str,
) -> list[AccountScan]:
    results = []
    with store.transaction() as session:
        if not leases.renew(session, keys, holder, ttl):
            raise StoreError("the scan lost its lease (it ran past the lease time without renewing)")
        now = utcnow()
        account_ids = []
        for name, snap in snapshots.items():
            scan = session.get(ScanRecord, scan_ids[name])
            account = session.get(AccountRecord, scan.account_id)
            account_ids.append(account.id)
            changes = write_snapshot(session, account, snap, scan.id, now)
            scan.status = PARTIAL if snap.errors else SUCCEEDED
            scan.finished_at = now
            scan.duration_seconds = (now - scan.started_at).total_seconds()
            scan.resource_count = len({i.urn for i in snap.items})
            scan.counts = snap.counts()
            scan.changes = changes.as_dict()
            scan.errors = list(snap.errors)
            results.append(
                AccountScan(name, scan.id, scan.status, scan.resource_count, scan.changes, list(snap.errors))
            )
        session.flush()
        # Stack resources changed: every discovered resource may change hands; else only these accounts'.
        refresh_managed(session, None if provider == PULUMI else account_ids)
        leases.release(session, keys, holder)
    return results


def scan(
    store: Store,
    account: str,
    *,
    trigger: str = MANUAL,
    on_progress: Callable[[Any], None] | None = None,
    lease_ttl: timedelta = leases.DEFAULT_TTL,
    evaluate: bool = True,
) -> ScanOutcome:
    """Scan ``account`` (and its children) into ``store``; see the module docstring for the steps.

    Raises ScanBusy when another process is scanning it, StoreError for an unknown account, and
    re-raises Interrupted/KeyboardInterrupt after marking the scan failed. Other failures are returned
    as a ``failed`` outcome with a one-line ``error``.
    """
    t0 = time.monotonic()
    holder = leases.new_holder()
    batch = secrets.token_hex(8)
    targets, scan_ids, keys, provider = _start(store, account, holder, batch, trigger, lease_ttl)
    outcome = ScanOutcome(account, batch, FAILED)
    try:
        if on_progress is not None:
            on_progress(("started", account, 0))
        with _Heartbeat(store, keys, holder, lease_ttl):
            snapshots = collect(targets, on_progress)
            outcome.accounts = _finish(store, snapshots, scan_ids, keys, holder, lease_ttl, provider)
    except (Exception, Interrupted, KeyboardInterrupt) as e:
        message = _one_line(e)
        _fail(store, scan_ids, keys, holder, message)
        outcome.error = message
        outcome.accounts = [
            AccountScan(name, sid, FAILED, errors=[message]) for name, sid in scan_ids.items()
        ]
        outcome.duration_seconds = time.monotonic() - t0
        if isinstance(e, Interrupted | KeyboardInterrupt):
            raise
        return outcome
    outcome.status = PARTIAL if any(a.status == PARTIAL for a in outcome.accounts) else SUCCEEDED
    if evaluate:
        try:
            outcome.evaluations = evaluate_account(
                store, account, source=f"scan {batch}", only_changed_stacks=True
            )
        except PolicyHostError as e:  # the scan stands; the evaluation can be re-run on its own
            outcome.error = f"evaluation failed: {e}"
    outcome.duration_seconds = time.monotonic() - t0
    return outcome


def run_scan(
    account: str,
    store_url: str | None = None,
    *,
    trigger: str = MANUAL,
    on_progress: Callable[[Any], None] | None = None,
    lease_ttl: timedelta = leases.DEFAULT_TTL,
) -> ScanOutcome:
    """The dispatchable step: open the store at ``store_url`` (default: the environment's), scan, close."""
    store = open_store(store_url)
    try:
        return scan(store, account, trigger=trigger, on_progress=on_progress, lease_ttl=lease_ttl)
    finally:
        store.close()


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """While active (main thread only), SIGTERM raises Interrupted so a scan marks itself failed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Interrupted("terminated (SIGTERM)")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
