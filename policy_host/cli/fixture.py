"""``policy-host fixture``: cut test fixtures out of real stack exports."""

from __future__ import annotations

import json

import click


@click.command()
@click.option(
    "--file",
    "state_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A `pulumi stack export` or checkpoint file.",
)
@click.option("--type", "types", multiple=True, help="Keep only resources of this type token (repeatable).")
@click.option("--name", "names", multiple=True, help="Keep only resources with this name (repeatable).")
@click.option("--outputs", is_flag=True, help="Take outputs (what stack policies see) instead of inputs.")
def fixture(state_file: str, types: tuple[str, ...], names: tuple[str, ...], outputs: bool) -> None:
    """Print resources from STATE as a JSON fixture for the test kit (secrets stay redacted)."""
    from ..sources.stack_export import load_state_file, strip_internal_keys

    state = load_state_file(state_file)
    chosen = state.outputs if outputs else state.inputs
    rows = []
    for r in chosen:
        if types and r.type not in types:
            continue
        if names and r.name not in names:
            continue
        row: dict = {
            "type": r.type,
            "name": r.name,
            "urn": r.urn,
            "properties": strip_internal_keys(r.properties),
        }
        if r.provider is not None:
            row["provider"] = {
                "type": r.provider.type,
                "urn": r.provider.urn,
                "name": r.provider.name,
                "properties": r.provider.properties,
            }
        if r.parent:
            row["parent"] = r.parent
        if r.dependencies:
            row["dependencies"] = list(r.dependencies)
        rows.append(row)
    click.echo(json.dumps(rows, indent=2, sort_keys=True))
