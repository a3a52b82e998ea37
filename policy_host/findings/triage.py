"""People's changes to issues: status, priority, assignee, justification (``issue edit``).

Rules: only ``open``, ``in_progress``, ``ignored`` and ``by_design`` are set by hand (``fixed`` and
``exempted`` follow the evaluations, and an issue in either keeps its status until a run moves it);
``ignored`` and ``by_design`` need a justification, given with the change; leaving them drops it.
Every change is an ``edited`` event naming who, when, and each field's old and new value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import StoreError, UsageError
from ..store.types import utcnow
from . import lifecycle as lc
from .models import Issue, IssueEvent
from .query import NONE


@dataclass(frozen=True)
class IssueEdit:
    """A change to apply to issues. ``None`` leaves a field as it is; priority ``none`` clears it."""

    status: str | None = None
    priority: str | None = None
    assignee: str | None = None
    unassign: bool = False
    justification: str | None = None

    def check(self) -> None:
        """Refuse malformed edits before touching anything (UsageError, exit code 2)."""
        if (
            self.status is None
            and self.priority is None
            and self.assignee is None
            and not self.unassign
            and self.justification is None
        ):
            raise UsageError(
                "nothing to change: give --status, --priority, --assignee, --unassign or --justification"
            )
        if self.status is not None and self.status not in lc.USER_STATUSES:
            if self.status in lc.STATUSES:
                raise UsageError(f"status {self.status!r} is set by evaluations, not by hand")
            raise UsageError(f"invalid status {self.status!r}: expected one of {', '.join(lc.USER_STATUSES)}")
        if self.priority is not None and self.priority not in (*lc.PRIORITIES, NONE):
            raise UsageError(
                f"invalid priority {self.priority!r}: expected one of {', '.join(lc.PRIORITIES)} or none"
            )
        if self.assignee is not None and self.unassign:
            raise UsageError("--assignee and --unassign contradict each other")
        if self.assignee is not None and not self.assignee.strip():
            raise UsageError("invalid assignee '': give a login, or --unassign")
        if self.justification is not None and not self.justification.strip():
            raise UsageError("invalid justification '': say why")


def edit_issues(
    session: Session, ids: list[int], edit: IssueEdit, *, actor: str, now: datetime | None = None
) -> list[Issue]:
    """Apply ``edit`` to every issue in ``ids`` (all or none: the first refusal raises). Locks the rows
    (``FOR UPDATE`` on PostgreSQL) so concurrent edits serialize instead of losing one another."""
    edit.check()
    now = now or utcnow()
    found = {
        i.id: i
        for i in session.scalars(select(Issue).where(Issue.id.in_(ids)).order_by(Issue.id).with_for_update())
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise StoreError(f"no issue {', '.join(str(i) for i in missing)}")
    for issue_id in dict.fromkeys(ids):
        issue = found[issue_id]
        changes = _changes(issue, edit)
        if not changes:
            continue
        before = issue.status
        for name, (_old, new) in changes.items():
            setattr(issue, name, new)
        issue.updated_at = now
        detail: dict[str, Any] = {"changes": {k: list(v) for k, v in changes.items() if k != "justification"}}
        if "justification" in changes and issue.justification:
            detail["justification"] = issue.justification
        session.add(
            IssueEvent(
                issue_id=issue.id,
                at=now,
                kind=lc.EDITED,
                from_status=before,
                to_status=issue.status,
                actor=actor,
                run_id=None,
                detail=detail,
            )
        )
    session.flush()
    return [found[i] for i in dict.fromkeys(ids)]


def _changes(issue: Issue, edit: IssueEdit) -> dict[str, tuple[Any, Any]]:
    """Field -> (old, new) for what ``edit`` changes on ``issue``; UsageError if it may not."""
    out: dict[str, tuple[Any, Any]] = {}
    status = issue.status
    if edit.status is not None and edit.status != issue.status:
        if issue.status in (lc.FIXED, lc.EXEMPTED):
            raise UsageError(
                f"issue {issue.id} is {issue.status}: its status follows the evaluations "
                "(priority and assignee can still be set)"
            )
        status = edit.status
        out["status"] = (issue.status, status)
    justification = issue.justification if status in lc.JUSTIFIED else None
    if edit.justification is not None:
        if status not in lc.JUSTIFIED:
            raise UsageError(
                f"issue {issue.id}: a justification goes with status ignored or by_design (status is {status})"
            )
        justification = edit.justification.strip()
    elif status in lc.JUSTIFIED and "status" in out:
        raise UsageError(f"issue {issue.id}: status {status} needs --justification")
    if justification != issue.justification:
        out["justification"] = (issue.justification, justification)
    if edit.priority is not None:
        priority = None if edit.priority == NONE else edit.priority
        if priority != issue.priority:
            out["priority"] = (issue.priority, priority)
    if edit.unassign and issue.assignee is not None:
        out["assignee"] = (issue.assignee, None)
    elif edit.assignee is not None and edit.assignee.strip() != issue.assignee:
        out["assignee"] = (issue.assignee, edit.assignee.strip())
    return out
