"""``policy-host wrap``: make packs loadable by the Pulumi CLI through policy-host."""

from __future__ import annotations

import click


@click.command()
@click.option(
    "--from-store",
    is_flag=True,
    help="Serve each stack's policy groups from the store instead of fixed packs.",
)
@click.option(
    "--pack",
    "packs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="A policy pack directory (repeatable).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Write a pack directory for `--policy-pack DIR`.",
)
@click.option(
    "--executable",
    "exe",
    type=click.Path(dir_okay=False),
    help="Write an executable for `--policy-pack FILE` (CLI >= 3.255).",
)
@click.option("--policy-timeout", type=float, default=None, help="Seconds one policy call may take.")
def wrap(
    from_store: bool,
    packs: tuple[str, ...],
    out_dir: str | None,
    exe: str | None,
    policy_timeout: float | None,
) -> None:
    """Wrap packs so `pulumi preview --policy-pack <OUT>` runs them on policy-host.

    Packs are code: whoever runs the wrapper runs the packs' Python code with their permissions.
    """
    from ..analyzer.entry import write_executable, write_wrapper
    from ..errors import UsageError

    if not out_dir and not exe:
        raise UsageError("pass --out DIR and/or --executable FILE")
    if bool(packs) == from_store:
        raise UsageError("pass either --pack DIR (repeatable) or --from-store")
    if out_dir:
        click.echo(f"wrapper directory: {write_wrapper(out_dir, list(packs), policy_timeout, from_store)}")
    if exe:
        click.echo(f"analyzer executable: {write_executable(exe, list(packs), policy_timeout, from_store)}")
