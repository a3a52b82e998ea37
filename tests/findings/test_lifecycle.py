"""Issues from runs: opened, still open, fixed when not seen by a later run that evaluated the policy,
reopened with their history when they come back; exemptions, late runs, idempotence. Both databases."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from policy_host.errors import InputError
from policy_host.findings import record_run
from policy_host.findings.models import FindingObservation, FindingRun, Issue, IssueEvent
from policy_host.findings.query import IssueFilter, get_issue, list_issues
from policy_host.findings.serialize import history
from policy_host.model import RunKind
from tests.findings.builders import day, fail, policy, resource, run

STACK = "acme/shop/prod"
B0, B1, B2 = resource("b0", version="7"), resource("b1", version="7"), resource("b2", version="7")
ENC = policy("aws", "encryption", level="mandatory", severity="high", group="baseline")


def three(at: float, failing: list) -> object:
    return run(
        STACK, [B0, B1, B2], [ENC], [fail(r, ENC, f"{r.name} is not encrypted") for r in failing], at=at
    )


def by_name(session) -> dict[str, Issue]:
    return {i.resource_name: i for i in list_issues(session, IssueFilter(include_fixed=True))}


def test_issue_lifecycle_across_three_runs(store):
    with store.transaction() as s:
        first = record_run(s, three(0, [B0, B1]))
    assert (first.new, first.still_open, first.fixed, first.reopened) == (2, 0, 0, 0)
    with store.read() as s:
        issues = by_name(s)
        assert set(issues) == {"b0", "b1"}
        b1 = issues["b1"]
        assert (b1.status, b1.first_seen, b1.last_seen, b1.kind, b1.level, b1.severity) == (
            "open",
            day(0),
            day(0),
            "preventative",
            "mandatory",
            "high",
        )
        assert (b1.entity, b1.policy_group, b1.managed_by, b1.first_version) == (
            STACK,
            "baseline",
            STACK,
            "7",
        )
        assert b1.message == "b1 is not encrypted"

    with store.transaction() as s:
        second = record_run(s, three(1, [B0]))
    assert (second.new, second.still_open, second.fixed, second.reopened) == (0, 1, 1, 0)
    with store.read() as s:
        issues = by_name(s)
        assert issues["b0"].status == "open" and issues["b0"].last_seen == day(1)
        assert issues["b1"].status == "fixed" and issues["b1"].fixed_at == day(1)
        assert issues["b1"].last_seen == day(0)
        assert [i.resource_name for i in list_issues(s)] == ["b0"]  # fixed ones are not listed by default

    with store.transaction() as s:
        third = record_run(s, three(2, [B0, B1]))
    assert (third.new, third.still_open, third.fixed, third.reopened) == (0, 1, 0, 1)
    with store.read() as s:
        issues = by_name(s)
        b1 = issues["b1"]
        assert (b1.status, b1.first_seen, b1.last_seen, b1.fixed_at) == ("open", day(0), day(2), None)
        assert issues["b0"].id != b1.id and len(issues) == 2  # the same issue came back, not a new one
        detail = get_issue(s, b1.id)
        runs = [r for r in s.scalars(select(FindingRun.id).order_by(FindingRun.id))]
        steps = [(h["event"], h["from"], h["to"], h["run"]) for h in history(detail)]
        assert steps == [
            ("opened", None, "open", runs[0]),
            ("fixed", "open", "fixed", runs[1]),
            ("reopened", "fixed", "open", runs[2]),
        ]
        fixed_event = detail.events[0]
        assert fixed_event.at == day(1)
        assert fixed_event.detail["open_seconds"] == timedelta(days=1).total_seconds()
        assert detail.observations == 2  # seen by runs 1 and 3


def test_recording_the_same_run_twice_changes_nothing(store):
    once = three(0, [B0])
    with store.transaction() as s:
        first = record_run(s, once)
    with store.transaction() as s:
        again = record_run(s, once)
    assert again.duplicate and not first.duplicate
    assert (again.run_id, again.new) == (first.run_id, 1)
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(FindingRun)) == 1
        assert s.scalar(select(func.count()).select_from(FindingObservation)) == 1
        assert s.scalar(select(func.count()).select_from(Issue)) == 1


def test_a_run_that_did_not_evaluate_the_policy_fixes_nothing(store):
    other = policy("tags", "owner")
    with store.transaction() as s:
        record_run(s, three(0, [B0]))
        # a later run of the same stack with another pack only: the encryption issue stays open
        result = record_run(s, run(STACK, [B0, B1, B2], [other], [], at=1))
    assert result.fixed == 0
    with store.read() as s:
        assert by_name(s)["b0"].status == "open"


def test_other_entities_keep_their_own_issues(store):
    with store.transaction() as s:
        record_run(s, three(0, [B0]))
        record_run(s, run("acme/shop/dev", [B0], [ENC], [], at=1))  # dev is clean; prod's issue stays
    with store.read() as s:
        (issue,) = list_issues(s)
        assert (issue.entity, issue.status) == (STACK, "open")


def test_exempted_results_are_exempted_not_open_and_lapse_back_to_open(store):
    with store.transaction() as s:
        summary = record_run(s, run(STACK, [B0], [ENC], [fail(B0, ENC, exemption="ex-1")], at=0))
    assert (summary.new, summary.exempted) == (1, 1)
    with store.read() as s:
        (issue,) = list_issues(s)
        assert (issue.status, issue.exemption_id, issue.exemption_reason) == (
            "exempted",
            "ex-1",
            "reason of ex-1",
        )
        assert list_issues(s, IssueFilter(statuses=("open",))) == []
    with store.transaction() as s:
        record_run(s, run(STACK, [B0], [ENC], [fail(B0, ENC)], at=1))  # the exemption expired
    with store.read() as s:
        (issue,) = list_issues(s)
        assert (issue.status, issue.exemption_id) == ("open", None)
        kinds = [(e.kind, e.from_status, e.to_status) for e in get_issue(s, issue.id).events]
        assert kinds == [("unexempted", "exempted", "open")]


def test_partly_exempted_failure_is_not_exempted(store):
    """Two results for one (resource, policy): only one waived, so the failure stands."""
    results = [fail(B0, ENC, "first", exemption="ex-1"), fail(B0, ENC, "second")]
    with store.transaction() as s:
        record_run(s, run(STACK, [B0], [ENC], results, at=0))
    with store.read() as s:
        (issue,) = list_issues(s)
        assert (issue.status, issue.exemption_id, issue.message) == ("open", None, "first\nsecond")


def test_a_run_recorded_late_never_rewinds_an_issue(store):
    with store.transaction() as s:
        record_run(s, three(2, [B0]))
        record_run(s, three(5, []))  # fixed on day 5
        late = record_run(s, three(3, [B0]))  # a day-3 scan arriving after the day-5 one
    assert (late.reopened, late.fixed) == (0, 0)
    with store.read() as s:
        issue = by_name(s)["b0"]
        assert (issue.status, issue.fixed_at, issue.first_seen) == ("fixed", day(5), day(2))
    with store.transaction() as s:
        record_run(s, three(1, [B0]))  # an even older sighting moves first_seen back
    with store.read() as s:
        assert by_name(s)["b0"].first_seen == day(1)
        assert by_name(s)["b0"].status == "fixed"


def test_stack_level_failures_and_policy_errors(store):
    size = policy("aws", "stack-size", stack_policy=True, level="mandatory")
    with store.transaction() as s:
        record_run(
            s,
            run(
                STACK,
                [B0],
                [ENC, size],
                [fail("", size, "too many"), fail(B0, ENC, "boom", error=True)],
                at=0,
            ),
        )
    with store.read() as s:
        issues = {i.policy: i for i in list_issues(s)}
        stack_issue = issues["stack-size"]
        assert (stack_issue.resource_urn, stack_issue.resource_type, stack_issue.last_version) == (
            "",
            "",
            "7",
        )
        assert issues["encryption"].outcome == "error"


def test_audit_runs_keep_resource_versions_and_managed_by(store):
    bucket = resource("logs", managed_by="acme/shop/prod", version="v3")
    orphan = resource("tmp", version="v1")
    p = policy("aws", "encryption", group="audit-baseline")
    with store.transaction() as s:
        record_run(
            s, run("prod/us-east-1", [bucket, orphan], [p], [fail(bucket, p), fail(orphan, p)], account=True)
        )
    with store.read() as s:
        issues = {i.resource_name: i for i in list_issues(s)}
        assert (issues["logs"].managed_by, issues["logs"].last_version, issues["logs"].kind) == (
            "acme/shop/prod",
            "v3",
            "audit",
        )
        assert issues["tmp"].managed_by == ""  # unmanaged: discovered only
        assert list_issues(s, IssueFilter(managed=False)) == [issues["tmp"]]


def test_kind_follows_the_latest_sighting(store):
    with store.transaction() as s:
        record_run(s, three(0, [B0]))
        record_run(s, run(STACK, [B0], [ENC], [fail(B0, ENC)], at=1, kind=RunKind.AUDIT.value))
    with store.read() as s:
        assert by_name(s)["b0"].kind == "audit"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"entity": ""}, "no entity named"),
        ({"kind": "nightly"}, "is not preventative or audit"),
        ({"finished_at": "yesterday"}, "finished_at must be a datetime"),
    ],
)
def test_bad_runs_are_refused_with_one_line(sqlite_store, change, message):
    bad = three(0, [B0])
    for key, value in change.items():
        setattr(bad, key, value)
    with pytest.raises(InputError, match=message), sqlite_store.transaction() as s:
        record_run(s, bad)


def test_events_are_only_changes(store):
    """Recording a run where nothing changes adds no events (history stays readable)."""
    with store.transaction() as s:
        record_run(s, three(0, [B0]))
        record_run(s, three(1, [B0]))
        record_run(s, three(2, [B0]))
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(IssueEvent)) == 0
        assert by_name(s)["b0"].last_seen == day(2)


def test_concurrent_recordings_of_one_entity_both_land(store):
    """The host and audit may record the same stack at once: both runs land, no issue is duplicated."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def record(at: float) -> None:
        try:
            barrier.wait(timeout=30)
            with store.transaction() as s:
                record_run(s, three(at, [B0, B1]))
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=record, args=(at,)) for at in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(FindingRun)) == 2
        issues = by_name(s)
        assert sorted(issues) == ["b0", "b1"]
        assert {i.last_seen for i in issues.values()} == {day(1)}
