"""Whatever is thrown at them, the loader and validator answer with diagnostics, never a crash."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.commands.validate import ValidationResult, validate
from reconciler.errors import Diagnostic, SpecError
from reconciler.spec import Spec, load_spec

from .support import CATALOG, ENV, chat_lines

SETTINGS = settings(
    max_examples=int(os.environ.get("SPEC_FUZZ_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Words the spec uses, so random documents often look like specs and reach deep checks.
WORDS = [
    "stack", "accounts", "datasets", "jobs", "deployments", "subscription_id",
    "resource_group", "name", "api_key_env", "tenant_id", "path", "format", "split",
    "validation", "seed", "account", "model", "training_data", "validation_data", "method",
    "hyperparameters", "n_epochs", "batch_size", "learning_rate_multiplier", "beta",
    "prompt_loss_weight", "suffix", "training_type", "sku", "capacity", "prevent_destroy",
    "job", "checkpoint", "swc", "d", "j", "dep", "d.jsonl", "d:train", "chat", "preference",
    "dpo", "supervised", "auto", "Standard", "ProvisionedManaged", "gpt-4.1-mini-2025-04-14",
    "00000000-0000-0000-0000-000000000001", "${env:AZURE_SUBSCRIPTION_ID}", "${env:NOPE}",
    "<<", "",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS),
    st.text(max_size=12),
)
keys = st.one_of(st.sampled_from(WORDS), st.text(max_size=8))
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=6),
    ),
    max_leaves=40,
)
spec_like = st.fixed_dictionaries(
    {},
    optional={
        "stack": st.one_of(st.sampled_from(["demo", "Bad Stack"]), scalars),
        "accounts": st.dictionaries(keys, documents, max_size=3),
        "datasets": st.dictionaries(keys, documents, max_size=3),
        "jobs": st.dictionaries(keys, documents, max_size=3),
        "deployments": st.dictionaries(keys, documents, max_size=3),
    },
)


def check(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "d.jsonl").write_text(chat_lines(12), encoding="utf-8")
        for name, content in files.items():
            (root / name).write_bytes(content)
        result = validate(root, cache_dir=root / ".cache", environ=ENV, catalog=CATALOG)
        assert isinstance(result, ValidationResult)
        assert all(isinstance(d, Diagnostic) for d in result.diagnostics)
        for diagnostic in result.diagnostics:
            str(diagnostic)
        assert result.ok == (not result.diagnostics.has_errors)
        # validate keeps the spec exactly when load_spec accepts it (datasets aside).
        try:
            spec = load_spec(root, environ=ENV, catalog=CATALOG)
        except SpecError as exc:
            assert exc.diagnostics
            assert any(d.severity.value == "error" for d in exc.diagnostics)
            assert result.spec is None
            assert not result.ok
        else:
            assert isinstance(spec, Spec)
            assert result.spec is not None
            assert result.spec.stack == spec.stack


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes(content: bytes) -> None:
    check({"main.yaml": content})


@SETTINGS
@given(documents)
def test_random_yaml_documents(document: Any) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    check({"main.yaml": text.encode("utf-8")})


@SETTINGS
@given(spec_like, spec_like)
def test_random_spec_like_documents_in_two_files(first: Any, second: Any) -> None:
    check(
        {
            "a.yaml": yaml.safe_dump(first, allow_unicode=True).encode("utf-8"),
            "b.yml": yaml.safe_dump(second, allow_unicode=True).encode("utf-8"),
        }
    )


VALID = b"""\
stack: demo
accounts:
  swc: {subscription_id: 00000000-0000-0000-0000-000000000001, resource_group: rg, name: aoai-swc}
datasets:
  d: {path: d.jsonl, split: {validation: 0.3, seed: 2}}
jobs:
  j:
    account: swc
    model: gpt-4.1-mini-2025-04-14
    training_data: "d:train"
    hyperparameters: {n_epochs: 3}
deployments:
  dep: {account: swc, model: {job: j, checkpoint: 2}, sku: {name: Standard, capacity: 1}}
"""


@SETTINGS
@given(
    st.lists(
        st.tuples(st.integers(0, len(VALID)), st.integers(0, 3), st.binary(max_size=3)), max_size=4
    )
)
def test_mutations_of_a_valid_spec(edits: list[tuple[int, int, bytes]]) -> None:
    content = bytearray(VALID)
    for at, cut, insert in edits:
        content[at : at + cut] = insert
    check({"main.yaml": bytes(content)})


def test_the_unmutated_spec_is_valid() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "d.jsonl").write_text(chat_lines(40), encoding="utf-8")
        (root / "main.yaml").write_bytes(VALID)
        result = validate(root, cache_dir=root / ".cache", environ=ENV, catalog=CATALOG)
        assert result.ok, [str(d) for d in result.diagnostics]
