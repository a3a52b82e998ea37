"""``policy-host report``: the findings of a selection as HTML, SARIF, JUnit, JSON or CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._findings_cli import build_selection, selection_options
from ._store_cli import cli_store


@click.command("report")
@click.option("--format", "fmt", default="html", show_default=True, help="html, sarif, junit, json or csv.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@selection_options
@click.option("--since", default="30d", show_default=True, help="Start of the trend window.")
@click.option("--all", "include_fixed", is_flag=True, help="Include fixed issues.")
def report(fmt: str, out: Path | None, since: str, include_fixed: bool, **kw: Any) -> None:
    """Render the findings of a run, an account, an entity, a group, or everything."""
    from importlib.metadata import PackageNotFoundError, version

    from ..findings.report_data import gather
    from ..findings.timespec import parse_when
    from ..report.findings_formats import FORMATS
    from ..report.output import write_output
    from ..store.types import utcnow

    sel = build_selection(kw)
    now = utcnow()
    start = parse_when(since, now=now)
    try:
        tool_version = version("policy-host")
    except PackageNotFoundError:
        tool_version = "0.0.0"
    render = FORMATS.get(fmt)
    with cli_store().read() as session:
        data = gather(
            session, sel, now=now, since=start, include_fixed=include_fixed, tool_version=tool_version
        )
        text = render(data)
    if out is None:
        click.echo(text, nl=False)
        return
    write_output(out, text)
    click.echo(f"Wrote {fmt} report ({len(data.issues)} issues) to {out}.", err=True)
