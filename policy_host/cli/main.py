"""The ``policy-host`` command. Subcommands are imported lazily so that ``serve`` (launched by the
Pulumi engine for every preview) pays only for what it uses."""

from __future__ import annotations

import importlib
import sys

import click

from ..errors import PolicyHostError

# command name -> "module:attribute"; each module owns one command (or group).
COMMANDS: dict[str, str] = {
    "pack": "policy_host.cli.pack:pack",
    "group": "policy_host.cli.group:group",
    "exemption": "policy_host.cli.exemption:exemption",
    "apply": "policy_host.cli.policy_as_code:apply",
    "export": "policy_host.cli.policy_as_code:export",
    "serve": "policy_host.cli.serve:serve",
    "analyze": "policy_host.cli.analyze:analyze",
    "wrap": "policy_host.cli.wrap:wrap",
    "test": "policy_host.cli.test:test",
    "fixture": "policy_host.cli.fixture:fixture",
    "issue": "policy_host.cli.issue:issue",
    "compliance": "policy_host.cli.compliance:compliance",
    "report": "policy_host.cli.report:report",
    "new": "policy_host.cli.new:new",
    "account": "policy_host.cli.account:account",
    "audit": "policy_host.cli.audit:audit",
    "resource": "policy_host.cli.resource:resource",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policy-host")
def cli() -> None:
    """policy-host: run Pulumi policy packs fast, offline, preventatively and in audit."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning PolicyHostError into one line on stderr and an exit code."""
    try:
        cli.main(args=argv, prog_name="policy-host", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.exceptions.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except PolicyHostError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    else:
        sys.exit(0)
