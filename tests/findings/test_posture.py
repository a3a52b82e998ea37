"""Compliance scores, breakdowns and the heatmap, compared with numbers worked out by hand; the trend
and the changes between two moments (new, fixed, regressed, mean time to fix)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from policy_host.cli.main import main
from policy_host.errors import UsageError
from policy_host.findings import record_run
from policy_host.findings.history import changes, trend
from policy_host.findings.posture import Selection, current_posture
from tests.findings.builders import day, fail, not_applicable, policy, resource, run

# Stack A: 4 buckets; pack p1 (group g1): p1a high fails r1, r2; p1b low fails r3 under an exemption and
# does not apply to r4; pack p2 (group g2): stack policy p2a critical passes.
P1A = policy("p1", "p1a", severity="high", group="g1")
P1B = policy("p1", "p1b", severity="low", group="g1")
P2A = policy("p2", "p2a", stack_policy=True, severity="critical", group="g2")
R = [resource(f"r{i}") for i in range(1, 5)]
# Account B: 2 resources; p1 from group g-accounts: p1a fails s1; p2 failed to load there.
B_P1A = policy("p1", "p1a", severity="high", group="g-accounts")
B_P1B = policy("p1", "p1b", severity="low", group="g-accounts")
S = [resource("s1"), resource("s2")]
# Stack C: 1 resource, p2 only, clean.
W = [resource("w1", stack="web")]


@pytest.fixture
def fleet(store):
    with store.transaction() as s:
        record_run(
            s,
            run(
                "acme/app/prod",
                R,
                [P1A, P1B, P2A],
                [
                    fail(R[0], P1A),
                    fail(R[1], P1A),
                    fail(R[2], P1B, exemption="ex-1"),
                    not_applicable(R[3], P1B),
                ],
            ),
        )
        record_run(
            s,
            run(
                "prod",
                S,
                [B_P1A, B_P1B],
                [fail(S[0], B_P1A)],
                account=True,
                errors=("policy pack p2 failed to load: boom",),
            ),
        )
        record_run(s, run("acme/web/prod", W, [P2A], []))
    return store


def rows(posture) -> dict[str, tuple]:
    return {
        r.key: (r.policies.passing, r.policies.total, r.resources.passing, r.resources.total)
        for r in posture.rows
    }


def test_overall_scores_by_hand(fleet):
    with fleet.read() as s:
        p = current_posture(s)
    assert (p.overall.policies.passing, p.overall.policies.total) == (4, 6)
    assert p.overall.policies.percent == pytest.approx(66.667, abs=0.01)
    assert (p.overall.resources.passing, p.overall.resources.total) == (4, 7)
    assert p.overall.resources.percent == pytest.approx(57.143, abs=0.01)
    assert (p.entity_compliance.passing, p.entity_compliance.total) == (1, 3)
    assert p.overall.violations == 3  # r1, r2, s1; the exempted r3 is not a violation
    assert len(p.run_ids) == 3


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        ("stack", {"acme/app/prod": (2, 3, 2, 4), "acme/web/prod": (1, 1, 1, 1)}),
        ("account", {"prod": (1, 2, 1, 2)}),
        ("pack", {"p1": (2, 4, 3, 6), "p2": (2, 2, 5, 5)}),
        ("severity", {"critical": (2, 2, 5, 5), "high": (0, 2, 3, 6), "low": (2, 2, 5, 5)}),
        ("policy", {"p1/p1a": (0, 2, 3, 6), "p1/p1b": (2, 2, 5, 5), "p2/p2a": (2, 2, 5, 5)}),
        ("group", {"g1": (1, 2, 2, 4), "g2": (2, 2, 5, 5), "g-accounts": (1, 2, 1, 2)}),
    ],
)
def test_breakdowns_by_hand(fleet, group_by, expected):
    with fleet.read() as s:
        posture = current_posture(s, group_by=group_by)
    assert rows(posture) == expected
    if group_by == "severity":
        assert [r.key for r in posture.rows] == ["critical", "high", "low"]


def test_heatmap_cells_na_and_err(fleet):
    with fleet.read() as s:
        heatmap = current_posture(s).heatmap
    assert heatmap.columns == ["p1", "p2"]
    cells = {name: [c.text() if c else "N/A" for c in row] for _, name, row in heatmap.rows}
    assert cells == {
        "prod": ["50", "ERR"],  # p2 failed to load on the account
        "acme/app/prod": ["50", "100"],
        "acme/web/prod": ["N/A", "100"],  # p1 is not assigned to the web stack
    }
    assert [(etype, name) for etype, name, _ in heatmap.rows] == [
        ("account", "prod"),
        ("stack", "acme/app/prod"),
        ("stack", "acme/web/prod"),
    ]


def test_selection_by_group_entity_and_account(fleet):
    with fleet.read() as s:
        g1 = current_posture(s, Selection(group="g1"), group_by="pack")
        assert (g1.overall.policies.passing, g1.overall.policies.total) == (1, 2)
        assert (g1.overall.resources.passing, g1.overall.resources.total) == (2, 4)
        assert rows(g1) == {"p1": (1, 2, 2, 4)}
        assert [name for _, name, _ in g1.heatmap.rows] == ["acme/app/prod"]
        assert (g1.entity_compliance.passing, g1.entity_compliance.total) == (0, 1)
        sev = current_posture(s, Selection(group="g1"), group_by="severity")
        assert rows(sev) == {"high": (0, 1, 2, 4), "low": (1, 1, 3, 3)}

        web = current_posture(s, Selection(entities=("acme/web/*",)))
        assert (web.overall.policies.passing, web.overall.policies.total) == (1, 1)
        account = current_posture(s, Selection(accounts=("prod",)), group_by="account")
        assert rows(account) == {"prod": (1, 2, 1, 2)}
        nothing = current_posture(s, Selection(entities=("nope",)))
        assert nothing.overall.policies.percent is None and nothing.overall.policies.text() == "N/A"


def test_a_new_run_replaces_the_entity_posture_and_run_selection_pins_one(fleet):
    with fleet.transaction() as s:
        first_id = current_posture(s, Selection(entities=("acme/web/prod",))).run_ids[0]
        record_run(s, run("acme/web/prod", W, [P2A], [fail("", P2A)], at=1))
    with fleet.read() as s:
        now = current_posture(s, Selection(entities=("acme/web/prod",)))
        assert (now.overall.policies.passing, now.overall.policies.total) == (0, 1)
        pinned = current_posture(s, Selection(run_id=first_id))
        assert (pinned.overall.policies.passing, pinned.overall.policies.total) == (1, 1)
        before = current_posture(s, at=day(0.5))
        assert (before.overall.policies.passing, before.overall.policies.total) == (4, 6)


def test_bad_group_by(fleet):
    with fleet.read() as s, pytest.raises(UsageError, match="invalid --group-by 'colour'"):
        current_posture(s, group_by="colour")


# ---------------------------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------------------------

STACK = "acme/shop/prod"
B = [resource(f"b{i}") for i in range(3)]
ENC = policy("aws", "encryption", severity="high")


@pytest.fixture
def history(store):
    with store.transaction() as s:
        for at, failing in ((0, [0, 1]), (1, [0]), (2, [0, 1]), (3, [])):
            record_run(s, run(STACK, B, [ENC], [fail(B[i], ENC) for i in failing], at=at))
    return store


def points(trend_points):
    return [(p.at, p.policies.text(), p.resources.text(), p.violations) for p in trend_points]


def test_trend_is_the_posture_after_each_run(history):
    with history.read() as s:
        full = trend(s, Selection(), day(-1), day(10))
        assert points(full) == [
            (day(0), "0% (0/1)", "33% (1/3)", 2),
            (day(1), "0% (0/1)", "67% (2/3)", 1),
            (day(2), "0% (0/1)", "33% (1/3)", 2),
            (day(3), "100% (1/1)", "100% (3/3)", 0),
        ]
        window = trend(s, Selection(), day(1.5), day(10))
        assert points(window)[0] == (day(1.5), "0% (0/1)", "67% (2/3)", 1)  # the state when the window opens
        assert [p.at for p in window[1:]] == [day(2), day(3)]
        thin = trend(s, Selection(), day(-1), day(10), max_points=2)
        assert len(thin) == 2 and thin[-1].at == day(3)


def test_changes_between_two_moments_with_mean_time_to_fix(history):
    with history.read() as s:
        everything = changes(s, Selection(), day(-1), day(10))
        # fixes: b1 on day 1 (open 1 day), b0 on day 3 (open 3 days), b1 again on day 3 (reopened day 2: 1 day)
        assert (everything.new, everything.fixed, everything.regressed) == (2, 3, 1)
        assert everything.mean_time_to_fix == pytest.approx(timedelta(days=5 / 3).total_seconds())
        late = changes(s, Selection(), day(1.5), day(10))
        assert (late.new, late.fixed, late.regressed) == (0, 2, 1)
        assert late.mean_time_to_fix == pytest.approx(timedelta(days=2).total_seconds())
        quiet = changes(s, Selection(), day(3.5), day(10))
        assert (quiet.new, quiet.fixed, quiet.regressed, quiet.mean_time_to_fix) == (0, 0, 0, None)


def cli(capsys, *argv):
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out, err = capsys.readouterr()
    return done.value.code, out, err


def test_compliance_command(fleet, capsys):
    code, out, _ = cli(capsys, "compliance")
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == "Policy compliance:   67% (4/6)"
    assert lines[2] == "Resource compliance: 57% (4/7)"
    assert lines[3] == "Entity compliance:   33% (1/3)"
    assert "ENTITY         p1   p2" in out and "acme/web/prod  N/A  100" in out

    code, out, _ = cli(capsys, "compliance", "--group-by", "pack", "--json")
    data = json.loads(out)
    assert data["policyCompliance"] == {"passing": 4, "total": 6, "score": 66.67}
    assert [(r["key"], r["policyCompliance"]["score"]) for r in data["rows"]] == [("p1", 50.0), ("p2", 100.0)]
    assert data["heatmap"]["rows"][0]["cells"][1]["text"] == "ERR"

    code, _, err = cli(capsys, "compliance", "--group-by", "colour")
    assert (code, err) == (
        2,
        "error: invalid --group-by 'colour': expected one of stack, account, entity, severity, pack, policy, group\n",
    )
    code, _, err = cli(capsys, "compliance", "--since", "last tuesday")
    assert code == 2 and err.startswith("error: invalid --since 'last tuesday'")


def test_compliance_since_shows_trend_and_changes(history, capsys):
    code, out, _ = cli(capsys, "compliance", "--since", "2026-02-28", "--until", "2026-03-10", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["changes"] == {
        "since": "2026-02-28T00:00:00Z",
        "until": "2026-03-10T00:00:00Z",
        "new": 2,
        "fixed": 3,
        "regressed": 1,
        "meanTimeToFixSeconds": 144000.0,
    }
    assert [p["resourceCompliance"]["passing"] for p in data["trend"]] == [1, 2, 1, 3]
    code, out, _ = cli(capsys, "compliance", "--since", "2026-02-28", "--until", "2026-03-10")
    assert "2 new, 3 fixed, 1 regressed; mean time to fix 1d 16h" in out
