"""SPEC §5.8 in the spec: `deployments.X.smoke_test` is read into the desired deployment; a
pattern re cannot compile, a missing or empty field, too many prompts or an unknown key is an
error at its place."""

from __future__ import annotations

import textwrap

from reconciler.plan.desired import DesiredDeployment
from reconciler.plan.from_spec import desired_from_spec
from reconciler.plan.smoke_test import SmokePrompt
from reconciler.spec.smoke_test import DEFAULT_MAX_TOKENS, MAX_PROMPT_CHARS, MAX_PROMPTS

from .conftest import Reader
from .support import HEAD, MINI, messages, place

SPEC = HEAD + textwrap.dedent(
    f"""\
    deployments:
      std:
        account: swc
        model: {MINI.id}
        sku: {{name: GlobalStandard, capacity: 1}}
        smoke_test:
          - {{prompt: "How do I make a table?", expect: "(?i)insert"}}
          - prompt: Who are you?
            expect: "Clippy|paperclip"
            max_tokens: 64
            system: You are Clippy.
    """
)


def test_the_prompts_reach_the_desired_deployment(read: Reader) -> None:
    spec, diagnostics = read({"a.yaml": SPEC})
    assert messages(diagnostics) == []
    std = desired_from_spec(spec, {}).deployments["std"]
    assert std.smoke_test == (
        SmokePrompt("How do I make a table?", "(?i)insert", DEFAULT_MAX_TOKENS),
        SmokePrompt("Who are you?", "Clippy|paperclip", 64, "You are Clippy."),
    )
    # a saved plan and the golden cases carry it through JSON
    again = DesiredDeployment.from_json("std", std.to_json())
    assert again.smoke_test == std.smoke_test


def test_a_deployment_without_one_has_none_and_its_json_is_unchanged(read: Reader) -> None:
    text = SPEC.split("    smoke_test:")[0]
    spec, diagnostics = read({"a.yaml": text})
    assert messages(diagnostics) == []
    std = desired_from_spec(spec, {}).deployments["std"]
    assert std.smoke_test == ()
    assert "smoke_test" not in std.to_json()


def test_a_pattern_re_cannot_compile_is_an_error_at_it_with_res_message(read: Reader) -> None:
    text = SPEC.replace('"(?i)insert"', '"(?i)insert("')
    _, diagnostics = read({"a.yaml": text})
    found = messages(diagnostics)
    where = place(text, '"(?i)insert(')
    assert found == [
        f"{where}: error: deployments.std.smoke_test[0].expect is not a "
        "valid regular expression: missing ), unterminated subpattern at position 10"
    ]


def test_each_wrong_field_is_an_error_at_its_own_place(read: Reader) -> None:
    text = SPEC.replace("max_tokens: 64", "max_tokens: 0").replace(
        'expect: "(?i)insert"', 'expect: "(?i)insert", color: red'
    )
    _, diagnostics = read({"a.yaml": text})
    found = messages(diagnostics)
    assert len(found) == 2, found
    assert any(
        m.startswith(place(text, "color")) and "unknown key 'color'" in m and "smoke_test[0]" in m
        for m in found
    )
    assert any(
        m.startswith(place(text, "0\n")) and "smoke_test[1].max_tokens must be at least 1" in m
        for m in found
    )


def test_a_prompt_is_required_and_not_empty(read: Reader) -> None:
    text = SPEC.replace('prompt: "How do I make a table?", ', 'prompt: "", ')
    _, diagnostics = read({"a.yaml": text})
    found = messages(diagnostics)
    assert len(found) == 1 and "smoke_test[0].prompt must not be empty" in found[0]
    text = SPEC.replace('prompt: "How do I make a table?", ', "")
    _, diagnostics = read({"a.yaml": text})
    found = messages(diagnostics)
    assert len(found) == 1 and "smoke_test[0]" in found[0] and "prompt" in found[0]


def test_an_empty_list_says_to_leave_it_out(read: Reader) -> None:
    text = SPEC.split("    smoke_test:")[0] + "    smoke_test: []\n"
    _, diagnostics = read({"a.yaml": text})
    found = messages(diagnostics)
    assert len(found) == 1
    assert found[0].startswith(place(text, "smoke_test: []"))
    assert "at least one prompt" in found[0]


def test_too_many_prompts_is_an_error_with_its_reason(read: Reader) -> None:
    many = "".join(f'      - {{prompt: "p{i}", expect: "x"}}\n' for i in range(MAX_PROMPTS + 1))
    text = SPEC.split("    smoke_test:")[0] + "    smoke_test:\n" + textwrap.indent(many, "  ")
    _, diagnostics = read({"a.yaml": text})
    found = messages(diagnostics)
    assert len(found) == 1
    assert f"lists {MAX_PROMPTS + 1} prompts, at most {MAX_PROMPTS}" in found[0]
    assert "billed chat completion" in found[0]


def test_a_prompt_longer_than_the_cap_is_an_error(read: Reader) -> None:
    long = "x" * (MAX_PROMPT_CHARS + 1)
    text = SPEC.replace("How do I make a table?", long)
    _, diagnostics = read({"a.yaml": text})
    found = messages(diagnostics)
    assert len(found) == 1 and "smoke_test[0].prompt" in found[0]
    assert long not in found[0]  # the value is never quoted whole (SPEC §5.1)
