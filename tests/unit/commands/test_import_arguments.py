"""`reconciler import`'s arguments, as a newcomer types them: a missing address, a lone word that
is no address, a job, a dataset no job uses. Each is refused before Azure is read (no emulator
here, no credentials), with a message that says what to type instead, and exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli

SUB = "00000000-0000-0000-0000-000000000001"
SPEC = f"""\
stack: demo
accounts:
  swc: {{subscription_id: {SUB}, resource_group: rg-ft, name: aoai-swc}}
datasets:
  train: {{path: train.jsonl}}
  spare: {{path: train.jsonl}}
jobs:
  bot: {{account: swc, model: gpt-4.1-mini-2025-04-14, training_data: train}}
deployments:
  chat: {{account: swc, model: gpt-4.1-mini-2025-04-14, sku: {{name: GlobalStandard, capacity: 1}}}}
"""


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RECONCILER_EMULATOR", raising=False)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "stack.yaml").write_text(SPEC, encoding="utf-8")
    lines = "".join(
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": f"hi {i}"},
                    {"role": "assistant", "content": f"yo {i}"},
                ]
            }
        )
        + "\n"
        for i in range(12)  # fine-tuning needs at least 10 examples
    )
    (tmp_path / "specs" / "train.jsonl").write_text(lines, encoding="utf-8")
    return tmp_path


def _import(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["import", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_no_argument_at_all_asks_for_an_address_not_for_dir(stack: Path) -> None:
    code, output = _import()
    assert code == 1
    assert "name at least one ADDRESS to import" in output
    assert "Missing argument" not in output


def test_a_lone_job_address_is_told_jobs_need_no_import(stack: Path) -> None:
    code, output = _import("job.bot")
    assert code == 1
    assert "cannot import 'job.bot': a job needs no import" in output
    assert "name at least one ADDRESS" not in output


def test_a_bare_deployment_name_is_suggested_its_address(stack: Path) -> None:
    code, output = _import("chat")
    assert code == 1
    assert "cannot import 'chat'" in output
    assert "did you mean 'deployment.chat'?" in output


def test_a_dataset_no_job_uses_is_explained_not_called_missing(stack: Path) -> None:
    code, output = _import("file.spare@swc")
    assert code == 1
    assert "no job of account swc trains on dataset spare" in output
    assert "not in the spec" not in output


def test_a_directory_with_no_address_still_asks_for_one(stack: Path) -> None:
    code, output = _import("specs")
    assert code == 1
    assert "name at least one ADDRESS to import" in output
