"""Offline checks against a catalog: errors only where nothing could work in any region."""

# Expected messages are kept whole, as the tool prints them, so they can be searched for.
# ruff: noqa: E501

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

from reconciler.catalog import Catalog
from reconciler.spec import read_spec

from .conftest import Reader
from .support import CATALOG, ENV, HEAD, MINI, has, messages, place, write_tree

MINI_ID = MINI.id
FT_ID = f"{MINI_ID}.ft-0123456789abcdef0123456789abcdef-clippy"


def spec_with(body: str) -> dict[str, str]:
    head = HEAD + "datasets:\n  d: {path: d.jsonl}\n"
    return {"a.yaml": head + textwrap.dedent(body), "d.jsonl": ""}


def test_unknown_base_model_suggests_the_versioned_id(read: Reader) -> None:
    body = """\
        jobs:
          by-name: {account: swc, model: gpt-4.1-mini, training_data: d}
          typo: {account: swc, model: gpt-4.1-mini-2025-04-15, training_data: d}
          other: {account: swc, model: llama-3, training_data: d}
        """
    files = spec_with(body)
    _, diagnostics = read(files)
    at = place(files["a.yaml"], "gpt-4.1-mini,")
    assert has(
        diagnostics,
        f"{at}: error: jobs.by-name.model: unknown model 'gpt-4.1-mini': write the versioned id, e.g. 'gpt-4.1-mini-2025-04-14'",
    )
    assert has(
        diagnostics,
        "error: jobs.typo.model: unknown model 'gpt-4.1-mini-2025-04-15'; did you mean 'gpt-4.1-mini-2025-04-14'?",
    )
    assert has(diagnostics, "error: jobs.other.model: unknown model 'llama-3'")


def test_model_that_cannot_be_fine_tuned(read: Reader) -> None:
    files = spec_with("jobs:\n  j: {account: swc, model: gpt-5-2025-08-07, training_data: d}\n")
    _, diagnostics = read(files)
    at = place(files["a.yaml"], "gpt-5")
    assert messages(diagnostics) == [
        f"{at}: error: jobs.j.model: model gpt-5-2025-08-07 cannot be fine-tuned"
    ]


def test_method_and_training_type_must_be_offered_somewhere(read: Reader) -> None:
    catalog = dataclasses.replace(
        CATALOG,
        models={MINI_ID: dataclasses.replace(MINI, methods=frozenset({"supervised"}))},
    )
    files = spec_with(f"""\
        jobs:
          j: {{account: swc, model: {MINI_ID}, training_data: d, method: dpo, training_type: developer}}
        """)
    write_tree(Path("spec"), files)
    _, diagnostics = read_spec(Path("spec"), environ=ENV, catalog=catalog)
    assert has(
        diagnostics,
        "error: jobs.j.method: model gpt-4.1-mini-2025-04-14 does not support the dpo method (supported: supervised)",
    )
    assert has(
        diagnostics,
        "error: jobs.j.training_type: model gpt-4.1-mini-2025-04-14 does not offer developer training in any region (offered: standard, globalstandard)",
    )


def test_continuing_a_fine_tuned_model_by_id_or_by_job(read: Reader) -> None:
    body = f"""\
        jobs:
          a: {{account: swc, model: {FT_ID}, training_data: d}}
          b: {{account: swc, model: {{job: a}}, training_data: d, training_type: developer}}
        """
    files = spec_with(body)
    _, diagnostics = read(files)
    at = place(files["a.yaml"], "developer")
    # The chain's base model rules apply to the job that continues it.
    assert messages(diagnostics) == [
        f"{at}: error: jobs.b.training_type: model gpt-4.1-mini-2025-04-14 does not offer developer training in any region (offered: standard, globalstandard)"
    ]


def deployment(name: str, model: str, sku: str, capacity: int) -> str:
    return (
        f"  {name}: {{account: ncus, model: {model}, sku: {{name: {sku}, capacity: {capacity}}}}}\n"
    )


def test_sku_must_be_offered_for_the_model_somewhere(read: Reader) -> None:
    body = f"jobs:\n  j: {{account: swc, model: {MINI_ID}, training_data: d}}\ndeployments:\n"
    body += deployment("ft-ptu", "{job: j}", "ProvisionedManaged", 50)
    body += deployment("ft-global", "{job: j}", "GlobalStandard", 1)
    body += deployment("by-id", FT_ID, "DeveloperTier", 1)
    body += deployment("base", MINI_ID, "Standard", 1)
    body += deployment("base-ok", MINI_ID, "GlobalStandard", 10)
    files = spec_with(body)
    _, diagnostics = read(files)
    lines = messages(diagnostics)
    at = place(files["a.yaml"], "GlobalStandard")
    assert (
        f"{at}: error: deployments.ft-global.sku.name: sku GlobalStandard is not offered for a fine-tuned gpt-4.1-mini in any region (offered: ProvisionedManaged, Standard)"
        in lines
    )
    assert any(
        "deployments.by-id.sku.name: sku DeveloperTier is not offered for a fine-tuned gpt-4.1-mini"
        in line
        for line in lines
    )
    assert any(
        "deployments.base.sku.name: sku Standard is not offered for gpt-4.1-mini-2025-04-14 in any region (offered: GlobalStandard)"
        in line
        for line in lines
    )
    assert len(lines) == 3


