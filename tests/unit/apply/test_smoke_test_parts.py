"""The pure parts of apply's smoke test (SPEC §5.8): matching with re.search, answers and spec
values cut to 80 characters with … (SPEC §5.1), a prompt from the environment named instead of
quoted, and which deletes of an apply wait for a smoke-tested write of their account."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.apply.executor import build_tasks
from reconciler.apply.smoke import PromptResult, deletes_wait_for, failure_text, matches, shown
from reconciler.plan import Change, Plan
from reconciler.plan.model import Action
from reconciler.plan.smoke_test import SmokePrompt, smoke_details, smoke_prompts

from .test_executor_tasks import _case

CASES = Path(__file__).resolve().parents[2] / "cases"
PROMPT = SmokePrompt("Who discovered Antarctica?", "(?i)antarctica", 256)


def test_the_pattern_is_searched_anywhere_in_the_answer() -> None:
    assert matches(PROMPT, "It was first sighted in 1820: ANTARCTICA, by a Russian expedition.")
    assert not matches(PROMPT, "Hello! I am a general-purpose assistant.")
    anchored = SmokePrompt("x", r"^Arr\b", 16)
    assert matches(anchored, "Arr, matey") and not matches(anchored, "Well. Arr")


def test_an_answer_is_folded_to_one_line_and_cut_to_80_characters() -> None:
    answer = "Arr,\n\nthe   seas " + "be wide " * 20
    text = shown(answer)
    assert len(text) == 80 and text.endswith("…")
    assert "\n" not in text and "   " not in text
    assert shown("short") == "'short'"


def test_a_wrong_answer_names_prompt_answer_and_pattern() -> None:
    long_prompt = SmokePrompt("Tell me " * 30, "(?i)antarctica", 256)
    result = PromptResult(2, long_prompt, "Hello! " * 30)
    text = failure_text(result, 3)
    assert text.startswith("prompt 2/3 'Tell me Tell me")
    assert "answered 'Hello! Hello!" in text
    assert text.endswith("which does not match '(?i)antarctica'")
    assert text.count("…") == 2  # the prompt and the answer, each cut
    assert "Tell me " * 30 not in text and "Hello! " * 30 not in text


def test_an_error_answer_is_named_as_such() -> None:
    result = PromptResult(1, PROMPT, None, "400 content_filter: the prompt was filtered")
    assert failure_text(result, 1) == (
        "prompt 1/1 'Who discovered Antarctica?' got an error instead of an answer: "
        "400 content_filter: the prompt was filtered"
    )
    assert not result.passed


def test_a_prompt_from_the_environment_is_named_not_quoted() -> None:
    [prompt] = smoke_prompts(
        [PROMPT.__class__("Is the secret s3cr3t-value ok?", "ok", 16)],
        {"s3cr3t-value": "${env:RECONCILER_VAR_WORD}"},
    )
    assert prompt.from_env == "${env:RECONCILER_VAR_WORD}"
    text = failure_text(PromptResult(1, prompt, "no"), 1)
    assert "s3cr3t-value" not in text
    assert "(the value of ${env:RECONCILER_VAR_WORD})" in text
    assert text.endswith("which does not match its pattern")


def test_the_plan_details_only_for_a_write() -> None:
    prompts = (PROMPT, PROMPT)
    for action in (Action.CREATE, Action.UPDATE, Action.REPLACE, Action.WAIT):
        assert smoke_details(prompts, action) == {"smoke_test": {"prompts": 2}}
    assert smoke_details(prompts, Action.NO_OP) == {}
    assert smoke_details(prompts, Action.DELETE) == {}
    assert smoke_details((), Action.CREATE) == {}


def test_deletes_of_the_account_wait_for_a_smoke_tested_write() -> None:
    planned = Plan.from_json(
        json.loads((CASES / "smoke-test-after-apply" / "expected.json").read_text())
    )
    removed, _ = _case("entry-removed")
    delete = removed.change("deployment.clippy-ncus")
    assert delete is not None
    gone_swc = Change.from_json(
        {
            **delete.to_json(),
            "address": "deployment.old",
            "before": {**delete.to_json()["before"], "account": "swc"},
        }
    )
    gone_ncus = Change.from_json({**delete.to_json(), "address": "deployment.far"})
    changes = [*planned.changes, gone_swc, gone_ncus]
    assert deletes_wait_for(gone_swc, changes) == (
        "deployment.serve-new",
        "deployment.serve-std",
    )
    assert deletes_wait_for(gone_ncus, changes) == ()  # another account
    assert all(deletes_wait_for(c, changes) == () for c in planned.changes)  # writes: never
    _, app = _case("smoke-test-after-apply")
    tasks = {t.id: t for t in build_tasks(Plan(planned.stack, tuple(changes)), app)}
    assert tasks["deployment.old"].depends_on == ("deployment.serve-new", "deployment.serve-std")
    assert tasks["deployment.far"].depends_on == ()
