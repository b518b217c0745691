"""`load_spec` and the Spec API other parts use: raising, locations, defaults."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reconciler.errors import Location, SpecError
from reconciler.spec import load_spec

from .support import CATALOG, ENV, HEAD, write_tree

BODY = HEAD + textwrap.dedent("""\
    datasets:
      d: {path: d.jsonl}
    jobs:
      j:
        account: swc
        model: gpt-4.1-mini-2025-04-14
        training_data: d
        hyperparameters: {n_epochs: 3}
    deployments:
      dep:
        account: ncus
        model: {job: j}
        sku:
          name: ProvisionedManaged
          capacity: 50
    """)


def test_load_spec_returns_the_spec_with_places(in_tmp: Path) -> None:
    write_tree(in_tmp / "spec", {"main.yaml": BODY, "d.jsonl": ""})
    spec = load_spec(Path("spec"), environ=ENV, catalog=CATALOG)
    assert spec.stack == "demo"
    assert spec.warnings == []
    assert spec.location("deployments", "dep", "sku", "capacity") == Location(
        "spec/main.yaml", 19, 17
    )
    assert spec.location("deployments", "dep", "sku") == Location("spec/main.yaml", 17, 5)
    # Not written (a default): the nearest written ancestor.
    assert spec.location("deployments", "dep", "name") == Location("spec/main.yaml", 14, 3)
    assert spec.location("jobs", "j", "hyperparameters", "batch_size") == Location(
        "spec/main.yaml", 12, 5
    )
    assert spec.key_location("jobs", "j", "model") == Location("spec/main.yaml", 10, 5)
    assert spec.location("nothing", "here") == Location("spec")
    assert spec.files == [Path("spec/main.yaml")]


def test_load_spec_raises_with_every_problem(in_tmp: Path) -> None:
    broken = BODY.replace("n_epochs: 3", "n_epochs: 0").replace("capacity: 50", "capacity: 0")
    write_tree(in_tmp / "spec", {"main.yaml": broken, "z.yaml": "stack: again\n"})
    with pytest.raises(SpecError) as raised:
        load_spec(Path("spec"), environ=ENV, catalog=CATALOG)
    lines = [str(d) for d in raised.value.diagnostics]
    assert len(lines) == 4, lines
    assert any(
        line.startswith(
            "spec/z.yaml:1:1: error: `stack` is set twice: here and at spec/main.yaml:1:8"
        )
        for line in lines
    )
    assert any(
        line.startswith("spec/main.yaml:12:33: error: jobs.j.hyperparameters.n_epochs")
        for line in lines
    )
    assert any(
        line.startswith("spec/main.yaml:19:17: error: deployments.dep.sku.capacity")
        for line in lines
    )
    assert any(
        line.startswith("spec/main.yaml:6:13: error: dataset file not found: spec/d.jsonl")
        for line in lines
    )
    # Sorted by place, so the output reads top to bottom.
    assert lines == sorted(lines, key=lambda s: (s.split(":")[0], int(s.split(":")[1])))
    assert str(raised.value) == "\n".join(lines)


def test_load_spec_uses_the_process_environment_by_default(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(in_tmp / "spec", {"main.yaml": BODY, "d.jsonl": ""})
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    spec = load_spec(Path("spec"), catalog=CATALOG)  # HEAD holds no ${env:}
    assert spec.accounts["swc"].name == "aoai-swc"
    env_head = BODY.replace(
        "00000000-0000-0000-0000-000000000001", '"${env:AZURE_SUBSCRIPTION_ID}"'
    )
    write_tree(in_tmp / "spec", {"main.yaml": env_head, "d.jsonl": ""})
    with pytest.raises(SpecError, match="environment variable AZURE_SUBSCRIPTION_ID is not set"):
        load_spec(Path("spec"), catalog=CATALOG)
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-00000000000a")
    spec = load_spec(Path("spec"), catalog=CATALOG)
    assert spec.accounts["ncus"].subscription_id == "00000000-0000-0000-0000-00000000000a"


def test_a_single_file_can_be_the_spec(in_tmp: Path) -> None:
    write_tree(in_tmp, {"one.yaml": BODY, "d.jsonl": ""})
    spec = load_spec(Path("one.yaml"), environ=ENV, catalog=CATALOG)
    assert set(spec.jobs) == {"j"}
    assert spec.datasets["d"].path == in_tmp.resolve() / "d.jsonl"


def test_locations_of_files_outside_the_working_directory_stay_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path / "spec", {"main.yaml": "stack: [x]\n"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(SpecError) as raised:
        load_spec(tmp_path / "spec", environ=ENV, catalog=CATALOG)
    assert str(raised.value).startswith(
        f"{tmp_path}/spec/main.yaml:1:8: error: stack must be a string"
    )