def test_capacity_that_fits_no_region(read: Reader) -> None:
    body = f"jobs:\n  j: {{account: swc, model: {MINI_ID}, training_data: d}}\ndeployments:\n"
    body += deployment("ptu-step", "{job: j}", "ProvisionedManaged", 30)
    body += deployment("ptu-low", "{job: j}", "ProvisionedManaged", 10)
    body += deployment("ptu-ok", "{job: j}", "ProvisionedManaged", 1000)
    body += deployment("std-high", "{job: j}", "Standard", 501)
    files = spec_with(body)
    text = files["a.yaml"]
    _, diagnostics = read(files)
    assert messages(diagnostics) == [
        f"{place(text, '30}')}: error: deployments.ptu-step.sku.capacity: sku ProvisionedManaged for a fine-tuned gpt-4.1-mini: capacity 30 is not allowed: the capacity must be one of 25, 50, 75, … 1000 (steps of 25; nearest: 25 or 50)",
        f"{place(text, '10}')}: error: deployments.ptu-low.sku.capacity: sku ProvisionedManaged for a fine-tuned gpt-4.1-mini: capacity 10 is below the minimum 25",
        f"{place(text, '501}')}: error: deployments.std-high.sku.capacity: sku Standard for a fine-tuned gpt-4.1-mini: capacity 501 is above the maximum 500 in every region that offers it",
    ]


def test_unknown_deployment_model_and_checkpoint_ids(read: Reader) -> None:
    body = "deployments:\n"
    body += deployment("unknown", "gpt-9", "Standard", 1)
    body += deployment("ckpt", "ftchkpt-abc123", "Standard", 1)
    files = spec_with(body)
    _, diagnostics = read(files)
    at = place(files["a.yaml"], "gpt-9")
    assert messages(diagnostics) == [
        f"{at}: error: deployments.unknown.model: unknown model 'gpt-9'"
    ]


def test_no_catalog_model_no_deploy_regions(read: Reader) -> None:
    catalog = Catalog(
        regions=CATALOG.regions,
        models={MINI_ID: dataclasses.replace(MINI, finetuned_skus={})},
        default_quota={},
    )
    files = spec_with(
        f"jobs:\n  j: {{account: swc, model: {MINI_ID}, training_data: d}}\ndeployments:\n"
        + deployment("x1", "{job: j}", "Standard", 1)
    )
    write_tree(Path("spec"), files)
    _, diagnostics = read_spec(Path("spec"), environ=ENV, catalog=catalog)
    assert has(
        diagnostics,
        "error: deployments.x1.model: a fine-tuned gpt-4.1-mini cannot be deployed in any region",
    )


def test_packaged_catalog_accepts_the_spec_md_example(in_tmp: Path) -> None:
    """The example of SPEC.md §1 passes the checks of the real catalog."""
    body = """\
        stack: clippy
        accounts:
          swc:
            subscription_id: ${env:AZURE_SUBSCRIPTION_ID}
            resource_group: rg-ft
            name: aoai-swc
          ncus:
            subscription_id: ${env:AZURE_SUBSCRIPTION_ID}
            resource_group: rg-ft
            name: aoai-ncus
        datasets:
          clippy-train: {path: d.jsonl}
          gozaru: {path: d.jsonl, split: {validation: 0.2, seed: 7}}
        jobs:
          clippy:
            account: swc
            model: gpt-4.1-mini-2025-04-14
            training_data: clippy-train
            validation_data: gozaru:validation
            method: supervised
            hyperparameters: {n_epochs: 3, batch_size: auto, learning_rate_multiplier: auto}
            seed: 105
            suffix: clippy
            training_type: standard
        deployments:
          clippy-swc: {account: swc, model: {job: clippy}, sku: {name: Standard, capacity: 1}}
          clippy-ncus:
            account: ncus
            model: {job: clippy}
            sku: {name: ProvisionedManaged, capacity: 50}
            prevent_destroy: true
        """
    write_tree(Path("spec"), {"a.yaml": body, "d.jsonl": ""})
    _, diagnostics = read_spec(Path("spec"), environ=ENV)
    assert messages(diagnostics) == []


def test_region_checks_once_the_regions_are_known(read: Reader) -> None:
    from reconciler.spec.catalog_checks import check_regions

    body = f"""\
        jobs:
          j: {{account: swc, model: {MINI_ID}, training_data: d}}
          global: {{account: swc, model: {MINI_ID}, training_data: d, training_type: globalstandard}}
        deployments:
          std: {{account: swc, model: {{job: j}}, sku: {{name: Standard, capacity: 1}}}}
          ptu: {{account: swc, model: {{job: j}}, sku: {{name: ProvisionedManaged, capacity: 25}}}}
          ptu-ncus: {{account: ncus, model: {{job: j}}, sku: {{name: ProvisionedManaged, capacity: 25}}}}
        """
    files = spec_with(body)
    spec, offline = read(files)
    assert messages(offline) == []
    found = messages(
        check_regions(spec, CATALOG, {"swc": "swedencentral", "ncus": "northcentralus"})
    )
    text = files["a.yaml"]
    assert found == [
        f"{place(text, 'swc, model: gpt-4.1-mini-2025-04-14, training_data: d, training_type')}: error: jobs.global: model gpt-4.1-mini-2025-04-14 cannot be fine-tuned with globalstandard training in swedencentral (regions: eastus2) (account 'swc' is in swedencentral)",
        f"{place(text, 'sku: {name: ProvisionedManaged')}: error: deployments.ptu: sku ProvisionedManaged is not offered for a fine-tuned gpt-4.1-mini in swedencentral (skus: Standard) (account 'swc' is in swedencentral)",
    ]
    # Unknown regions are skipped, not guessed.
    assert messages(check_regions(spec, CATALOG, {})) == []
