"""Renderers: text for terminals, JSON for machines, markdown for pull requests."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from reconciler.errors import Diagnostic, Location
from reconciler.plan import (
    Desired,
    DriftReport,
    Observed,
    drift_report,
    plan,
    render_drift_json,
    render_drift_markdown,
    render_drift_text,
    render_json,
    render_markdown,
    render_text,
)
from reconciler.plan.model import Plan
from reconciler.plan.render_markdown import COMMENT_LIMIT, comment_length
from reconciler.plan.render_reason import examples_changed

CASES = Path(__file__).resolve().parents[2] / "cases"


def case_plan(name: str, replace: frozenset[str] = frozenset()) -> Plan:
    folder = CASES / name
    desired = Desired.from_json(json.loads((folder / "desired.json").read_text()))
    observed = Observed.from_json(json.loads((folder / "observed.json").read_text()))
    return plan(desired, observed, replace=replace)


def test_text_symbols_summary_and_no_colour_unless_asked() -> None:
    result = case_plan("entry-removed")
    text = render_text(result)
    assert "\x1b[" not in text
    assert "  - deployment.clippy-ncus: carries reconciler-stack: clippy" in text
    assert "\nPlan: 0 to create, 0 to update, 0 to replace, 1 to delete, 0 waiting.\n" in text
    coloured = render_text(result, color=True)
    assert "\x1b[31m  - deployment.clippy-ncus\x1b[0m" in coloured


def test_text_lists_errors_first_with_places() -> None:
    lines = render_text(case_plan("ptu-off-step")).splitlines()
    assert lines[0].startswith(
        "specs/clippy.yaml:38:37: error: deployment.clippy-ncus: capacity 60"
    )
    assert lines[-1] == "The plan has 1 error: nothing can be applied until fixed."


def test_text_shows_fields_before_and_after() -> None:
    text = render_text(case_plan("capacity-scaled"))
    assert (
        "  ~ deployment.clippy-swc: capacity 1 → 5 (updated in place)\n      sku.capacity: 1 → 5\n"
        in text
    )


def test_text_when_nothing_changes() -> None:
    assert render_text(case_plan("nothing-changed")) == "No changes. Azure matches the spec.\n"


def test_json_is_sorted_stable_and_parses_back() -> None:
    result = case_plan("fresh-stack")
    text = render_json(result)
    assert text == render_json(case_plan("fresh-stack"))
    document = json.loads(text)
    assert document == result.to_json()
    assert text == json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert Plan.from_json(document) == result


def test_markdown_puts_destructive_changes_first_and_marks_them() -> None:
    markdown = render_markdown(case_plan("dataset-edited"))
    assert "| 2 | 0 | 2 | 0 | 0 |" in markdown
    destructive = markdown.index("### ⚠️ Destructive changes")
    others = markdown.index("<summary>Other changes (2)</summary>")
    assert destructive < others
    assert "| ⚠️ -/+ replace | `deployment.clippy-ncus` | Azure cannot change the model" in markdown


def test_markdown_job_section_has_stats_and_what_changed() -> None:
    markdown = render_markdown(case_plan("dataset-edited"))
    section = markdown[markdown.index("#### `job.clippy`") :]
    assert (
        "- Base model: `gpt-4.1-mini-2025-04-14`\n- Method: supervised, standard training\n"
        in section
    )
    assert (
        "- Hyperparameters: `batch_size` auto, `learning_rate_multiplier` auto, `n_epochs` 3\n"
        in section
    )
    assert "- Training data `clippy-train`: 130 examples, 19,980 tokens (6,630 trained)" in section
    assert (
        "- Estimated billed training tokens: 59,940 (3 epochs × the training data's tokens)"
        in section
    )
    assert (
        "- Since `ftjob-0f3c1e2d4b5a69788796a5b4c3d2e1f0` (serving `deployment.clippy-ncus`, "
        in section
    )
    assert ": 20 examples added, 10 removed" in section
    assert "- Deployments affected: `deployment.clippy-ncus`, `deployment.clippy-swc`" in section


def test_markdown_errors_and_escaped_pipes() -> None:
    markdown = render_markdown(case_plan("untagged-collision"))
    assert "### ❌ Errors (2): this plan cannot be applied" in markdown
    assert "- `specs/clippy.yaml:41:3` `deployment.chat`: a deployment named chat" in markdown


def test_drift_renderers() -> None:
    folder = CASES / "drift-capacity-and-tags"
    desired = Desired.from_json(json.loads((folder / "desired.json").read_text()))
    observed = Observed.from_json(json.loads((folder / "observed.json").read_text()))
    report = drift_report(desired, observed)
    doc = json.loads(render_drift_json(report))
    assert doc["drift"][0]["kind"] == "tags" and doc["drift"][0]["cause"] == "changed"
    assert doc["has_drift"] is True and doc["counts"]["by_kind"] == {"capacity": 1, "tags": 1}
    text = render_drift_text(report)
    assert text.splitlines()[-1] == "Drift: 2 differences found."
    markdown = render_drift_markdown(report)
    assert markdown.splitlines()[0] == "## Drift in stack `clippy`"
    assert (
        "| `deployment.clippy-swc` | capacity | changed | clippy-swc in aoai-swc: capacity is 3"
        in markdown
    )
    assert render_drift_text([]) == "No drift: Azure matches what reconciler made.\n"
    clean = render_drift_markdown(DriftReport("clippy"))
    assert clean.splitlines()[0] == "## No drift in stack `clippy`"


def _nothing_changed_since(result: Plan) -> Plan:
    """The plan, as if job.clippy were trained again with the inputs of the job serving now."""
    job = result.change("job.clippy")
    assert job is not None
    previous = {**job.details["previous"], "changed": [], "examples": {}}
    again = replace(job, details={**job.details, "previous": previous})
    return replace(result, changes=tuple(again if c is job else c for c in result.changes))


def test_no_empty_since_header_when_no_input_changed() -> None:
    result = _nothing_changed_since(case_plan("dataset-edited"))
    text = render_text(result)
    assert (
        "      since ftjob-0f3c1e2d4b5a69788796a5b4c3d2e1f0: no input changed (trained again as "
        "asked)\n" in text
    )
    assert not any(line.rstrip().endswith(":") for line in text.splitlines())
    markdown = render_markdown(result)
    assert "no input changed (trained again as asked)" in markdown
    assert not any(
        line.rstrip().endswith(":") and "since" in line.lower() for line in markdown.splitlines()
    )


def test_markdown_headline_comes_first_and_details_are_collapsed() -> None:
    lines = render_markdown(case_plan("dataset-edited")).splitlines()
    assert lines[:7] == [
        "## reconciler plan: stack `clippy`",
        "",
        "**Plan: 2 to create, 2 to replace.**<br>",
        "Trains 1 job: `job.clippy` (~59,940 billed tokens).<br>",
        "⚠️ **Destructive:** `deployment.clippy-ncus` (replace), `deployment.clippy-swc` "
        "(replace).<br>",
        "Training cost: $0.00 once (USD, prices as of 2026-02-11; unknown, not counted: "
        "`job.clippy`)<br>",
        "Monthly cost change: $0.00",
    ]
    assert lines.count("<details>") == lines.count("</details>") == 2
    assert "<summary>1 job to train: data, hyperparameters, changes</summary>" in lines


def test_markdown_shows_dataset_warnings_and_checkpoints() -> None:
    warning = Diagnostic.warning(
        "only 12 examples; fine-tuning usually starts to help from 50 to 100",
        Location("specs/data/train.jsonl"),
    )
    markdown = render_markdown(case_plan("checkpoint-deployment"), [warning])
    assert "⚠️ 1 dataset or spec warning below." in markdown.split("\n\n")[1]
    assert (
        "### ⚠️ Warnings (1)\n\n- `specs/data/train.jsonl` only 12 examples; fine-tuning usually"
        in markdown
    )
    assert "| `deployment.clippy-epoch2` | no deployment named clippy-epoch2 in aoai-swc | " in (
        markdown
    )
    assert "`checkpoint: epoch 2 of job.clippy`<br>`model.name: ftchkpt-" in markdown


def _many_deployments(result: Plan, count: int) -> Plan:
    template = result.change("deployment.clippy-epoch2")
    assert template is not None
    copies = [replace(template, address=f"deployment.d{i:05}") for i in range(count)]
    return replace(result, changes=(*result.changes, *copies))


def test_markdown_stays_under_the_comment_limit_with_a_note() -> None:
    huge = _many_deployments(case_plan("checkpoint-deployment"), 3000)
    markdown = render_markdown(huge)
    assert 60_000 < comment_length(markdown) <= COMMENT_LIMIT
    assert markdown.startswith("## reconciler plan: stack `clippy`\n\n❌ **1 error")
    assert "\n**✂️ Cut here: " in markdown
    assert "do not fit GitHub's 65,536-character comment limit.** See the whole plan with" in (
        markdown
    )
    assert markdown.count("<details>") == markdown.count("</details>")
    small = render_markdown(case_plan("checkpoint-deployment"))
    assert "Cut here" not in small and comment_length(small) < 2_000


def test_markdown_cut_counts_what_it_left_out() -> None:
    whole = render_markdown(case_plan("dataset-edited"), limit=1_000_000)
    cut = render_markdown(case_plan("dataset-edited"), limit=2_000)
    assert comment_length(cut) <= 2_000
    kept = cut[: cut.index("\n**✂️ Cut here: ")]
    kept = kept.removesuffix("</details>\n")
    assert whole.startswith(kept)
    left = len(whole.splitlines()) - len(kept.splitlines())
    assert f"Cut here: {left} more lines ({len(whole) - len(kept):,} characters)" in cut


def test_examples_changed_says_one_example_and_groups_thousands() -> None:
    assert examples_changed(1, 1) == "1 example added, 1 removed"
    assert examples_changed(0, 2) == "0 examples added, 2 removed"
    assert examples_changed(12345, 1000) == "12,345 examples added, 1,000 removed"
