"""``policy-host pack``: publish packs to the registry in the store, list, show, remove, validate config."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ConfigValidationError, UsageError
from ._store_cli import cli_store, echo_json, human_size, table


@click.group("pack")
def pack() -> None:
    """Publish and manage policy packs in the registry."""


@pack.command("publish")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def publish_cmd(directory: Path) -> None:
    """Load the pack in DIRECTORY and publish it as name@version (version from PulumiPolicy.yaml)."""
    from ..registry.archive import build_archive, list_archive
    from ..registry.packs import load_pack_info, publish

    if not directory.is_dir():
        raise UsageError(f"{directory}: not a directory")
    # Load and archive before opening the write transaction: a pack may take a while to import.
    info = load_pack_info(directory)
    archive = build_archive(directory)
    store = cli_store()
    with store.transaction() as session:
        published = publish(session, info, archive)
    files = sum(1 for name in list_archive(archive) if not name.endswith("/"))
    click.echo(
        f"Published {published.ref} ({len(info.policies)} policies, {files} entries, "
        f"{human_size(published.archive_size)}, sha256 {published.archive_sha256[:12]})"
    )


@pack.command("ls")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ls_cmd(as_json: bool) -> None:
    """List published packs and their versions."""
    from ..registry.packs import list_packs

    with cli_store().read() as session:
        packs = list_packs(session)
    if as_json:
        echo_json(
            [{"name": p.name, "displayName": p.display_name, "versions": list(p.versions)} for p in packs]
        )
        return
    if not packs:
        click.echo("No policy packs published.")
        return
    click.echo(
        table(["NAME", "LATEST", "VERSIONS"], [[p.name, p.latest, ", ".join(p.versions)] for p in packs])
    )


@pack.command("get")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the full metadata).")
def get_cmd(ref: str, as_json: bool) -> None:
    """Show a pack's metadata: REF is NAME (newest version) or NAME@VERSION."""
    from ..registry.metadata import pack_info_to_dict
    from ..registry.packs import enabled_in, get_pack, parse_ref, versions_of

    name, version = parse_ref(ref)
    with cli_store().read() as session:
        p = get_pack(session, name, version)
        groups = enabled_in(session, p.name, p.version)
        versions = versions_of(session, p.name)
    if as_json:
        echo_json(
            pack_info_to_dict(p.info)
            | {
                "publishedAt": p.published_at.isoformat(),
                "archiveSha256": p.archive_sha256,
                "archiveSize": p.archive_size,
                "versions": versions,
                "enabledIn": groups,
            }
        )
        return
    info = p.info
    click.echo(f"{p.ref}" + (f"  ({info.display_name})" if info.display_name else ""))
    if info.description:
        click.echo(f"  {info.description}")
    click.echo(
        f"published: {p.published_at.isoformat(timespec='seconds')}  archive: {human_size(p.archive_size)}"
    )
    click.echo(f"versions:  {', '.join(versions)}")
    click.echo(f"enabled in: {', '.join(groups) if groups else '(no group)'}")
    rows = []
    for pol in info.policies:
        fw = pol.framework.name if pol.framework else ""
        schema = ", ".join(pol.config_schema.properties) if pol.config_schema else ""
        rows.append(
            [
                pol.name,
                pol.policy_type.value,
                pol.enforcement_level.value,
                pol.severity.value or "-",
                fw,
                schema,
            ]
        )
    click.echo(table(["POLICY", "TYPE", "LEVEL", "SEVERITY", "FRAMEWORK", "CONFIG"], rows))


@pack.command("rm")
@click.argument("name")
@click.argument("version")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def rm_cmd(name: str, version: str, yes: bool) -> None:
    """Remove VERSION of pack NAME, or every version with 'all'. Refused while a group enables it."""
    from ..registry.packs import remove

    what = f"every version of {name}" if version == "all" else f"{name}@{version}"
    if not yes:
        click.confirm(f"Remove {what}? This cannot be undone", abort=True)
    with cli_store().transaction() as session:
        removed = remove(session, name, version)
    click.echo(f"Removed {name} version(s) {', '.join(removed)}.")


@pack.command("validate-config")
@click.argument("name")
@click.argument("version")
@click.option(
    "--config",
    "config_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file in the --policy-pack-config format.",
)
def validate_config_cmd(name: str, version: str, config_file: Path) -> None:
    """Validate a config file against a published pack's policy schemas (the engine's rules)."""
    from ..groups.config import resolve_config
    from ..packs.config import parse_config_file
    from ..registry.packs import get_pack

    entries = parse_config_file(config_file)
    with cli_store().read() as session:
        info = get_pack(session, name, version).info
    _, errors = resolve_config(info, entries)
    if errors:
        raise ConfigValidationError(errors)
    click.echo("Policy Pack configuration is valid.")
