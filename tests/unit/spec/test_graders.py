"""Graders in the spec: each type validated for its own fields, at the place it was written."""

from __future__ import annotations

import pytest

from reconciler.plan.fingerprint import job_fingerprint
from reconciler.spec.graders import item_references

from .conftest import Reader
from .support import HEAD, has, messages

RFT = """datasets:
  t: {path: t.jsonl, format: reinforcement}
  v: {path: v.jsonl, format: reinforcement}
jobs:
  j:
    account: swc
    model: gpt-4.1-mini-2025-04-14
    method: reinforcement
    training_data: t
    validation_data: v
"""


def spec(grader: str, extra: str = "") -> dict[str, str]:
    return {"a.yaml": HEAD + RFT + extra + "    grader:\n" + grader, "t.jsonl": "", "v.jsonl": ""}


STRING_CHECK = """      type: string_check
      name: exact
      input: "{{sample.output_text}}"
      reference: "{{ item.answer }}"
      operation: eq
"""


def test_a_string_check_grader_is_read(read: Reader) -> None:
    loaded, diagnostics = read(spec(STRING_CHECK))
    assert [m for m in messages(diagnostics) if "grader" in m] == []
    grader = loaded.jobs["j"].grader
    assert grader is not None and item_references(grader) == ["answer"]


@pytest.mark.parametrize(
    ("grader", "expected"),
    [
        (STRING_CHECK.replace("operation: eq", "operation: eqq"), "did you mean 'eq'?"),
        (
            STRING_CHECK.replace("      operation: eq\n", ""),
            "jobs.j.grader is missing required key 'operation'",
        ),
        (STRING_CHECK + "      pass_threshold: 1\n", "unknown key 'pass_threshold'"),
        (STRING_CHECK.replace("string_check", "regex"), "must be a grader with a type of"),
        (
            STRING_CHECK.replace("{{ item.answer }}", "{{ items.answer }}"),
            "uses the namespace 'items'",
        ),
        (
            "      type: text_similarity\n      name: s\n      input: a\n      reference: b\n"
            "      evaluation_metric: cosine\n",
            "jobs.j.grader.evaluation_metric must be one of",
        ),
        (
            "      type: label_model\n      name: l\n      model: gpt-4o-2024-08-06\n"
            "      input: [{role: user, content: hi}]\n      labels: [a, b]\n"
            "      passing_labels: [c]\n",
            "passing_labels must be a subset of labels; 'c' is not one of them",
        ),
        (
            "      type: score_model\n      name: s\n      model: o3-mini-2025-01-31\n"
            "      input: [{role: judge, content: hi}]\n",
            "jobs.j.grader.input[0].role must be one of",
        ),
        (
            "      type: python\n      name: p\n      source: 'print(1)'\n",
            "must define grade(sample, item)",
        ),
        (
            "      type: multi\n      name: m\n      calculate_output: (a + b) / 2\n"
            "      graders:\n        a:\n" + STRING_CHECK.replace("      ", "          "),
            "calculate_output uses 'b', which is not a key of graders (a)",
        ),
    ],
    ids=[
        "operation",
        "missing",
        "unknown-key",
        "type",
        "namespace",
        "metric",
        "labels",
        "role",
        "python",
        "multi",
    ],
)
def test_each_grader_type_is_checked_for_its_own_fields(
    read: Reader, grader: str, expected: str
) -> None:
    _, diagnostics = read(spec(grader))
    assert has(diagnostics, "spec/a.yaml:", expected), messages(diagnostics)


def test_the_unknown_key_of_a_multigraders_member_names_that_members_fields(read: Reader) -> None:
    grader = (
        "      type: multi\n      name: m\n      calculate_output: a\n      graders:\n        a:\n"
        + STRING_CHECK.replace("      ", "          ")
        + "          operator: eq\n"
    )
    _, diagnostics = read(spec(grader))
    assert has(diagnostics, "unknown key 'operator' in jobs.j.grader.graders.a", "'operation'")


def test_reinforcement_needs_a_grader_and_validation_data_and_nothing_else_takes_one(
    read: Reader,
) -> None:
    files = spec(STRING_CHECK)
    no_grader = files["a.yaml"].split("    grader:\n")[0].replace("    validation_data: v\n", "")
    _, diagnostics = read({**files, "a.yaml": no_grader})
    assert has(diagnostics, "error: jobs.j: method reinforcement needs a grader")
    assert has(diagnostics, "error: jobs.j: method reinforcement needs validation_data")
    supervised = files["a.yaml"].replace("method: reinforcement", "method: supervised")
    _, diagnostics = read({**files, "a.yaml": supervised})
    assert has(diagnostics, "error: jobs.j.grader applies only to method reinforcement")


def test_reinforcement_hyperparameters_and_their_ranges(read: Reader) -> None:
    extra = (
        "    hyperparameters: {reasoning_effort: low, eval_interval: 0, compute_multiplier: 11,"
        " beta: 0.1}\n"
    )
    _, diagnostics = read(spec(STRING_CHECK, extra))
    assert has(diagnostics, "jobs.j.hyperparameters.eval_interval must be an integer of at least 1")
    assert has(diagnostics, "jobs.j.hyperparameters.compute_multiplier must be a number above")
    assert has(diagnostics, "jobs.j.hyperparameters.beta applies only to method dpo")
    assert not has(diagnostics, "reasoning_effort")


def test_the_grader_is_part_of_the_fingerprint() -> None:
    common = {
        "base_model": "o4-mini-2025-04-16",
        "parent_fingerprint": None,
        "parent_checkpoint": None,
        "training_sha256": "a" * 64,
        "validation_sha256": "b" * 64,
        "method": "reinforcement",
        "hyperparameters": {"reasoning_effort": "low"},
        "seed": None,
        "suffix": None,
        "training_type": "standard",
    }
    eq = job_fingerprint(**common, grader={"type": "string_check", "operation": "eq"})
    ilike = job_fingerprint(**common, grader={"type": "string_check", "operation": "ilike"})
    high = job_fingerprint(
        **{**common, "hyperparameters": {"reasoning_effort": "high"}},
        grader={"type": "string_check", "operation": "eq"},
    )
    assert len({eq, ilike, high}) == 3
    # jobs without a grader keep the fingerprint they always had
    plain = {**common, "method": "supervised", "hyperparameters": {}}
    assert job_fingerprint(**plain) == job_fingerprint(**plain, grader=None)
