"""``policy-host exemption``: list, create and remove exemptions."""

from __future__ import annotations

import click

from ._store_cli import cli_store, echo_json, table


@click.group("exemption")
def exemption() -> None:
    """Manage exemptions: reasoned, owned, optionally expiring waivers of policies."""


@exemption.command("ls")
@click.option("--active", "only", flag_value="active", help="Only active exemptions.")
@click.option("--expired", "only", flag_value="expired", help="Only expired exemptions.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ls_cmd(only: str | None, as_json: bool) -> None:
    """List exemptions with their status (active or expired)."""
    from ..exemptions.model import format_time
    from ..exemptions.service import list_exemptions
    from ..groups.serialize import exemption_to_dict
    from ..store.types import utcnow

    now = utcnow()
    with cli_store().read() as session:
        items = [(e, e.status(now)) for e in list_exemptions(session)]
    if only:
        items = [(e, s) for e, s in items if s == only]
    if as_json:
        echo_json([exemption_to_dict(e, s) for e, s in items])
        return
    if not items:
        click.echo("No exemptions.")
        return
    rows = [
        [
            e.id,
            s,
            ", ".join(e.policies),
            e.scope_text,
            e.owner,
            format_time(e.expires_at) or "never",
            e.reason,
        ]
        for e, s in items
    ]
    click.echo(table(["ID", "STATUS", "POLICIES", "SCOPE", "OWNER", "EXPIRES", "REASON"], rows))


@exemption.command("new")
@click.option(
    "--policy",
    "policies",
    multiple=True,
    required=True,
    help="Policy name or glob; PACK:POLICY for one pack.",
)
@click.option("--urn", help="URN glob of the exempted resources.")
@click.option("--type", "resource_type", help="Resource type (glob), e.g. aws:s3/bucket:Bucket.")
@click.option("--stack", help="Stack pattern org/project/stack (globs allowed).")
@click.option("--account", help="Account pattern (globs allowed).")
@click.option(
    "--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Resource tag that must match (value glob)."
)
@click.option("--reason", required=True, help="Why this is acceptable.")
@click.option("--owner", required=True, help="Who answers for it.")
@click.option("--expires", help="YYYY-MM-DD (valid through that day, UTC) or an ISO 8601 time.")
@click.option("--id", "exemption_id", help="Identifier (default: generated ex-XXXXXXXX).")
def new_cmd(
    policies: tuple[str, ...],
    urn: str | None,
    resource_type: str | None,
    stack: str | None,
    account: str | None,
    tags: tuple[str, ...],
    reason: str,
    owner: str,
    expires: str | None,
    exemption_id: str | None,
) -> None:
    """Create an exemption."""
    from ..entities.patterns import parse_tag
    from ..exemptions.model import Exemption, parse_expiry
    from ..exemptions.service import create, new_id

    ex = Exemption(
        id=exemption_id or new_id(),
        policies=tuple(policies),
        reason=reason,
        owner=owner,
        urn=urn,
        resource_type=resource_type,
        stack=stack,
        account=account,
        resource_tags=dict(parse_tag(t) for t in tags),
        expires_at=parse_expiry(expires),
    )
    with cli_store().transaction() as session:
        created = create(session, ex)
    click.echo(f"Created exemption {created.id}.")


@exemption.command("rm")
@click.argument("exemption_id")
def rm_cmd(exemption_id: str) -> None:
    """Remove an exemption."""
    from ..exemptions.service import remove

    with cli_store().transaction() as session:
        remove(session, exemption_id)
    click.echo(f"Removed exemption {exemption_id}.")
