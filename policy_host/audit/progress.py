"""Scan progress for people: a Rich progress bar with counts on a terminal, plain log lines otherwise.

Both take the events discovery emits (``sources.aws.Progress``; ``("stack", name, count)`` tuples from
``pulumi`` accounts; ``("started", account, 0)`` once the scan holds its lease) through one callable, and never print a secret (events carry types, regions and
counts only).
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class LogProgress:
    """One line per listing (and per stack), at most one line per second for reads."""

    def __init__(self, account: str, stream: TextIO | None = None) -> None:
        self.account = account
        self.stream = stream or sys.stderr
        self._last = 0.0

    def _line(self, text: str) -> None:
        print(f"scan {self.account}: {text}", file=self.stream, flush=True)

    def __call__(self, event: Any) -> None:
        if isinstance(event, tuple):
            kind, name, count = event
            self._line("started" if kind == "started" else f"read stack {name} ({count} resources)")
            return
        if event.event == "listed":
            self._line(
                f"listed {event.type_token} in {event.region}: {event.listed} listed, "
                f"{event.read} read, {event.resources} resources, {event.errors} errors"
            )
            return
        now = time.monotonic()
        if now - self._last >= 1.0:
            self._last = now
            self._line(
                f"{event.read}/{event.listed} read, {event.resources} resources, {event.errors} errors"
            )

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class RichProgress:
    """A live bar: resources read out of listed, with resource and error counts."""

    def __init__(self, account: str) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("[bold]scan {task.fields[account]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._task = self._progress.add_task("scan", total=None, account=account, detail="starting")

    def __call__(self, event: Any) -> None:
        if isinstance(event, tuple):
            kind, name, count = event
            detail = "listing" if kind == "started" else f"stack {name}: {count} resources"
            self._progress.update(self._task, advance=0 if kind == "started" else 1, detail=detail)
            return
        self._progress.update(
            self._task,
            total=max(event.listed, 1),
            completed=event.read,
            detail=f"{event.resources} resources, {event.errors} errors ({event.type_token} {event.region})",
        )

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()


def reporter(account: str, stream: TextIO | None = None) -> LogProgress | RichProgress:
    """A Rich bar when stderr is a terminal, plain lines otherwise."""
    target = stream or sys.stderr
    if target.isatty():
        return RichProgress(account)
    return LogProgress(account, target)
