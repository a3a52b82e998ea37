"""``policy-host new TEMPLATE DIR``: scaffold a policy pack from a template; ``--list`` shows them."""

from __future__ import annotations

import click

from ..errors import UsageError
from ..templates import list_templates, module_name, render


@click.command()
@click.argument("template", required=False)
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--name", "pack_name", help="Pack name (default: the directory's name).")
@click.option("--list", "list_only", is_flag=True, help="List the available templates and exit.")
def new(template: str | None, directory: str | None, pack_name: str | None, list_only: bool) -> None:
    """Create a policy pack in DIRECTORY from TEMPLATE (see --list)."""
    if list_only:
        templates = list_templates()
        width = max(len(t.name) for t in templates)
        for t in templates:
            click.echo(f"{t.name:<{width}}  {t.description}")
        return
    if not template or not directory:
        raise UsageError("usage: policy-host new TEMPLATE DIR [--name NAME]; policy-host new --list")
    dest = render(template, directory, pack_name)
    name = pack_name or dest.resolve().name
    click.echo(f"Created policy pack '{name}' from template '{template}' in {dest}")
    click.echo(f"  policies: {dest / (module_name(name) + '.py')}")
    click.echo("Next steps:")
    click.echo(f"  pip install -r {dest / 'requirements.txt'}")
    click.echo(f"  policy-host test {dest}")
    click.echo(f"  pulumi preview --policy-pack {dest}")
