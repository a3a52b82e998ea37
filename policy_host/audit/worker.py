"""``python -m policy_host.audit.worker ACCOUNT``: one scan step in its own process.

The scheduler starts one per due account. The store is the one ``POLICY_HOST_DB`` names (passed in the
environment, not on the command line, where a database password would show in process listings).
Prints one JSON line (the outcome) on stdout. Exit codes: 0 succeeded or partial, 1 failed, 3 another
process is scanning the account, 143 stopped by SIGTERM (the scan is marked failed first).
"""

from __future__ import annotations

import json
import sys

from ..errors import PolicyHostError
from .scan import SCHEDULE, Interrupted, ScanBusy, run_scan, stop_on_sigterm

EXIT_BUSY = 3
EXIT_TERMINATED = 143


def outcome_line(outcome) -> str:
    """The outcome of a scan as one JSON line (no properties, no secrets)."""
    return json.dumps(
        {
            "account": outcome.account,
            "batch": outcome.batch_id,
            "status": outcome.status,
            "error": outcome.error,
            "durationSeconds": round(outcome.duration_seconds, 3),
            "accounts": [
                {"account": a.account, "scan": a.scan_id, "status": a.status, "resources": a.resources}
                for a in outcome.accounts
            ],
            "evaluations": [
                {"entity": e.entity, "failures": e.failures, "errors": e.errors, "recorded": e.recorded}
                for e in outcome.evaluations
            ],
        },
        sort_keys=True,
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m policy_host.audit.worker ACCOUNT", file=sys.stderr)
        return 2
    try:
        with stop_on_sigterm():
            outcome = run_scan(args[0], trigger=SCHEDULE)
    except ScanBusy as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BUSY
    except Interrupted:
        return EXIT_TERMINATED
    except PolicyHostError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(outcome_line(outcome), flush=True)
    return 0 if outcome.status != "failed" else 1


if __name__ == "__main__":
    sys.exit(main())
