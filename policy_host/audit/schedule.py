"""``policy-host audit schedule``: a long-lived process that scans each account on its schedule.

Every tick the scheduler marks interrupted scans failed, collects finished workers, and starts a worker
(``python -m policy_host.audit.worker ACCOUNT``, the dispatchable scan step) for each root account whose
next scan is due (``cadence.next_due``: ``none``, ``12h``, ``daily`` or cron, from the last scan's start),
up to ``concurrency`` at once. A failing account only fails its own scan. Two scans of one account never
overlap: the scheduler runs at most one worker per account, and the store lease (``leases.py``) holds
across processes and machines, so a manual scan or a second scheduler is refused, not doubled.

SIGTERM (or SIGINT) stops it cleanly: no new scans start, running workers get SIGTERM (each marks its
scan failed and exits), and after ``grace`` seconds any straggler is killed (its scan is reaped as
failed by the next tick or scan of that account).

Workers are processes today; ``Dispatcher`` is the seam where a remote queue would plug in.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TextIO

from sqlalchemy import func, select

from ..errors import PolicyHostError
from ..store import Store
from ..store.types import utcnow
from .cadence import NONE, next_due
from .models import AccountRecord, ScanRecord
from .scan import reap_stale_scans


class Job(Protocol):
    """A dispatched scan: poll for completion, ask it to stop, force it."""

    account: str

    def poll(self) -> int | None: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...

    def result(self) -> str: ...


Dispatcher = Callable[[str, str], Job]  # (account, store URL) -> Job


class ProcessJob:
    """A worker process scanning one account."""

    def __init__(self, account: str, store_url: str) -> None:
        self.account = account
        env = dict(os.environ, POLICY_HOST_DB=store_url)
        # A file, not a pipe: a chatty policy printing to stdout must not block the worker.
        self._out = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "policy_host.audit.worker", account],
            env=env,
            stdout=self._out,
            stdin=subprocess.DEVNULL,
        )

    def poll(self) -> int | None:
        return self._proc.poll()

    def terminate(self) -> None:
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()

    def result(self) -> str:
        self._out.seek(0)
        lines = self._out.read().strip().splitlines()
        self._out.close()
        return lines[-1] if lines else ""


@dataclass
class SchedulerOptions:
    """``tick``: seconds between passes; ``interval``: replaces every schedule but ``none`` (seconds);
    ``concurrency``: scans at once; ``grace``: seconds workers get to stop after SIGTERM."""

    tick: float = 30.0
    interval: float | None = None
    concurrency: int = 1
    grace: float = 15.0


@dataclass
class Scheduler:
    store: Store
    options: SchedulerOptions = field(default_factory=SchedulerOptions)
    dispatch: Dispatcher = ProcessJob
    log: TextIO = field(default_factory=lambda: sys.stderr)
    running: dict[str, Job] = field(default_factory=dict)
    attempted: dict[str, datetime] = field(default_factory=dict)
    stop_event: threading.Event = field(default_factory=threading.Event)

    def _say(self, text: str) -> None:
        print(f"{utcnow():%Y-%m-%dT%H:%M:%SZ} schedule: {text}", file=self.log, flush=True)

    def due(self, now: datetime) -> list[str]:
        """Root accounts whose next scan is due now and that are not being scanned by this scheduler."""
        with self.store.read() as session:
            accounts = session.execute(
                select(AccountRecord.id, AccountRecord.name, AccountRecord.schedule)
                .where(AccountRecord.parent_id.is_(None), AccountRecord.schedule != NONE)
                .order_by(AccountRecord.name)
            ).all()
            last = dict(
                session.execute(
                    select(ScanRecord.account_id, func.max(ScanRecord.started_at)).group_by(
                        ScanRecord.account_id
                    )
                ).all()
            )
        out = []
        for account_id, name, schedule in accounts:
            if name in self.running:
                continue
            starts = [t for t in (last.get(account_id), self.attempted.get(name)) if t is not None]
            when = next_due(schedule, max(starts) if starts else None, now, interval=self.options.interval)
            if when is not None and when <= now:
                out.append(name)
        return out

    def _collect(self) -> None:
        for name, job in list(self.running.items()):
            code = job.poll()
            if code is None:
                continue
            del self.running[name]
            line = job.result()
            summary = _summary(line)
            if code == 0:
                self._say(f"scanned {name}: {summary}")
            elif code == 3:
                self._say(f"skipped {name}: another process is scanning it")
            else:
                self._say(f"scan of {name} failed (exit {code}){': ' + summary if summary else ''}")

    def tick(self) -> None:
        """One pass: reap, collect, dispatch what is due."""
        try:
            with self.store.transaction() as session:
                reaped = reap_stale_scans(session)
            if reaped:
                self._say(f"marked {reaped} interrupted scan(s) failed")
            self._collect()
            now = utcnow()
            for name in self.due(now):
                if len(self.running) >= self.options.concurrency or self.stop_event.is_set():
                    break
                self.attempted[name] = now
                try:
                    self.running[name] = self.dispatch(name, self.store.url)
                    self._say(f"scanning {name}")
                except OSError as e:
                    self._say(f"could not start a scan of {name}: {e}")
        except PolicyHostError as e:  # the store is away: try again next tick
            self._say(f"tick failed: {e}")

    def run(self, once: bool = False) -> None:
        """Tick until stopped (or, with ``once``, until the due scans of one pass have finished)."""
        self._say(
            f"started (tick {self.options.tick:g}s, concurrency {self.options.concurrency}"
            + (f", interval override {self.options.interval:g}s" if self.options.interval else "")
            + ")"
        )
        self.tick()
        while not self.stop_event.is_set():
            if once and not self.running:
                break
            self.stop_event.wait(self.options.tick if not once else min(self.options.tick, 0.2))
            if once:
                self._collect()
            else:
                self.tick()
        self._shutdown()

    def _shutdown(self) -> None:
        if self.running:
            self._say(f"stopping {len(self.running)} running scan(s)")
        for job in self.running.values():
            job.terminate()
        deadline = threading.Event()
        waited = 0.0
        while self.running and waited < self.options.grace:
            deadline.wait(0.1)
            waited += 0.1
            self._collect()
        for name, job in list(self.running.items()):
            job.kill()
            self._say(f"killed the scan of {name} (did not stop within {self.options.grace:g}s)")
        self.running.clear()
        self._say("stopped")

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT ask the loop to stop (main thread only)."""

        def handler(signum: int, frame: Any) -> None:
            self.stop_event.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)


def _summary(line: str) -> str:
    try:
        data = json.loads(line)
    except ValueError:
        return line
    parts = [data.get("status", "?")]
    resources = sum(a.get("resources", 0) for a in data.get("accounts", []))
    parts.append(f"{resources} resources")
    failures = sum(e.get("failures", 0) for e in data.get("evaluations", []))
    if data.get("evaluations"):
        parts.append(f"{failures} policy failures")
    if data.get("error"):
        parts.append(data["error"])
    return ", ".join(parts)
