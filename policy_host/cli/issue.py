"""``policy-host issue``: list, show, triage and export the issues found by analyze runs and scans."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from ._store_cli import cli_store, echo_json, table


def issue_filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The filter flags shared by ``issue ls`` and ``issue export`` (repeatable; OR within a flag)."""
    options = [
        click.option("--pack", "packs", multiple=True, help="Policy pack name."),
        click.option(
            "--policy", "policies", multiple=True, help="Policy name or glob; PACK:POLICY for one pack."
        ),
        click.option(
            "--severity", "severities", multiple=True, help="critical, high, medium, low, unspecified."
        ),
        click.option(
            "--status",
            "statuses",
            multiple=True,
            help="open, in_progress, ignored, by_design, exempted, fixed.",
        ),
        click.option("--priority", "priorities", multiple=True, help="p0 .. p4, or none."),
        click.option("--assignee", "assignees", multiple=True, help="Login, or none for unassigned."),
        click.option("--kind", "kinds", multiple=True, help="preventative or audit."),
        click.option("--group", "groups", multiple=True, help="Policy group the pack came from."),
        click.option(
            "--entity", "entities", multiple=True, help="Stack org/project/stack or account (globs)."
        ),
        click.option(
            "--account", "accounts", multiple=True, help="Account, with its children (prod/us-east-1)."
        ),
        click.option(
            "--type",
            "resource_types",
            multiple=True,
            help="Resource type, e.g. aws:s3/bucket:Bucket (globs).",
        ),
        click.option(
            "--managed/--unmanaged", "managed", default=None, help="Managed by a stack, or discovered only."
        ),
        click.option("--run", "run_id", type=int, help="Only issues this recorded run saw."),
        click.option("--all", "include_fixed", is_flag=True, help="Include fixed issues."),
        click.option(
            "--sort",
            default="",
            help="Keys, comma separated, '-' for descending (default severity,priority,id).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def build_filter(kw: dict[str, Any]):
    from ..findings.query import IssueFilter

    return IssueFilter(
        packs=kw["packs"],
        policies=kw["policies"],
        severities=kw["severities"],
        statuses=kw["statuses"],
        priorities=kw["priorities"],
        assignees=kw["assignees"],
        kinds=kw["kinds"],
        groups=kw["groups"],
        entities=kw["entities"],
        accounts=kw["accounts"],
        resource_types=kw["resource_types"],
        managed=kw["managed"],
        include_fixed=kw["include_fixed"],
        run_id=kw["run_id"],
    )


@click.group("issue")
def issue() -> None:
    """Triage issues: one per (entity, resource, pack, policy), opened and fixed by evaluations."""


@issue.command("ls")
@issue_filter_options
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ls_cmd(limit: int | None, as_json: bool, sort: str, **kw: Any) -> None:
    """List issues (active ones unless --all or --status)."""
    from ..findings.query import list_issues
    from ..findings.serialize import issue_to_dict

    f = build_filter(kw)
    # Rows are built inside the read transaction: its end expires the loaded objects.
    with cli_store().read() as session:
        issues = [issue_to_dict(i) for i in list_issues(session, f, sort=sort, limit=limit)]
    if as_json:
        echo_json(issues)
        return
    if not issues:
        click.echo("No issues.")
        return
    rows = [
        [
            i["id"],
            i["status"],
            i["priority"] or "-",
            i["severity"] or "-",
            f"{i['policyPack']}/{i['policyName']}",
            i["entity"],
            _resource(i),
            i["assignedTo"] or "-",
            i["lastSeen"],
        ]
        for i in issues
    ]
    headers = ["ID", "STATUS", "PRIO", "SEVERITY", "POLICY", "ENTITY", "RESOURCE", "ASSIGNEE", "LAST SEEN"]
    click.echo(table(headers, rows))
    click.echo(f"\n{len(issues)} issue{'s' if len(issues) != 1 else ''}")


@issue.command("get")
@click.argument("issue_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def get_cmd(issue_id: str, as_json: bool) -> None:
    """Show one issue with its history."""
    from ..findings.query import get_issue, parse_issue_id
    from ..findings.serialize import detail_to_dict

    with cli_store().read() as session:
        data = detail_to_dict(get_issue(session, parse_issue_id(issue_id)))
    if as_json:
        echo_json(data)
        return
    fields = [
        ("Issue", f"#{data['id']}  {data['status']}"),
        ("Policy", f"{data['policyPack']}@{data['policyPackVersion']} / {data['policyName']}"),
        ("Group", data["policyGroupName"] or "-"),
        ("Level", data["level"]),
        ("Severity", data["severity"] or "-"),
        ("Priority", data["priority"] or "-"),
        ("Assignee", data["assignedTo"] or "-"),
        ("Justification", data["justification"] or "-"),
        ("Kind", data["kind"]),
        ("Entity", f"{data['entityType']} {data['entity']}"),
        (
            "Resource",
            f"{data['resourceType']}: {data['resourceName']}" if data["resourceType"] else "(stack)",
        ),
        ("URN", data["resourceURN"] or "-"),
        ("Managed by", data["managedBy"] or "unmanaged"),
        ("Version", data["version"] or "-"),
        ("First seen", data["observedAt"]),
        ("Last seen", data["lastSeen"]),
        ("Fixed at", data["fixedAt"] or "-"),
        ("Times seen", str(data["timesSeen"])),
    ]
    if data["exemptionId"]:
        fields.append(("Exemption", f"{data['exemptionId']}: {data['exemptionReason'] or ''}".rstrip(": ")))
    width = max(len(k) for k, _ in fields)
    for key, value in fields:
        click.echo(f"{key + ':':<{width + 1}} {value}")
    click.echo("\nMessage:")
    for line in (data["message"] or "").splitlines() or ["-"]:
        click.echo(f"  {line}")
    if data["proposedFix"]:
        click.echo("\nProposed fix (not applied): see --json for before/after inputs.")
    click.echo("\nHistory:")
    rows = [
        [h["at"], h["event"], f"{h['from'] or ''} -> {h['to'] or ''}", h["actor"], _describe(h)]
        for h in data["history"]
    ]
    click.echo(table(["AT", "EVENT", "STATUS", "BY", "DETAIL"], rows))


def _resource(i: dict[str, Any]) -> str:
    if i["resourceType"]:
        return f"{i['resourceType']}: {i['resourceName']}"
    return i["resourceName"] or "(stack)"


def _describe(h: dict[str, Any]) -> str:
    detail = h["detail"] or {}
    parts = []
    if h["run"]:
        parts.append(f"run {h['run']}")
    for name, (old, new) in (detail.get("changes") or {}).items():
        parts.append(f"{name}: {old or '-'} -> {new or '-'}")
    if detail.get("justification"):
        parts.append(f"justification: {detail['justification']}")
    if detail.get("exemption_id"):
        parts.append(f"exemption {detail['exemption_id']}")
    if "open_seconds" in detail:
        from ..findings.timespec import format_duration

        parts.append(f"open for {format_duration(detail['open_seconds'])}")
    return "; ".join(parts)


@issue.command("edit")
@click.argument("issue_ids", nargs=-1, required=True)
@click.option("--status", help="open, in_progress, ignored or by_design.")
@click.option("--priority", help="p0 (critical) .. p4 (low), or none.")
@click.option("--assignee", help="Login of the person who owns it.")
@click.option("--unassign", is_flag=True, help="Remove the assignee.")
@click.option("--justification", help="Why (required for ignored and by_design).")
def edit_cmd(
    issue_ids: tuple[str, ...],
    status: str | None,
    priority: str | None,
    assignee: str | None,
    unassign: bool,
    justification: str | None,
) -> None:
    """Change status, priority or assignee of one or more issues (all or none)."""
    from ..findings.query import parse_issue_id
    from ..findings.triage import IssueEdit, edit_issues

    edit = IssueEdit(status, priority, assignee, unassign, justification)
    edit.check()  # before opening the store: bad values are usage errors whatever the store holds
    ids = [parse_issue_id(i) for i in issue_ids]
    with cli_store().transaction() as session:
        issues = edit_issues(session, ids, edit, actor=_actor())
    for i in issues:
        bits = [i.status, i.priority or "no priority", i.assignee or "unassigned"]
        click.echo(f"Issue {i.id}: {', '.join(bits)}")


def _actor() -> str:
    """Who edits: POLICY_HOST_USER, else the OS login."""
    explicit = os.environ.get("POLICY_HOST_USER", "").strip()
    if explicit:
        return explicit
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers without passwd entries)
        return "unknown"


@issue.command("export")
@issue_filter_options
@click.option("--format", "fmt", default="csv", show_default=True, help="csv or json.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
def export_cmd(fmt: str, out: Path | None, sort: str, **kw: Any) -> None:
    """Export issues as CSV or JSON, with the same filters as ls."""
    from ..findings.query import list_issues
    from ..findings.serialize import issues_csv, issues_json

    if fmt not in ("csv", "json"):
        raise UsageError(f"invalid --format {fmt!r}: expected csv or json")
    f = build_filter(kw)
    with cli_store().read() as session:
        issues = list_issues(session, f, sort=sort)
        text = issues_csv(issues) if fmt == "csv" else issues_json(issues)
    if out is None:
        click.echo(text, nl=False)
        return
    from ..report.output import write_output

    write_output(out, text)
    click.echo(f"Wrote {len(issues)} issue{'s' if len(issues) != 1 else ''} to {out}.", err=True)
