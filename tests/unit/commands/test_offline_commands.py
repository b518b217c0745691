"""The commands that need no Azure, called as functions with data: validate, schema, catalog,
show PLANFILE; and what their renderers make of the results."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from reconciler.catalog.model import CatalogError
from reconciler.commands.catalog import catalog
from reconciler.commands.schema import schema
from reconciler.commands.show import saved_plan
from reconciler.commands.validate import validate
from reconciler.kinds.deployment import DeploymentAfter, DeploymentBefore, DeploymentReason
from reconciler.plan import render_json, render_text
from reconciler.plan.model import Action, Because, Change, Plan, ResourceType
from reconciler.plan.saved import save_plan
from reconciler.render.show import render_saved_plan
from reconciler.render.validation import (
    render_dataset_lines,
    render_problems,
    render_validation_json,
    render_verdict,
)

ROOT = Path(__file__).resolve().parents[3]
SUB = "00000000-0000-0000-0000-000000000001"
ENV = {"AZURE_SUBSCRIPTION_ID": SUB}
MODEL = "gpt-4.1-mini-2025-04-14"  # in the packaged catalog, trained in swedencentral
HEAD = f"""\
stack: demo
accounts:
  swc: {{subscription_id: {SUB}, resource_group: rg-ft, name: aoai-swc}}
"""


DEPLOYED = {"format": "OpenAI", "name": "gpt-4o-mini", "version": "2024-07-18"}


def chat_lines(count: int) -> str:
    return "".join(
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": f"hello {i}"},
                    {"role": "assistant", "content": f"hi there {i}"},
                ]
            }
        )
        + "\n"
        for i in range(count)
    )


def _spec(root: Path, jobs: str, data: dict[str, str]) -> Path:
    files = {"a.yaml": HEAD + textwrap.dedent(jobs), **data}
    for name, text in files.items():
        (root / "spec" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "spec" / name).write_text(text, encoding="utf-8")
    return Path("spec")


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_validate_returns_the_spec_its_warnings_and_each_datasets_statistics(in_tmp: Path) -> None:
    spec_dir = _spec(
        in_tmp,
        f"""\
        datasets:
          train: {{path: data/train.jsonl}}
        jobs:
          j: {{account: swc, model: {MODEL}, training_data: train}}
        """,
        {"data/train.jsonl": chat_lines(12)},
    )
    result = validate(spec_dir, environ=ENV, cache_dir=in_tmp / "cache")
    assert result.ok and result.spec is not None
    assert result.datasets["train"].stats.examples == 12
    # 12 examples is fewer than the docs recommend: a warning, shown unless --quiet
    assert render_problems(result).startswith("spec/data/train.jsonl: warning: only 12 examples")
    assert render_problems(result, errors_only=True) == ""
    assert render_dataset_lines(result).startswith("dataset train: 12 examples, ")
    assert render_verdict(spec_dir, result) == "spec: valid (1 warning(s))\n"
    doc = json.loads(render_validation_json(result))
    assert doc["valid"] is True and doc["datasets"]["train"]["examples"] == 12


def test_validate_reports_a_located_error_and_the_verdict_counts_it(in_tmp: Path) -> None:
    spec_dir = _spec(
        in_tmp,
        f"""\
        jobs:
          j: {{account: swc, model: {MODEL}, training_data: nowhere}}
        """,
        {},
    )
    result = validate(spec_dir, environ=ENV, cache_dir=in_tmp / "cache")
    assert not result.ok and result.spec is None
    problems = render_problems(result, errors_only=True).splitlines()
    assert len(problems) == len(result.diagnostics.errors) >= 1
    assert problems[0].startswith("spec/a.yaml:") and "nowhere" in problems[0]
    assert render_verdict(spec_dir, result).startswith(
        f"spec: {len(result.diagnostics.errors)} error(s), "
    )
    doc = json.loads(render_validation_json(result))
    assert doc["valid"] is False and doc["errors"][0]["path"] == "spec/a.yaml"


def test_schema_is_the_committed_schema_and_written_where_asked(tmp_path: Path) -> None:
    committed = (ROOT / "schemas" / "reconciler.schema.json").read_text(encoding="utf-8")
    assert schema() == committed
    out = tmp_path / "nested" / "schema.json"
    assert schema(out) is None
    assert out.read_text(encoding="utf-8") == committed


def test_catalog_narrowed_to_a_region_keeps_only_what_is_offered_there() -> None:
    everything = catalog()
    there = catalog(region="swedencentral")
    assert there["regions"] == ["swedencentral"]
    assert 0 < len(there["models"]) <= len(everything["models"])
    for model in there["models"]:
        for regions in model["training_types"].values():
            assert regions == ["swedencentral"]
    one = everything["models"][0]["id"]
    assert [m["id"] for m in catalog(model=one)["models"]] == [one]


def test_catalog_names_the_known_regions_for_an_unknown_one() -> None:
    with pytest.raises(CatalogError, match="region 'atlantis' is not in the catalog"):
        catalog(region="atlantis")


def test_show_reads_a_saved_plan_and_not_a_spec_directory(tmp_path: Path) -> None:
    change = Change(
        address="deployment.d",
        type=ResourceType.DEPLOYMENT,
        action=Action.UPDATE,
        because=Because(DeploymentReason.DIFFERS),
        before=DeploymentBefore("a", "aoai-a", "d", DEPLOYED, "Standard", 1, {}, "Succeeded"),
        after=DeploymentAfter("a", "aoai-a", "d", DEPLOYED, "Standard", 2, {}),
    )
    plan = Plan(stack="s", changes=(change,), observed_digest="abc")
    path = tmp_path / "p.plan"
    save_plan(path, plan, tmp_path, frozenset())
    shown = saved_plan(path)
    assert shown is not None and shown.to_json() == plan.to_json()
    assert saved_plan(tmp_path) is None
    assert render_saved_plan(shown, "json") == render_json(plan)
    assert render_saved_plan(shown, "text") == render_text(plan)
