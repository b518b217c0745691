"""The Mermaid xychart a markdown plan draws, checked line by line against the subset of the
published xychart-beta syntax it writes; and the curves put on the same x positions."""

from __future__ import annotations

from reconciler.promotion.chart import at_fractions, sparkline, xychart, xychart_problems


def test_chart_syntax() -> None:
    block = xychart('loss "of" x', "train loss", [[2.0, 1.0, 0.5], [1.8, 0.9, 0.000004]])
    assert xychart_problems(block) == []
    assert block[:2] == ["```mermaid", "xychart-beta"]
    assert block[2] == "    title \"loss 'of' x\""
    assert block[-3:-1] == ["    line [2, 1, 0.5]", "    line [1.8, 0.9, 0]"]  # no exponent


def test_the_checker_refuses_what_mermaid_would_not_read() -> None:
    assert xychart_problems(["```mermaid", "xychart", "    line [1]", "```"])
    assert xychart_problems(["```mermaid", "xychart-beta", "    line [1e-5]", "```"])
    assert xychart_problems(["```mermaid", "xychart-beta", '    title "50%"', "```"])


def test_curves_of_different_lengths_share_the_x_positions() -> None:
    short = [(1, 3.0), (2, 2.0), (4, 1.0)]
    long = [(i, 100.0 - i) for i in range(1, 101)]
    assert at_fractions(short, 4, count=4) == [3.0, 2.0, 2.0, 1.0]
    assert len(at_fractions(long, 100)) == len(at_fractions(short, 4)) == 20
    assert at_fractions(long, 100)[-1] == 0.0


def test_sparkline_runs_high_to_low() -> None:
    assert sparkline([3.0, 2.0, 1.0]) == "█▄▁"


def test_every_chart_of_the_golden_plans_reads_as_xychart() -> None:
    from pathlib import Path

    cases = Path(__file__).resolve().parents[2] / "cases"
    blocks = []
    for expected in sorted(cases.glob("*/expected.md")):
        lines = expected.read_text(encoding="utf-8").splitlines()
        starts = [i for i, line in enumerate(lines) if line == "```mermaid"]
        for start in starts:
            end = lines.index("```", start + 1)
            blocks.append((expected.parent.name, lines[start : end + 1]))
    assert {name for name, _ in blocks} >= {"gate-blocked", "gate-holds"}
    for name, block in blocks:
        assert xychart_problems(block) == [], name
        assert sum(line.startswith("    line [") for line in block) == 2, name


def test_show_state_as_markdown_charts_each_trained_job() -> None:
    from reconciler.commands.show import DeploymentView, JobView
    from reconciler.plan.observed import JobStatus, ObservedJob
    from reconciler.render.show import render_show_markdown

    trained = ObservedJob("ftjob-1", JobStatus.SUCCEEDED, "base", fine_tuned_model="base.ft-1")
    jobs = [
        JobView("clippy", "swc", trained, "no-op", losses=[2.0, 1.5, 1.0, 0.8]),
        JobView("later", "swc", None, "create"),
    ]
    deployments = [DeploymentView("d", "swc", "d", "create", None)]
    text = render_show_markdown("clippy", jobs, deployments)
    lines = text.splitlines()
    start = lines.index("```mermaid")
    block = lines[start : lines.index("```", start + 1) + 1]
    assert xychart_problems(block) == []
    assert "| `job.later` | swc | – | not in Azure yet | – |" in lines
    assert "Train loss of `job.clippy` (ftjob-1)." in lines
    assert any("not deployed (plan: create)" in line for line in lines)
