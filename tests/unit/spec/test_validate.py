"""`validate`: the spec and its datasets together, with small real datasets."""

# Expected messages are kept whole, as the tool prints them, so they can be searched for.
# ruff: noqa: E501

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

from reconciler.commands.validate import validate

from .support import CATALOG, ENV, HEAD, MINI, chat_lines, has, messages, place, write_tree

PREFERENCE_LINE = json.dumps(
    {
        "input": {"messages": [{"role": "user", "content": "question %d"}]},
        "preferred_output": [{"role": "assistant", "content": "good answer %d"}],
        "non_preferred_output": [{"role": "assistant", "content": "bad answer %d"}],
    }
)


def preference_lines(count: int) -> str:
    return "".join(PREFERENCE_LINE.replace("%d", str(i)) + "\n" for i in range(count))


def run(root: Path, files: dict[str, str], **kwargs: object):  # type: ignore[no-untyped-def]
    write_tree(root / "spec", files)
    options = {"environ": ENV, "catalog": CATALOG, "cache_dir": root / "cache", **kwargs}
    return validate(Path("spec"), **options)  # type: ignore[arg-type]


def jobs(body: str) -> str:
    return HEAD + textwrap.dedent(body)


def test_a_valid_spec_with_data(in_tmp: Path) -> None:
    text = jobs(f"""\
        datasets:
          train: {{path: data/train.jsonl}}
          valid: {{path: data/valid.jsonl}}
          unused: {{path: data/unused.jsonl}}
        jobs:
          j: {{account: swc, model: {MINI.id}, training_data: train, validation_data: valid}}
        """)
    files = {
        "a.yaml": text,
        "data/train.jsonl": chat_lines(120),
        "data/valid.jsonl": chat_lines(100, start=1000),
        "data/unused.jsonl": chat_lines(100, start=5000),
    }
    result = run(in_tmp, files)
    assert result.ok, messages(result.diagnostics)
    assert messages(result.diagnostics) == []
    assert result.spec is not None and result.spec.stack == "demo"
    assert set(result.datasets) == {"train", "valid", "unused"}
    train = result.datasets["train"]
    assert train.format == "chat"
    assert train.stats.examples == 120
    assert train.stats.total_tokens > train.stats.trained_tokens > 0


def test_data_format_must_fit_the_method(in_tmp: Path) -> None:
    text = jobs(f"""\
        datasets:
          chat: {{path: chat.jsonl}}
          prefs: {{path: prefs.jsonl}}
        jobs:
          dpo-on-chat: {{account: swc, model: {MINI.id}, training_data: chat, method: dpo}}
          sft-on-prefs: {{account: swc, model: {MINI.id}, training_data: prefs}}
          dpo-ok: {{account: swc, model: {MINI.id}, training_data: prefs, method: dpo}}
        """)
    files = {"a.yaml": text, "chat.jsonl": chat_lines(100), "prefs.jsonl": preference_lines(100)}
    result = run(in_tmp, files)
    assert messages(result.diagnostics) == [
        f"{place(text, 'chat, method')}: error: jobs.dpo-on-chat.training_data: method dpo trains on preference data, but dataset 'chat' holds chat data",
        f"{place(text, 'prefs}')}: error: jobs.sft-on-prefs.training_data: method supervised trains on chat data, but dataset 'prefs' holds preference data",
    ]
    assert not result.ok
    assert result.spec is not None  # the spec itself is fine; its data is not


def test_examples_shared_by_training_and_validation_data_warn(in_tmp: Path) -> None:
    text = jobs(f"""\
        datasets:
          train: {{path: train.jsonl}}
          valid: {{path: valid.jsonl}}
        jobs:
          j: {{account: swc, model: {MINI.id}, training_data: train, validation_data: valid}}
        """)
    files = {
        "a.yaml": text,
        "train.jsonl": chat_lines(100),
        "valid.jsonl": chat_lines(100, start=97),
    }
    result = run(in_tmp, files)
    assert result.ok
    assert messages(result.diagnostics) == [
        f"{place(text, 'valid}')}: warning: jobs.j.validation_data: 3 examples of 'valid' also appear in the training data 'train'"
    ]


