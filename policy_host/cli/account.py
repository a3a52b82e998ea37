"""``policy-host account``: add, list, show, edit and remove the accounts audit scans."""

from __future__ import annotations

import click

from ._store_cli import cli_store, echo_json, table


@click.group("account")
def account() -> None:
    """Manage audit accounts: AWS (a child account per region), Kubernetes (kubeconfig or dump), Pulumi stacks."""


_SCHEDULE_HELP = "none, 12h, daily (default) or a cron expression (UTC)."


@account.command("add")
@click.argument("name")
@click.option("--provider", type=click.Choice(["aws", "kubernetes", "pulumi"]), required=True)
@click.option("--schedule", default="daily", show_default=True, help=_SCHEDULE_HELP)
@click.option("--profile", help="aws: a named profile from the shared AWS config files.")
@click.option("--role-arn", help="aws: a role to assume (from --profile, else the default chain).")
@click.option("--external-id", help="aws: the external id the role's trust policy requires.")
@click.option("--env-credentials", is_flag=True, help="aws: the standard AWS_* environment variables.")
@click.option("--endpoint-url", help="aws: send every call to this AWS-compatible endpoint.")
@click.option("--region", "regions", multiple=True, help="aws: a region to scan (repeat); each is a child.")
@click.option("--max-workers", type=int, help="aws: concurrent API calls (default 8).")
@click.option("--kubeconfig", help="kubernetes: a kubeconfig file.")
@click.option("--context", help="kubernetes: the kubeconfig context.")
@click.option("--dump", help="kubernetes: a JSON dump of kubectl get ... -o json output.")
@click.option("--backend-dir", help="pulumi: a DIY backend directory (or file://DIR).")
@click.option("--export", "exports", multiple=True, help="pulumi: a pulumi stack export file (repeat).")
def add_cmd(name: str, provider: str, schedule: str, **flags) -> None:
    """Add an account; it joins default-accounts-policy-group."""
    from ..audit.accounts import AccountInput, add_account

    given = AccountInput(
        name=name,
        provider=provider,
        schedule=schedule,
        regions=tuple(flags.pop("regions")),
        exports=tuple(flags.pop("exports")),
        **flags,
    )
    with cli_store().transaction() as session:
        rec, notes = add_account(session, given)
        children = [f"{rec.name}/{r}" for r in rec.config.get("regions", ())]
    for line in notes.lines:
        click.echo(f"note: {line}", err=True)
    extra = f" with {len(children)} region account(s): {', '.join(children)}" if children else ""
    click.echo(f"Added {provider} account {name}{extra}.")


@account.command("ls")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ls_cmd(as_json: bool) -> None:
    """List accounts with their schedule, last scan and resource counts."""
    from ..audit.accounts import list_accounts
    from ..audit.queries import account_summary

    with cli_store().read() as session:
        items = [account_summary(session, rec) for rec in list_accounts(session)]
    if as_json:
        echo_json(items)
        return
    if not items:
        click.echo("No accounts.")
        return
    rows = []
    for a in items:
        last = a["lastScan"]
        rows.append(
            [
                a["name"],
                a["provider"],
                a["schedule"] if a["parent"] is None else f"(from {a['parent']})",
                f"{last['status']} {last['startedAt']}" if last else "never",
                a["resources"],
                a["managed"],
                a["unmanaged"],
            ]
        )
    click.echo(
        table(["NAME", "PROVIDER", "SCHEDULE", "LAST SCAN", "RESOURCES", "MANAGED", "UNMANAGED"], rows)
    )


@account.command("get")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def get_cmd(name: str, as_json: bool) -> None:
    """Show an account: config (credential source only), children, last scan, resources."""
    from ..audit.accounts import children_of, get_account
    from ..audit.queries import account_summary

    with cli_store().read() as session:
        rec = get_account(session, name)
        data = account_summary(session, rec)
        data["children"] = [c.name for c in children_of(session, rec)]
    if as_json:
        echo_json(data)
        return
    click.echo(f"Account {data['name']} ({data['provider']})")
    if data["parent"]:
        click.echo(f"  region of:   {data['parent']} ({data['region']})")
    else:
        click.echo(f"  schedule:    {data['schedule']}")
    if data.get("credentials"):
        click.echo(f"  credentials: {data['credentials']}")
    for key, value in data["config"].items():
        if key != "credentials":
            shown = ", ".join(map(str, value)) if isinstance(value, list) else value
            click.echo(f"  {key + ':':<12} {shown}")
    if data["children"]:
        click.echo(f"  children:    {', '.join(data['children'])}")
    for s in data.get("stacks", []):
        click.echo(f"  stack:       {s['name']} ({s['resources']} resources, {s['source']})")
    click.echo(
        f"  resources:   {data['resources']} ({data['managed']} managed, {data['unmanaged']} unmanaged)"
    )
    last = data["lastScan"]
    click.echo(
        f"  last scan:   {last['status']} at {last['startedAt']} (scan {last['id']})"
        if last
        else "  last scan:   never"
    )


@account.command("edit")
@click.argument("name")
@click.option("--schedule", help=_SCHEDULE_HELP)
@click.option("--add-region", "add_regions", multiple=True, help="aws: scan another region (repeat).")
@click.option("--remove-region", "remove_regions", multiple=True, help="aws: stop scanning a region.")
@click.option("--max-workers", type=int)
@click.option("--profile")
@click.option("--role-arn")
@click.option("--external-id")
@click.option("--env-credentials", is_flag=True)
@click.option("--endpoint-url", help='aws: a new endpoint ("" removes it).')
@click.option("--kubeconfig")
@click.option("--context")
@click.option("--dump")
@click.option("--backend-dir", help='pulumi: a new DIY backend directory ("" removes it).')
@click.option("--add-export", "add_exports", multiple=True)
@click.option("--remove-export", "remove_exports", multiple=True)
def edit_cmd(name: str, **flags) -> None:
    """Change an account's schedule, regions, credential source or sources."""
    from ..audit.accounts import AccountEdit, edit_account

    for key in ("add_regions", "remove_regions", "add_exports", "remove_exports"):
        flags[key] = tuple(flags[key])
    with cli_store().transaction() as session:
        _, notes = edit_account(session, name, AccountEdit(**flags))
    for line in notes.lines:
        click.echo(f"note: {line}", err=True)
    click.echo(f"Updated account {name}.")


@account.command("rm")
@click.argument("name")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def rm_cmd(name: str, yes: bool) -> None:
    """Remove an account with its region children, resources, versions and scans."""
    from ..audit.accounts import covered_accounts, get_account, remove_account

    store = cli_store()
    if not yes:
        with store.read() as session:
            names = [a.name for a in covered_accounts(session, get_account(session, name))]
        click.confirm(f"Remove {', '.join(names)} and everything scanned from them?", abort=True)
    with store.transaction() as session:
        removed = remove_account(session, name)
    click.echo(f"Removed account(s) {', '.join(removed)}.")
