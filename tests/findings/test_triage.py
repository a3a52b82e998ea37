"""Triage: status, priority, assignee and justification edits, their rules and their history; the
``issue`` commands' errors (exit code 2, one line)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from policy_host.cli.main import main
from policy_host.errors import StoreError, UsageError
from policy_host.findings import record_run
from policy_host.findings.models import IssueEvent
from policy_host.findings.query import get_issue, list_issues
from policy_host.findings.triage import IssueEdit, edit_issues
from tests.findings.builders import fail, policy, resource, run

STACK = "acme/shop/prod"
B0, B1 = resource("b0"), resource("b1")
ENC = policy("aws", "encryption", severity="high")


@pytest.fixture
def ids(store) -> list[int]:
    with store.transaction() as s:
        record_run(s, run(STACK, [B0, B1], [ENC], [fail(B0, ENC), fail(B1, ENC)], at=0))
    with store.read() as s:
        return [i.id for i in list_issues(s, sort="id")]


def edit(store, issue_ids, **change):
    with store.transaction() as s:
        return edit_issues(s, issue_ids, IssueEdit(**change), actor="alice")


def test_ignored_and_by_design_need_a_justification(store, ids):
    for status in ("ignored", "by_design"):
        with pytest.raises(UsageError, match=f"status {status} needs --justification"):
            edit(store, ids[:1], status=status)
    (issue,) = edit(store, ids[:1], status="ignored", justification="test data, deleted nightly")
    assert (issue.status, issue.justification) == ("ignored", "test data, deleted nightly")
    # changing the reason alone is fine; going back to open drops it
    (issue,) = edit(store, ids[:1], justification="owned by the data team")
    assert issue.justification == "owned by the data team"
    (issue,) = edit(store, ids[:1], status="in_progress")
    assert (issue.status, issue.justification) == ("in_progress", None)
    with pytest.raises(UsageError, match="a justification goes with status ignored or by_design"):
        edit(store, ids[:1], justification="because")


def test_edits_are_recorded_with_who_and_what(store, ids):
    edit(
        store,
        ids[:1],
        status="by_design",
        justification="public website bucket",
        priority="p1",
        assignee="bob",
    )
    edit(store, ids[:1], unassign=True, priority="none")
    with store.read() as s:
        detail = get_issue(s, ids[0])
        issue = detail.issue
        assert (issue.status, issue.priority, issue.assignee) == ("by_design", None, None)
        first, second = detail.events
        assert (first.kind, first.actor, first.from_status, first.to_status) == (
            "edited",
            "alice",
            "open",
            "by_design",
        )
        assert first.detail == {
            "changes": {"status": ["open", "by_design"], "priority": [None, "p1"], "assignee": [None, "bob"]},
            "justification": "public website bucket",
        }
        assert second.detail == {"changes": {"priority": ["p1", None], "assignee": ["bob", None]}}


def test_system_statuses_cannot_be_set_and_follow_evaluations(store, ids):
    with pytest.raises(UsageError, match="status 'fixed' is set by evaluations"):
        edit(store, ids[:1], status="fixed")
    with store.transaction() as s:
        record_run(s, run(STACK, [B0, B1], [ENC], [fail(B1, ENC)], at=1))  # b0 fixed
    with pytest.raises(UsageError, match="is fixed: its status follows the evaluations"):
        edit(store, ids[:1], status="open")
    (issue,) = edit(store, ids[:1], priority="p3", assignee="carol")  # triage fields still editable
    assert (issue.status, issue.priority, issue.assignee) == ("fixed", "p3", "carol")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({}, "nothing to change"),
        ({"status": "closed"}, "invalid status 'closed'"),
        ({"priority": "p9"}, "invalid priority 'p9'"),
        ({"assignee": "dan", "unassign": True}, "contradict"),
        ({"assignee": "  "}, "invalid assignee"),
    ],
)
def test_malformed_edits_are_usage_errors(store, ids, change, message):
    with pytest.raises(UsageError, match=message):
        edit(store, ids, **change)


def test_batch_edit_is_all_or_nothing(store, ids):
    with pytest.raises(StoreError, match="no issue 999"):
        edit(store, [*ids, 999], priority="p0")
    with store.read() as s:
        assert {i.priority for i in list_issues(s)} == {None}
        assert s.scalar(select(func.count()).select_from(IssueEvent)) == 0
    changed = edit(store, ids, priority="p0", assignee="erin")
    assert [(i.priority, i.assignee) for i in changed] == [("p0", "erin"), ("p0", "erin")]


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    """``policy-host ARGV`` in process through main() (its error handling included)."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--status", "wontfix"],
            "error: invalid status 'wontfix': expected one of open, in_progress, ignored, by_design",
        ),
        (["--status", "ignored"], "error: issue {id}: status ignored needs --justification"),
        (
            ["--priority", "urgent"],
            "error: invalid priority 'urgent': expected one of p0, p1, p2, p3, p4 or none",
        ),
        (["--assignee", "x", "--unassign"], "error: --assignee and --unassign contradict each other"),
    ],
)
def test_issue_edit_bad_values_exit_2_with_one_line(store, ids, capsys, argv, message):
    code, out, err = cli(capsys, "issue", "edit", str(ids[0]), *argv)
    assert code == 2
    assert err == message.format(id=ids[0]) + "\n"
    assert out == ""


def test_issue_edit_and_get_through_the_cli(store, ids, capsys, monkeypatch):
    monkeypatch.setenv("POLICY_HOST_USER", "frank")
    code, out, _ = cli(
        capsys,
        "issue",
        "edit",
        str(ids[0]),
        "--status",
        "ignored",
        "--justification",
        "sandbox",
        "--priority",
        "p2",
    )
    assert (code, out) == (0, f"Issue {ids[0]}: ignored, p2, unassigned\n")
    code, out, _ = cli(capsys, "issue", "get", f"#{ids[0]}")
    assert code == 0
    assert "Justification: sandbox" in out and "Priority:      p2" in out
    assert "edited  open -> ignored  frank" in out
    code, _, err = cli(capsys, "issue", "get", "12345")
    assert (code, err) == (1, "error: no issue 12345\n")
    code, _, err = cli(capsys, "issue", "get", "abc")
    assert (code, err) == (2, "error: invalid issue id 'abc': expected a number\n")
