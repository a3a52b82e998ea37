"""The benchmark harness runs end to end with tiny sizes and compares like with like.

Nothing here looks at a timing: only that the report has its parts, that every target was judged, and
that the three real servers (started as the engine starts packs) answered the same input as expected:
policy-host exactly as pulumi_policy, the bare server empty.
"""

from __future__ import annotations

import argparse

import pytest

from bench import run
from bench.results import BenchConfig
from bench.servers import BARE, OURS, REFERENCE, SERVERS

TINY = [
    "--calls", "20",
    "--warmup", "5",
    "--stack", "100",
    "--big-stack", "300",
    "--startup-repeats", "1",
    "--suite", "analyzer",
    "--suite", "hotspots",
]  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    results, text = run.execute([*TINY, "--out", str(out)])
    analyzer, hotspots = results
    return analyzer, text, out, hotspots


def test_report_is_written_with_machine_command_and_sections(report):
    _, text, out, _ = report
    assert out.read_text(encoding="utf-8") == text
    assert text.startswith("# policy-host benchmark results\n")
    machine = next(line for line in text.splitlines() if line.startswith("- Machine: "))
    for part in ("CPU ", "cores ", "RAM ", "Python 3.", "grpcio ", "protobuf "):
        assert part in machine
    assert "- Command: `python -m bench.run --calls 20" in text
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert [h.split(":")[0] for h in headings] == [
        "## Targets (from the issues)",
        "## Analyze",
        "## AnalyzeStack",
        "## Start-up",
        "## Peak memory",
        "## Hot spots",
        "## Hot spots",
    ]


def test_every_pack_and_server_has_a_row(report):
    analyzer, _, _, _ = report
    analyze, stack, startup, memory = analyzer.sections
    assert [(row[0], row[1]) for row in analyze.rows] == [
        (pack, server) for pack in ("3 resource policies", "50 resource policies") for server in SERVERS
    ]
    assert [row[0] for row in stack.rows] == list(SERVERS)
    assert [row[0] for row in startup.rows] == [
        "3 resource policies",
        "50 resource policies",
        "5 stack policies",
    ]
    assert [row[0] for row in memory.rows] == list(SERVERS)
    for row in memory.rows:  # 300 resources: nobody is skipped, every peak is known
        assert row[2] != "-" and row[4] == ""


def test_targets_are_all_judged(report):
    analyzer, text, _, _ = report
    names = [t.name for t in analyzer.targets]
    assert any("ours ÷ bare" in n for n in names)
    assert any(n.startswith("AnalyzeStack over 100 resources") for n in names)
    assert any(n.startswith("peak memory") for n in names)
    assert sum(n.startswith("port line") for n in names) == 3
    assert all(t.met in (True, False) for t in analyzer.targets)
    rows = [
        line
        for line in text.split("## Targets")[1].split("## Analyze")[0].splitlines()
        if line.startswith("| ")
    ]
    assert len(rows) == 1 + len(analyzer.targets)
    assert all(row.rstrip(" |").endswith(("met", "**MISSED**")) for row in rows[1:])


def test_servers_answered_the_same_verdicts(report):
    analyzer, _, _, _ = report
    verdicts = analyzer.data["verdicts"]
    assert set(verdicts) == {
        "Analyze/3 resource policies",
        "Analyze/50 resource policies",
        "AnalyzeStack/5 stack policies",
    }
    for workload, by_server in verdicts.items():
        assert by_server[OURS] == by_server[REFERENCE], workload
        assert by_server[BARE] == {}, workload
        assert by_server[REFERENCE]["diagnostics"], workload  # the comparison is not between two empties


def test_verdicts_are_the_ones_the_packs_were_written_to_produce(report):
    """The bucket uses AES256, has versioning off and no cost-center tag; the stack mixes every violation."""
    verdicts = report[0].data["verdicts"]

    def fired(workload):
        return {d["policyName"] for d in verdicts[workload][OURS]["diagnostics"]}

    assert fired("Analyze/3 resource policies") == {"s3-0"}
    assert fired("Analyze/50 resource policies") == {"s3-0", "s3-5", "s3-20"}
    assert fired("AnalyzeStack/5 stack policies") == {f"stack-{i}" for i in range(5)}


def test_hot_spots_name_policy_host_functions(report):
    hotspots = report[3]
    analyze, stack = hotspots.sections
    assert analyze.rows[0][0].startswith("policy_host/analyzer/servicer.py:") and analyze.rows[0][0].endswith(
        " Analyze"
    )
    assert stack.rows[0][0].endswith(" AnalyzeStack")
    assert all(
        row[0].startswith(("policy_host/", "pulumi_policy/", "(pack)")) for row in analyze.rows + stack.rows
    )


def test_sizes_come_from_flags_then_environment_then_quick():
    parse = run._parser().parse_args
    assert run.config_from(parse([]), {}) == BenchConfig()
    assert run.config_from(parse(["--quick"]), {}).calls == run.QUICK.calls
    from_env = run.config_from(parse(["--quick"]), {"BENCH_CALLS": "7", "BENCH_STACK": "9"})
    assert (from_env.calls, from_env.stack_resources, from_env.warmup) == (7, 9, run.QUICK.warmup)
    assert run.config_from(parse(["--calls", "3"]), {"BENCH_CALLS": "7"}).calls == 3
    with pytest.raises(SystemExit, match="BENCH_CALLS='many' is not an integer"):
        run.config_from(parse([]), {"BENCH_CALLS": "many"})
    with pytest.raises(SystemExit, match="--calls must be positive"):
        run.config_from(argparse.Namespace(**{**vars(parse([])), "calls": 0}), {})
