"""``policy-host group``: policy groups, their members, selectors and packs, and ``explain``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import InputError, UsageError
from ._store_cli import cli_store, echo_json, table


@click.group("group")
def group() -> None:
    """Manage policy groups: which stacks and accounts get which packs."""


@group.command("new")
@click.argument("name")
@click.option("--entity-type", type=click.Choice(["stacks", "accounts"]), required=True)
@click.option(
    "--mode",
    type=click.Choice(["preventative", "audit"]),
    default=None,
    help="Default: preventative for stacks, audit for accounts.",
)
def new_cmd(name: str, entity_type: str, mode: str | None) -> None:
    """Create an empty policy group."""
    from ..groups.service import create_group

    with cli_store().transaction() as session:
        g = create_group(session, name, entity_type, mode)
    click.echo(f"Created policy group {g.name} ({g.entity_type}, {g.mode}).")


@group.command("ls")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ls_cmd(as_json: bool) -> None:
    """List policy groups."""
    from ..groups.service import list_groups

    with cli_store().read() as session:
        groups = list_groups(session)
    if as_json:
        echo_json([g.__dict__ for g in groups])
        return
    rows = [
        [
            g.name + (" (default)" if g.is_default else ""),
            g.entity_type,
            g.mode,
            g.num_stacks,
            g.num_accounts,
            g.num_selectors,
            g.num_packs,
        ]
        for g in groups
    ]
    click.echo(table(["NAME", "ENTITIES", "MODE", "STACKS", "ACCOUNTS", "SELECTORS", "PACKS"], rows))


@group.command("get")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def get_cmd(name: str, as_json: bool) -> None:
    """Show a group: members, selectors and enabled packs with their config."""
    from ..groups.serialize import group_to_dict
    from ..groups.service import get_group

    with cli_store().read() as session:
        g = get_group(session, name)
    if as_json:
        echo_json(group_to_dict(g))
        return
    title = f"{g.name}  ({g.entity_type}, {g.mode}"
    title += ", default; also known as " + ", ".join(g.aliases) + ")" if g.is_default else ")"
    click.echo(title)
    for label, items in (
        (
            "stacks",
            [
                m.name + (" (joined by default)" if m.source != "explicit" else "")
                for m in g.members
                if m.kind == "stack"
            ],
        ),
        ("accounts", [m.name for m in g.members if m.kind == "account"]),
        ("stack patterns", list(g.stack_patterns)),
        ("account patterns", list(g.account_patterns)),
        ("tag selectors", list(g.tag_selectors)),
    ):
        if items:
            click.echo(f"{label}:")
            for item in items:
                click.echo(f"  {item}")
    if g.packs:
        click.echo("packs:")
        for p in g.packs:
            config = f"  config {json.dumps(p.config, sort_keys=True)}" if p.config else ""
            click.echo(f"  {p.ref}{config}")
    else:
        click.echo("packs: (none)")


def _read_config(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise InputError(f"{path}: cannot read policy config file: {e.strerror or e}") from None
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object")
    return data


@group.command("edit")
@click.argument("name")
@click.option("--name", "new_name", help="Rename the group (not for default groups).")
@click.option("--add-stack", multiple=True, metavar="ORG/PROJECT/STACK")
@click.option("--remove-stack", multiple=True, metavar="ORG/PROJECT/STACK")
@click.option("--add-account", multiple=True, metavar="ACCOUNT")
@click.option("--remove-account", multiple=True, metavar="ACCOUNT")
@click.option("--add-stack-pattern", multiple=True, metavar="GLOB", help="e.g. 'acme/*/prod'")
@click.option("--remove-stack-pattern", multiple=True, metavar="GLOB")
@click.option("--add-account-pattern", multiple=True, metavar="GLOB", help="e.g. 'production/*'")
@click.option("--remove-account-pattern", multiple=True, metavar="GLOB")
@click.option("--add-tag-selector", multiple=True, metavar="KEY=VALUE[,KEY=VALUE]", help="e.g. 'env=prod'")
@click.option("--remove-tag-selector", multiple=True, metavar="KEY=VALUE[,KEY=VALUE]")
@click.option("--add-policy-pack", multiple=True, metavar="NAME@VERSION|NAME@latest")
@click.option(
    "--config",
    "configs",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config for each --add-policy-pack, paired by position (--policy-pack-config format).",
)
@click.option("--remove-policy-pack", multiple=True, metavar="NAME[@VERSION]")
def edit_cmd(
    name: str,
    new_name: str | None,
    add_stack: tuple[str, ...],
    remove_stack: tuple[str, ...],
    add_account: tuple[str, ...],
    remove_account: tuple[str, ...],
    add_stack_pattern: tuple[str, ...],
    remove_stack_pattern: tuple[str, ...],
    add_account_pattern: tuple[str, ...],
    remove_account_pattern: tuple[str, ...],
    add_tag_selector: tuple[str, ...],
    remove_tag_selector: tuple[str, ...],
    add_policy_pack: tuple[str, ...],
    configs: tuple[Path, ...],
    remove_policy_pack: tuple[str, ...],
) -> None:
    """Edit a group in one transaction: rename, members, selectors, packs (removals first)."""
    from ..groups.model import GroupEdit
    from ..groups.service import edit_group
    from ..registry.packs import parse_ref

    if configs and len(configs) != len(add_policy_pack):
        raise UsageError("the number of --config flags must match the number of --add-policy-pack flags")
    adds = []
    for i, ref in enumerate(add_policy_pack):
        pack_name, version = parse_ref(ref)
        if version is None:
            raise UsageError(
                f"--add-policy-pack {ref}: name a version, e.g. {pack_name}@1.0.0 or {pack_name}@latest"
            )
        config = _read_config(configs[i]) if configs else None
        adds.append((pack_name, version, config, str(configs[i]) if configs else "config"))
    edit = GroupEdit(
        new_name=new_name,
        add_stacks=list(add_stack),
        remove_stacks=list(remove_stack),
        add_accounts=list(add_account),
        remove_accounts=list(remove_account),
        add_stack_patterns=list(add_stack_pattern),
        remove_stack_patterns=list(remove_stack_pattern),
        add_account_patterns=list(add_account_pattern),
        remove_account_patterns=list(remove_account_pattern),
        add_tag_selectors=list(add_tag_selector),
        remove_tag_selectors=list(remove_tag_selector),
        add_packs=adds,
        remove_packs=[parse_ref(r) for r in remove_policy_pack],
    )
    with cli_store().transaction() as session:
        g = edit_group(session, name, edit)
    click.echo(f"Updated policy group {g.name} (revision {g.revision}).")


@group.command("rm")
@click.argument("name")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def rm_cmd(name: str, yes: bool) -> None:
    """Delete a group (default groups cannot be deleted)."""
    from ..groups.service import delete_group, get_group

    store = cli_store()
    with store.read() as session:
        g = get_group(session, name)  # fail on unknown/default names before asking
    if g.is_default:
        from ..errors import StoreError

        raise StoreError(f"default policy group {g.name} cannot be deleted")
    if not yes:
        click.confirm(f"Delete policy group {g.name}? This cannot be undone", abort=True)
    with store.transaction() as session:
        delete_group(session, name)
    click.echo(f"Deleted policy group {g.name}.")


@group.command("explain")
@click.argument("entity")
@click.option("--account", "is_account", is_flag=True, help="ENTITY is an account name, not a stack.")
@click.option(
    "--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Stack tags to assume (default: last recorded)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def explain_cmd(entity: str, is_account: bool, tags: tuple[str, ...], as_json: bool) -> None:
    """Show every group that applies to ENTITY (org/project/stack, or an account with --account), why,
    and the packs, versions, levels, config and exemptions that result: exactly what the host runs."""
    from ..entities.patterns import parse_tag
    from ..entities.ref import account_ref, parse_stack_ref
    from ..groups.resolve import explain
    from ..groups.serialize import explanation_to_dict

    tag_map = dict(parse_tag(t) for t in tags)
    if is_account:
        ref = account_ref(entity, tag_map)
    else:
        if entity.count("/") != 2:
            raise UsageError(f"{entity!r}: expected org/project/stack (use --account for an account)")
        ref = parse_stack_ref(entity, tag_map)
    with cli_store().read() as session:
        x = explain(session, ref)
    if as_json:
        echo_json(explanation_to_dict(x))
        return
    _print_explanation(x)


def _print_explanation(x) -> None:
    tags = ", ".join(f"{k}={v}" for k, v in sorted(x.entity.tags.items()))
    click.echo(f"{x.entity}" + (f"  tags: {tags}" if tags else "") + ("" if x.known else "  (not seen yet)"))
    click.echo("")
    if not x.groups:
        click.echo("Groups: none apply")
    else:
        click.echo("Groups:")
        click.echo(
            table(
                ["  GROUP", "MODE", "WHY"], [["  " + g.name, g.mode, "; ".join(g.reasons)] for g in x.groups]
            )
        )
    for mode, r in x.modes.items():
        click.echo("")
        if not r.packs:
            click.echo(f"{mode.capitalize()} packs: none")
        else:
            click.echo(f"{mode.capitalize()} packs:")
        for p in r.packs:
            pinned = f" (pinned {p.spec})" if p.spec != p.version else ""
            click.echo(f"  {p.name}@{p.version}{pinned} from group {p.group}")
            if p.raw_config:
                click.echo(f"    config: {json.dumps(p.raw_config, sort_keys=True)}")
            for policy, level in p.levels.items():
                props = p.config.get(policy)
                extra = (
                    f"  {json.dumps(props.properties, sort_keys=True)}" if props and props.properties else ""
                )
                click.echo(f"    {policy}: {level.value}{extra}")
            for c, why in p.overridden:
                click.echo(f"    not used: {c.group} pins {c.spec} ({why})")
            for line in p.errors:
                click.echo(f"    ERROR {line}")
    # Exemptions are scoped by entity, not by mode: every mode sees the same ones.
    first = next(iter(x.modes.values()))
    for label, items in (("Exemptions", first.exemptions), ("Expired exemptions", first.expired_exemptions)):
        if items:
            click.echo("")
            click.echo(f"{label}:")
            for e in items:
                click.echo(f"  {e.id}: {', '.join(e.policies)} at {e.scope_text}: {e.reason} ({e.owner})")
