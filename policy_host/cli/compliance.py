"""``policy-host compliance``: policy, resource and entity compliance scores, the entity x pack heatmap,
and with ``--since`` the trend and what changed (new, fixed, regressed issues; mean time to fix)."""

from __future__ import annotations

from typing import Any

import click

from ..errors import UsageError
from ._findings_cli import build_selection, selection_options
from ._store_cli import cli_store, echo_json, table


@click.command("compliance")
@click.option(
    "--group-by",
    default="stack",
    show_default=True,
    help="stack, account, entity, severity, pack, policy or group.",
)
@selection_options
@click.option("--since", help="Show the trend and changes since then: 30d, 12h, 2w or an ISO date.")
@click.option("--until", help="End of the window (default now): 7d or an ISO date.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def compliance(group_by: str, since: str | None, until: str | None, as_json: bool, **kw: Any) -> None:
    """Compliance posture of the recorded evaluations (the latest run of each entity and kind)."""
    from ..findings.history import changes, trend
    from ..findings.posture import current_posture
    from ..findings.timespec import parse_when
    from ..store.types import utcnow

    sel = build_selection(kw)
    now = utcnow()
    end = parse_when(until, now=now, what="--until") if until else now
    start = parse_when(since, now=now) if since else None
    if start is not None and start >= end:
        raise UsageError(f"--since ({since}) must be before --until ({until or 'now'})")
    with cli_store().read() as session:
        posture = current_posture(session, sel, group_by=group_by, at=end if until else None)
        points = trend(session, sel, start, end) if start else []
        moved = changes(session, sel, start, end) if start else None
    if as_json:
        data = posture.to_dict() | {"selection": sel.describe()}
        if start is not None:
            data["trend"] = [p.to_dict() for p in points]
            data["changes"] = moved.to_dict()
        echo_json(data)
        return
    _print(posture, sel.describe(), group_by, points, moved)


def _print(posture, selection: str, group_by: str, points, moved) -> None:
    from ..findings.timespec import format_duration

    overall = posture.overall
    click.echo(f"Selection: {selection} ({len(posture.run_ids)} runs, {len(overall.entities)} entities)")
    click.echo(f"Policy compliance:   {overall.policies.text()}")
    click.echo(f"Resource compliance: {overall.resources.text()}")
    click.echo(f"Entity compliance:   {posture.entity_compliance.text()}")
    click.echo(f"Violations: {overall.violations}   Policy errors: {overall.errors}")
    if posture.rows:
        click.echo("")
        rows = [[r.key, r.policies.text(), r.resources.text(), r.violations] for r in posture.rows]
        click.echo(table([group_by.upper(), "POLICIES", "RESOURCES", "VIOLATIONS"], rows))
    heatmap = posture.heatmap
    if heatmap.columns and group_by in ("stack", "account", "entity"):
        click.echo("\nHeatmap (policies passing per pack, %; N/A: not assigned or never run; ERR: error):")
        rows = [
            [name, *(c.text() if c else "N/A" for c in cells)]
            for etype, name, cells in heatmap.rows
            if group_by in (etype, "entity")
        ]
        click.echo(table(["ENTITY", *heatmap.columns], rows))
    if moved is not None:
        click.echo(f"\nSince {moved.since:%Y-%m-%d %H:%M} UTC:")
        click.echo(
            f"  {moved.new} new, {moved.fixed} fixed, {moved.regressed} regressed; "
            f"mean time to fix {format_duration(moved.mean_time_to_fix)}"
        )
        if points:
            click.echo("")
            rows = [
                [f"{p.at:%Y-%m-%d %H:%M}", p.policies.text(), p.resources.text(), p.violations]
                for p in points
            ]
            click.echo(table(["AT (UTC)", "POLICIES", "RESOURCES", "VIOLATIONS"], rows))
        else:
            click.echo("  no evaluations in this window")
