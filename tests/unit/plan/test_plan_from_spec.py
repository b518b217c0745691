"""desired_from_spec: a real spec folder, validated, turned into the planner's Desired."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from reconciler.commands.validate import validate
from reconciler.errors import Location, SpecError
from reconciler.plan import JobRef, Observed, ObservedAccount, plan
from reconciler.plan.from_spec import desired_from_spec
from reconciler.plan.observed import JobStatus, ObservedJob

SUB = "00000000-0000-0000-0000-000000000001"
LINE = (
    '{"messages": [{"role": "system", "content": "Be brief."}, '
    '{"role": "user", "content": "question %d"}, '
    '{"role": "assistant", "content": "answer %d"}]}\n'
)

SPEC = f"""\
stack: demo
accounts:
  swc: {{subscription_id: {SUB}, resource_group: rg-ft, name: aoai-swc}}
  ncus: {{subscription_id: {SUB}, resource_group: rg-ft, name: aoai-ncus, tenant_id: t-2}}
datasets:
  train: {{path: data/train.jsonl}}
  mixed:
    path: data/mixed.jsonl
    split: {{validation: 0.25, seed: 3}}
jobs:
  first:
    account: swc
    model: gpt-4.1-mini-2025-04-14
    training_data: train
    hyperparameters: {{n_epochs: 2, batch_size: auto}}
    seed: 5
    suffix: first
  second:
    account: swc
    model: {{job: first}}
    training_data: mixed:train
    validation_data: mixed:validation
deployments:
  first-ncus:
    account: ncus
    model: {{job: first, checkpoint: 2}}
    sku: {{name: Standard, capacity: 3}}
    prevent_destroy: true
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "specs"
    (root / "data").mkdir(parents=True)
    (root / "stack.yaml").write_text(textwrap.dedent(SPEC), encoding="utf-8")
    (root / "data" / "train.jsonl").write_text("".join(LINE % (i, i) for i in range(12)))
    (root / "data" / "mixed.jsonl").write_text("".join(LINE % (i, i) for i in range(100, 140)))
    return root


def test_a_validated_spec_becomes_desired(folder: Path, tmp_path: Path) -> None:
    result = validate(folder, cache_dir=tmp_path / "cache", environ={})
    assert result.ok, [str(d) for d in result.diagnostics]
    assert result.spec is not None
    desired = desired_from_spec(result.spec, result.datasets)

    assert desired.stack == "demo"
    assert desired.stack_location == Location("specs/stack.yaml", 1, 8)
    assert desired.accounts["ncus"].tenant_id == "t-2"
    train = desired.datasets["train"]
    assert (
        train.sha256 == hashlib.sha256((folder / "data" / "train.jsonl").read_bytes()).hexdigest()
    )
    assert train.stats is not None and train.stats.examples == 12
    assert {"mixed:train", "mixed:validation"} <= set(desired.datasets)
    parts = [desired.datasets[f"mixed:{part}"].stats for part in ("train", "validation")]
    assert sum(p.examples for p in parts if p is not None) == 40

    first = desired.jobs["first"]
    assert first.hyperparameters == {"n_epochs": 2, "batch_size": "auto"}
    assert first.where("model") == Location("specs/stack.yaml", 13, 12)
    assert desired.jobs["second"].model == JobRef("first")

    deployment = desired.deployments["first-ncus"]
    assert deployment.azure_name == "first-ncus"
    assert deployment.model == JobRef("first", 2)
    assert deployment.prevent_destroy
    assert deployment.where("sku.capacity") == Location("specs/stack.yaml", 27, 37)
    assert deployment.where("prevent_destroy") == Location("specs/stack.yaml", 28, 22)

    digests = desired.example_digests[train.sha256]
    assert len(digests) == 12 and all(len(d) == 16 for d in digests)


def test_fingerprints_follow_content(folder: Path, tmp_path: Path) -> None:
    before = validate(folder, cache_dir=tmp_path / "cache", environ={})
    assert before.spec is not None
    first = desired_from_spec(before.spec, before.datasets)
    with (folder / "data" / "train.jsonl").open("a") as handle:
        handle.write(LINE % (99, 99))
    after = validate(folder, cache_dir=tmp_path / "cache", environ={})
    assert after.spec is not None
    second = desired_from_spec(after.spec, after.datasets)
    assert second.fingerprint("first") != first.fingerprint("first")
    # continuous training inherits the parent's identity
    assert second.fingerprint("second") != first.fingerprint("second")


def test_a_fresh_plan_from_a_real_spec(folder: Path, tmp_path: Path) -> None:
    result = validate(folder, cache_dir=tmp_path / "cache", environ={})
    assert result.spec is not None
    desired = desired_from_spec(result.spec, result.datasets)
    arm = "/subscriptions/" + SUB + "/resourceGroups/rg-ft/providers/Microsoft.CognitiveServices/"
    observed = Observed(
        {
            "swc": ObservedAccount("swc", arm + "accounts/aoai-swc", "aoai-swc", "swedencentral"),
            "ncus": ObservedAccount(
                "ncus",
                arm + "accounts/aoai-ncus",
                "aoai-ncus",
                "northcentralus",
                # Azure copies a checkpoint only into an account with a fine-tuning job
                jobs=(ObservedJob("ftjob-0", JobStatus.SUCCEEDED, "gpt-4.1-mini-2025-04-14"),),
            ),
        }
    )
    result_plan = plan(desired, observed)
    # 3 uploads, 2 jobs, the copy of first's checkpoint to ncus, 1 deployment
    assert result_plan.summary["create"] == 7
    # ncus is in another tenant, and Azure copies checkpoints only within one tenant
    (issue,) = result_plan.errors
    assert issue.address == "checkpoint_copy.first-2@ncus"
    assert "Azure copies checkpoints only within one tenant" in issue.message
    assert issue.location == Location("specs/stack.yaml", 26, 5)
    copy = result_plan.change("checkpoint_copy.first-2@ncus")
    assert copy is not None and copy.depends_on == ("job.first",)
    deployment = next(c for c in result_plan.changes if c.type.value == "deployment")
    assert "checkpoint_copy.first-2@ncus" in deployment.depends_on


def test_a_dataset_without_report_is_a_located_error(folder: Path, tmp_path: Path) -> None:
    result = validate(folder, cache_dir=tmp_path / "cache", environ={})
    assert result.spec is not None
    reports = {k: v for k, v in result.datasets.items() if k != "train"}
    with pytest.raises(SpecError) as raised:
        desired_from_spec(result.spec, reports)
    assert str(raised.value) == "specs/stack.yaml:6:3: error: dataset train was not inspected"
