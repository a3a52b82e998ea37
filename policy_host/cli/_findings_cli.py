"""Flags shared by ``compliance`` and ``report``: which evaluations to look at, and the time window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def selection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--run``, ``--entity``, ``--account``, ``--entity-type``, ``--kind``, ``--group``."""
    options = [
        click.option("--run", "run_id", type=int, help="One recorded run (see issue get for run ids)."),
        click.option(
            "--entity", "entities", multiple=True, help="Stack org/project/stack or account (globs)."
        ),
        click.option(
            "--account", "accounts", multiple=True, help="Account, with its children (prod/us-east-1)."
        ),
        click.option("--entity-type", help="stack or account: only stacks or only accounts."),
        click.option("--kind", "kinds", multiple=True, help="preventative or audit."),
        click.option("--group", help="Only the packs a policy group brought."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def build_selection(kw: dict[str, Any]):
    from ..findings.posture import Selection

    return Selection(
        run_id=kw.pop("run_id"),
        entities=kw.pop("entities"),
        accounts=kw.pop("accounts"),
        entity_type=kw.pop("entity_type"),
        kinds=kw.pop("kinds"),
        group=kw.pop("group"),
    )
