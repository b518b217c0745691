"""The JSON Schema generated from the models, and the committed copy editors use."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema

from reconciler.spec.models import SKU_NAMES
from reconciler.spec.schema import SCHEMA_FILE, make_schema, schema_text, write_schema

PROJECT = Path(__file__).resolve().parents[3]
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def test_committed_schema_is_current() -> None:
    committed = (PROJECT / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == schema_text(), (
        "schemas/reconciler.schema.json is out of date: run `reconciler schema`"
    )


def test_write_schema(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "schema.json"
    write_schema(out)
    assert json.loads(out.read_text(encoding="utf-8")) == make_schema()


def test_schema_forbids_unknown_keys_and_knows_the_rules() -> None:
    schema = make_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {
        "stack",
        "accounts",
        "datasets",
        "jobs",
        "deployments",
        "lock",
    }
    defs = schema["$defs"]
    assert defs["LockSettings"]["required"] == ["azure_blob"]
    assert defs["AzureBlobLock"]["required"] == ["account_url", "container"]
    kinds = ("Account", "Dataset", "Job", "Deployment", "Sku", "Hyperparameters", "ModelRef")
    for name in (*kinds, "LockSettings", "AzureBlobLock"):
        assert defs[name]["additionalProperties"] is False, name
    assert defs["Sku"]["properties"]["name"]["enum"] == list(SKU_NAMES)
    epochs = defs["Hyperparameters"]["properties"]["n_epochs"]["anyOf"]
    assert {"const": "auto"} in epochs
    assert {"type": "integer", "minimum": 1, "maximum": 50} in epochs
    assert defs["Job"]["properties"]["suffix"]["anyOf"][0]["pattern"] == "^[A-Za-z0-9_-]{1,40}$"
    # The deployment name defaults to the key: not required, and no misleading default.
    assert "name" not in defs["Deployment"]["required"]
    assert "default" not in defs["Deployment"]["properties"]["name"]
    jobs = schema["properties"]["jobs"]["anyOf"][0]
    assert jobs["additionalProperties"] is False
    assert list(jobs["patternProperties"]) == ["^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"]


def _spec_files() -> list[Path]:
    corpus = PROJECT / "tests" / "corpus" / "specs"
    files = [p for p in corpus.glob("valid-*/**/*.y*ml")]
    files += [p for p in (PROJECT / "specs").glob("**/*.y*ml")]
    return sorted(files)


def test_example_specs_carry_a_modeline_to_the_schema() -> None:
    files = [p for p in _spec_files() if p.read_text(encoding="utf-8").strip()]
    assert files
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        found = MODELINE.match(first)
        if found is None and path.read_text(encoding="utf-8").lstrip().startswith("#"):
            continue  # a comment-only file holds no spec to check
        assert found, f"{path}: no yaml-language-server modeline"
        target = (path.parent / found.group(1)).resolve()
        assert target == (PROJECT / SCHEMA_FILE).resolve(), f"{path}: modeline points to {target}"


def test_schema_refuses_a_hyperparameter_the_method_does_not_take() -> None:
    validator = jsonschema.Draft202012Validator(make_schema())

    def ok(job: dict[str, object]) -> bool:
        base = {"account": "swc", "model": "m", "training_data": "d"}
        return validator.is_valid({"jobs": {"j": {**base, **job}}})

    assert not ok({"hyperparameters": {"beta": 0.1}})  # supervised by default
    assert not ok({"method": "supervised", "hyperparameters": {"beta": 0.1}})
    assert ok({"method": "dpo", "hyperparameters": {"beta": 0.1, "prompt_loss_weight": 0.1}})
    assert ok({"hyperparameters": {"n_epochs": 2, "prompt_loss_weight": 0.1}})
