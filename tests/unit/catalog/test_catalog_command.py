"""`reconciler catalog`: the values a spec may use, straight from the catalog in use."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from reconciler.catalog import load_catalog
from reconciler.cli import cli


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["catalog", *args])
    return result.exit_code, result.stdout, result.stderr


def _json(*args: str) -> dict[str, Any]:
    code, out, _ = _run("--format", "json", *args)
    assert code == 0
    data: dict[str, Any] = json.loads(out)
    return data


def test_catalog_is_listed_in_help() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert "\n  catalog " in result.output


def test_json_lists_every_model_with_the_catalogs_own_rules() -> None:
    catalog = load_catalog()
    data = _json()
    assert [m["id"] for m in data["models"]] == list(catalog.models)
    assert data["training_types"] == ["standard", "globalstandard", "developer"]
    assert data["spec_methods"] == ["supervised", "dpo", "reinforcement"]
    for entry in data["models"]:
        info = catalog.models[entry["id"]]
        assert set(entry["methods"]) == set(info.methods)
        for kind, regions in entry["training_types"].items():
            assert set(regions) == set(info.training_regions[kind])
        # Every (sku, region) listed is exactly what validate accepts, with its capacity grid.
        listed = {
            (sku, region): rule["capacity"]
            for sku, rules in entry["finetuned_skus"].items()
            for rule in rules
            for region in rule["regions"]
        }
        expected = {
            (sku, region): capacity.to_arm()
            for region, skus in info.finetuned_skus.items()
            for sku, capacity in skus.items()
        }
        assert listed == expected


def test_region_narrows_to_what_is_offered_there() -> None:
    data = _json("--region", "westus")
    ids = [m["id"] for m in data["models"]]
    assert "gpt-4.1-mini-2025-04-14" in ids
    # gpt-35-turbo is neither trained nor deployed in westus.
    assert not any(i.startswith("gpt-35-turbo") for i in ids)
    for entry in data["models"]:
        for regions in entry["training_types"].values():
            assert regions == ["westus"]
        for rules in [*entry["finetuned_skus"].values(), *entry["base_skus"].values()]:
            assert all(rule["regions"] == ["westus"] for rule in rules)


def test_text_for_one_model_names_methods_training_types_and_capacities() -> None:
    code, out, _ = _run("--model", "gpt-4.1-mini-2025-04-14", "--region", "northcentralus")
    assert code == 0
    assert out.splitlines()[0].startswith("gpt-4.1-mini-2025-04-14 ")
    assert "  methods: supervised, dpo\n" in out
    assert "    standard: northcentralus\n" in out
    assert "ProvisionedManaged capacity 25..1000 step 25 (25, 50, 75, …): northcentralus" in out
    assert "gpt-4o" not in out


def test_reinforcement_is_a_method_specs_accept() -> None:
    code, out, _ = _run("--model", "o4-mini-2025-04-16")
    assert code == 0
    assert "  methods: reinforcement\n" in out
    assert "not yet accepted" not in out


@pytest.mark.parametrize(
    ("option", "value", "known"),
    [("--region", "westus9", "swedencentral"), ("--model", "gpt-5", "gpt-4.1-2025-04-14")],
)
def test_unknown_region_or_model_is_an_error_listing_the_known_ones(
    option: str, value: str, known: str
) -> None:
    code, out, err = _run(option, value)
    assert code == 1
    assert out == ""
    assert err.startswith(f"error: {option[2:]} '{value}' is not in the catalog")
    assert known in err
