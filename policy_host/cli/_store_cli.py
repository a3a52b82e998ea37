"""Helpers shared by the store-backed commands (pack, group, exemption, apply, export)."""

from __future__ import annotations

import json
from typing import Any

import click

from ..store import Store, open_store


def cli_store() -> Store:
    """The store named by POLICY_HOST_DB / POLICY_HOST_HOME, opened and migrated."""
    return open_store()


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain left-aligned text table (no colours: output is often piped or read by tests)."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
