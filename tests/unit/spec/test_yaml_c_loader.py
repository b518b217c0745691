"""The C loader (libyaml) and the pure-Python one read every spec alike: same data, same places,
same problems; the pure one words what libyaml refuses, and stands in where libyaml is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.spec import yaml_loader
from reconciler.spec.yaml_loader import parse_yaml

REPO = Path(__file__).resolve().parents[3]
SPEC_FILES = sorted(
    p
    for folder in (REPO / "tests" / "corpus" / "specs", REPO / "specs")
    for p in folder.rglob("*.y*ml")
)

# Texts whose places, merges, aliases and odd characters the two parsers must agree on.
TEXTS = [
    "a:\n  b: 5\n  c: [x, {d: y}]\n",
    "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n",
    "é: 'ü'\nname: \"日本語 🤗\"\nnext: [ä, {ö: 1}]\n",  # columns count characters, not bytes
    "a: |\n  two\n  lines\nb: >\n  folded\n  text\nc: 'x'  # comment\n",
    "list:\n- 1\n- - 2\n  - 3\n- {k: v}\n",
    "a: 1\nb: 2\na: 3\n",  # duplicate key
    "a: !!python/object:os.system x\n",  # tag refused
    "a: &x [*x]\n",  # recursive alias
    "\ufeffstack: s\n",  # a byte-order mark
    "t: 2024-01-01\nf: 1.5e3\nn: ~\nbool: yes\n",
]
# Texts libyaml refuses (or that hold characters PyYAML refuses): the pure loader's words.
BROKEN = [
    "a: [1, 2\n",
    "a: b: c\n",
    "a: 1\n---\nb: 2\n",
    "a: *missing\n",
    "a: \x07\n",
    "x: " + "[" * 2000 + "]" * 2000 + "\n",  # deeper than libyaml's nesting limit
]


def _both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    fast = parse_yaml(text, "f.yaml")
    monkeypatch.setattr(yaml_loader, "C_LOADER", False)
    pure = parse_yaml(text, "f.yaml")
    monkeypatch.undo()
    return (
        (fast.data, fast.places, [str(d) for d in fast.diagnostics], fast.expanded_chars),
        (pure.data, pure.places, [str(d) for d in pure.diagnostics], pure.expanded_chars),
    )


def test_the_c_loader_is_used_where_pyyaml_has_it() -> None:
    import yaml

    assert bool(getattr(yaml, "__with_libyaml__", False)) == yaml_loader.C_LOADER


@pytest.mark.parametrize("text", TEXTS + BROKEN)
def test_both_loaders_give_the_same_data_places_and_problems(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, pure = _both(text, monkeypatch)
    assert fast == pure


def test_every_spec_file_of_the_corpus_and_examples_reads_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert len(SPEC_FILES) > 20
    for path in SPEC_FILES:
        text = path.read_bytes().decode("utf-8", "replace")
        fast, pure = _both(text, monkeypatch)
        assert fast == pure, path


def test_a_refused_document_is_worded_by_the_pure_loader() -> None:
    # libyaml would say "did not find expected ',' or ']'"; the message stays PyYAML's.
    doc = parse_yaml("a: [1, 2\n", "f.yaml")
    assert [str(d) for d in doc.diagnostics] == [
        "f.yaml:2:1: error: invalid YAML: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence at line 1)"
    ]
