"""``policy-host apply -f FILE`` and ``policy-host export``: groups and exemptions as a declarative file."""

from __future__ import annotations

from pathlib import Path

import click

from ._store_cli import cli_store


@click.command("apply")
@click.option(
    "-f",
    "--file",
    "path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Policy file.",
)
@click.option("--dry-run", is_flag=True, help="Show the difference only.")
@click.option("--prune", is_flag=True, help="Also delete groups and exemptions the file does not list.")
def apply(path: Path, dry_run: bool, prune: bool) -> None:
    """Show how FILE differs from the store, then make the store match it (idempotent, one transaction)."""
    from ..policy_as_code import execute, load_document, make_plan

    doc = load_document(path)
    store = cli_store()
    if dry_run:
        with store.read() as session:
            plan = make_plan(session, doc, prune=prune)
        click.echo(plan.render())
        return
    with store.transaction() as session:
        plan = make_plan(session, doc, prune=prune)
        execute(session, plan)
    click.echo(plan.render())
    if not plan.empty:
        click.echo(f"Applied {plan.count} change(s).")


@click.command("export")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not to stdout."
)
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
def export(output: Path | None, fmt: str) -> None:
    """Write the store's groups, pack pins, config and exemptions in the apply format."""
    from ..policy_as_code import dump_document, export_document

    with cli_store().read() as session:
        text = dump_document(export_document(session), fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.", err=True)