def test_split_dataset_gives_two_parts(in_tmp: Path) -> None:
    text = jobs(f"""\
        datasets:
          all: {{path: all.jsonl, split: {{validation: 0.25, seed: 7}}}}
        jobs:
          j: {{account: swc, model: {MINI.id}, training_data: "all:train", validation_data: "all:validation"}}
        """)
    files = {"a.yaml": text, "all.jsonl": chat_lines(400)}
    first = run(in_tmp, files)
    assert first.ok, messages(first.diagnostics)
    train, valid = first.datasets["all:train"], first.datasets["all:validation"]
    assert train.stats.examples + valid.stats.examples == 400
    assert 50 < valid.stats.examples < 150
    assert not train.example_digests & valid.example_digests
    again = validate(Path("spec"), environ=ENV, catalog=CATALOG, cache_dir=in_tmp / "other-cache")
    assert again.datasets["all:validation"].sha256 == valid.sha256


def test_a_split_part_with_too_few_examples_is_an_error_at_the_split(in_tmp: Path) -> None:
    text = jobs(f"""\
        datasets:
          small: {{path: small.jsonl, split: {{validation: 0.05, seed: 1}}}}
        jobs:
          j: {{account: swc, model: {MINI.id}, training_data: "small:train", validation_data: "small:validation"}}
        """)
    files = {"a.yaml": text, "small.jsonl": chat_lines(40)}
    result = run(in_tmp, files)
    assert not result.ok
    assert has(
        result.diagnostics, f"{place(text, 'split:')}: error: small:validation:", "at least 10"
    )


def test_bad_lines_are_reported_at_their_line_with_spec_problems(in_tmp: Path) -> None:
    text = jobs(f"""\
        datasets:
          train: {{path: train.jsonl}}
        jobs:
          j: {{account: swc, model: {MINI.id}, training_data: train, suffix: "no spaces"}}
        """)
    data = chat_lines(30) + "{not json\n" + chat_lines(30, start=100)
    result = run(in_tmp, {"a.yaml": text, "train.jsonl": data})
    assert has(result.diagnostics, "spec/train.jsonl:31:", "error:")
    assert has(result.diagnostics, "error: jobs.j.suffix 'no spaces' is not a valid suffix")
    assert result.spec is None


def test_token_limit_comes_from_the_base_model(in_tmp: Path) -> None:
    tiny = dataclasses.replace(MINI, id="tiny-2025-01-01", name="tiny", max_example_tokens=40)
    catalog = dataclasses.replace(CATALOG, models={**CATALOG.models, tiny.id: tiny})
    long_line = json.dumps(
        {
            "messages": [
                {"role": "user", "content": "word " * 40},
                {"role": "assistant", "content": "ok"},
            ]
        }
    )
    text = jobs(f"""\
        datasets:
          d: {{path: d.jsonl}}
        jobs:
          small: {{account: swc, model: tiny-2025-01-01, training_data: d}}
          large: {{account: swc, model: {MINI.id}, training_data: d}}
          unknown-model: {{account: swc, model: not-in-the-catalog, training_data: d}}
        """)
    files = {
        "a.yaml": text,
        "d.jsonl": chat_lines(60) + long_line + "\n" + chat_lines(60, start=60),
    }
    result = run(in_tmp, files, catalog=catalog)
    too_long = [line for line in messages(result.diagnostics) if "spec/d.jsonl:61" in line]
    # Once, though inspected for three models (one unknown: no limit).
    assert len(too_long) == 1, messages(result.diagnostics)
    assert "40" in too_long[0]
    assert not result.ok


def test_datasets_of_invalid_entries_are_skipped_and_broken_yaml_is_reported(in_tmp: Path) -> None:
    result = run(in_tmp, {"a.yaml": "stack: s\ndatasets: {a: {path: x.jsonl}\n"})
    assert not result.ok
    assert result.datasets == {}
    assert has(result.diagnostics, "spec/a.yaml:", "invalid YAML")
