"""``policy-host resource``: what scans found, with managed/unmanaged status and version history."""

from __future__ import annotations

import json

import click

from ..errors import UsageError
from ._store_cli import cli_store, echo_json, table


@click.group("resource")
def resource() -> None:
    """Browse discovered resources and stack resources recorded by scans."""


@resource.command("ls")
@click.option("--account", help="Only this account (and its region children).")
@click.option("--type", "type_token", help="Only this type token, e.g. aws:s3/bucket:Bucket.")
@click.option("--managed", "managed", flag_value="managed", help="Only resources a stack manages.")
@click.option("--unmanaged", "managed", flag_value="unmanaged", help="Only resources no stack manages.")
@click.option("--deleted", is_flag=True, help="Include resources gone since an earlier scan.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ls_cmd(
    account: str | None, type_token: str | None, managed: str | None, deleted: bool, as_json: bool
) -> None:
    """List resources: account, type, id, managed-by stack (or unmanaged), version."""
    from ..audit.queries import list_resources

    flag = {"managed": True, "unmanaged": False}.get(managed or "")
    with cli_store().read() as session:
        items = list_resources(
            session, account=account, type_token=type_token, managed=flag, include_deleted=deleted
        )
    if as_json:
        echo_json(items)
        return
    if not items:
        click.echo("No resources.")
        return
    rows = [
        [
            r["account"],
            r["type"],
            r["id"] or r["name"],
            r["managedBy"] or "unmanaged",
            r["version"],
            r["status"],
        ]
        for r in items
    ]
    click.echo(table(["ACCOUNT", "TYPE", "ID", "MANAGED BY", "VERSION", "STATUS"], rows))


@resource.command("get")
@click.argument("urn")
@click.option("--account", help="The account, when the URN is in several.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def get_cmd(urn: str, account: str | None, as_json: bool) -> None:
    """Show a resource: type, ids, properties (secrets redacted), managed-by, relationships, versions."""
    from ..audit.queries import get_resource

    if not urn.strip():
        raise UsageError("give a resource URN (see policy-host resource ls --json)")
    with cli_store().read() as session:
        data = get_resource(session, urn, account)
    if as_json:
        echo_json(data)
        return
    click.echo(f"{data['type']}  {data['name']}")
    click.echo(f"  urn:        {data['urn']}")
    click.echo(f"  account:    {data['account']}  region: {data['region'] or '-'}")
    click.echo(f"  id:         {data['id']}")
    if data["arn"]:
        click.echo(f"  arn:        {data['arn']}")
    if data["managedBy"]:
        click.echo(f"  managed by: {data['managedBy']} ({data['managedUrn']})")
    else:
        click.echo("  managed by: unmanaged")
    click.echo(
        f"  status:     {data['status']}  first seen {data['firstSeen']}, last seen {data['lastSeen']}"
    )
    if data["partial"]:
        click.echo(f"  partial:    could not read {', '.join(data['partial'])}")
    click.echo("  properties:")
    for line in json.dumps(data["properties"], indent=2, sort_keys=True).splitlines():
        click.echo(f"    {line}")
    if data["relationships"]:
        click.echo("  relationships:")
        for rel in data["relationships"]:
            click.echo(f"    {rel['kind']} -> {rel['targetUrn'] or rel['target']}")
    click.echo("  versions:")
    rows = [[v["version"], v["recordedAt"], v["scanId"], v["hash"][:12]] for v in data["versions"]]
    for line in table(["VERSION", "RECORDED", "SCAN", "HASH"], rows).splitlines():
        click.echo(f"    {line}")
