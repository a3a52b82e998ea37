"""``policy-host audit``: scan accounts, list scans, evaluate, and run the schedule."""

from __future__ import annotations

import sys

import click

from ..errors import PolicyHostError, UsageError
from ._store_cli import cli_store, echo_json, table


@click.group("audit")
def audit() -> None:
    """Audit mode: discovery scans and evaluation of accounts and stacks by their audit groups."""


def _targets(account: str | None, all_: bool) -> list[str]:
    from ..audit.evaluate import root_accounts

    if bool(account) == all_:
        raise UsageError("name one ACCOUNT or give --all")
    if account:
        return [account]
    names = root_accounts(cli_store())
    if not names:
        raise UsageError("no accounts to scan (add one with policy-host account add)")
    return names


def _evaluation_json(e) -> dict:
    from ..audit.canonical import display_value

    run = e.run
    return {
        "entityType": e.entity_type,
        "entity": e.entity,
        "resources": e.resources,
        "policies": e.policies,
        "failures": e.failures,
        "errors": e.errors,
        "recorded": e.recorded,
        "results": [
            {
                "urn": r.resource_urn,
                "pack": r.pack_name,
                "policy": r.policy_name,
                "outcome": str(r.outcome),
                "level": str(r.level),
                "severity": str(r.severity),
                "message": r.message,
                "exemption": r.exemption_id,
                "proposedFix": (
                    {"before": display_value(r.proposed_before), "after": display_value(r.proposed_after)}
                    if r.proposed_after is not None
                    else None
                ),
            }
            for r in (run.results if run else [])
        ],
    }


@audit.command("scan")
@click.argument("account", required=False)
@click.option("--all", "all_", is_flag=True, help="Scan every account.")
@click.option("--no-evaluate", is_flag=True, help="Only scan; do not evaluate afterwards.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def scan_cmd(account: str | None, all_: bool, no_evaluate: bool, as_json: bool) -> None:
    """Scan ACCOUNT (with its region children) or --all, then evaluate them."""
    from ..audit.progress import reporter
    from ..audit.scan import Interrupted, scan, stop_on_sigterm

    store = cli_store()
    outcomes = []
    failed = False
    try:
        with stop_on_sigterm():
            for name in _targets(account, all_):
                try:
                    with reporter(name) as progress:
                        outcome = scan(store, name, on_progress=progress, evaluate=not no_evaluate)
                except PolicyHostError as e:
                    if not all_:
                        raise
                    click.echo(f"error: {name}: {e}", err=True)
                    failed = True
                    continue
                outcomes.append(outcome)
                failed = failed or outcome.status == "failed"
    except Interrupted:
        click.echo("error: terminated (SIGTERM); the scan was marked failed", err=True)
        sys.exit(143)
    if as_json:
        echo_json(
            [
                {
                    "account": o.account,
                    "batch": o.batch_id,
                    "status": o.status,
                    "error": o.error,
                    "durationSeconds": round(o.duration_seconds, 3),
                    "accounts": [a.__dict__ for a in o.accounts],
                    "evaluations": [_evaluation_json(e) for e in o.evaluations],
                }
                for o in outcomes
            ]
        )
    else:
        for o in outcomes:
            for a in o.accounts:
                ch = a.changes
                detail = (
                    f"{a.resources} resources ({ch.get('new', 0)} new, {ch.get('changed', 0)} changed, "
                    f"{ch.get('deleted', 0)} deleted)"
                    if a.status != "failed"
                    else "; ".join(a.errors)
                )
                click.echo(f"Scan {a.scan_id} of {a.account}: {a.status}, {detail}")
                for err in a.errors if a.status == "partial" else ():
                    click.echo(f"  error: {err}")
            for e in o.evaluations:
                click.echo(_evaluation_line(e))
            if o.error and o.status != "failed":
                click.echo(f"  {o.error}", err=True)
    if failed:
        sys.exit(1)


def _evaluation_line(e) -> str:
    text = (
        f"Evaluated {e.entity_type} {e.entity}: {e.resources} resources, {e.policies} policies, "
        f"{e.failures} failures"
    )
    if e.errors:
        text += f" ({len(e.errors)} errors: {e.errors[0]})"
    return text


@audit.command("evaluate")
@click.argument("account", required=False)
@click.option("--all", "all_", is_flag=True, help="Evaluate every account.")
@click.option("--json", "as_json", is_flag=True, help="Print every result as JSON.")
def evaluate_cmd(account: str | None, all_: bool, as_json: bool) -> None:
    """Evaluate the latest scan of ACCOUNT (or --all) with the packs of its audit groups."""
    from ..audit.evaluate import evaluate_account

    store = cli_store()
    summaries = []
    for name in _targets(account, all_):
        summaries.extend(evaluate_account(store, name))
    if as_json:
        echo_json([_evaluation_json(e) for e in summaries])
        return
    if not summaries:
        click.echo("Nothing to evaluate.")
    for e in summaries:
        click.echo(_evaluation_line(e))


@audit.command("scans")
@click.option("--account", help="Only this account (and its region children).")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def scans_cmd(account: str | None, limit: int, as_json: bool) -> None:
    """List scans, newest first (interrupted scans are marked failed first)."""
    from ..audit.queries import list_scans
    from ..audit.scan import reap_stale_scans

    store = cli_store()
    with store.transaction() as session:
        reap_stale_scans(session)
    with store.read() as session:
        items = list_scans(session, account, limit)
    if as_json:
        echo_json(items)
        return
    if not items:
        click.echo("No scans.")
        return
    rows = [
        [
            s["id"],
            s["account"],
            s["status"],
            s["trigger"],
            s["startedAt"],
            f"{s['durationSeconds']:.1f}s" if s["durationSeconds"] is not None else "",
            s["resources"],
            len(s["errors"]),
        ]
        for s in items
    ]
    click.echo(
        table(["ID", "ACCOUNT", "STATUS", "TRIGGER", "STARTED", "DURATION", "RESOURCES", "ERRORS"], rows)
    )


@audit.command("schedule")
@click.option("--tick", type=float, default=30.0, show_default=True, help="Seconds between passes.")
@click.option(
    "--interval",
    type=float,
    help="Scan every account (schedule not none) this many seconds after its last scan, instead of its schedule.",
)
@click.option("--concurrency", type=int, default=1, show_default=True, help="Scans at once.")
@click.option("--grace", type=float, default=15.0, show_default=True, help="Seconds scans get to stop.")
@click.option("--once", is_flag=True, help="Start the scans that are due, wait for them, and exit.")
def schedule_cmd(tick: float, interval: float | None, concurrency: int, grace: float, once: bool) -> None:
    """Run scans on each account's schedule until SIGTERM (one worker process per scan)."""
    from ..audit.schedule import Scheduler, SchedulerOptions

    if tick <= 0 or concurrency < 1 or (interval is not None and interval <= 0):
        raise UsageError("--tick and --interval must be positive and --concurrency at least 1")
    scheduler = Scheduler(cli_store(), SchedulerOptions(tick, interval, concurrency, grace))
    scheduler.install_signal_handlers()
    scheduler.run(once=once)
